// Last-writer-wins order of ops, as the Swift engine's OpStamp: timestamp (wall, then
// logical), then client id, then seq. Client ids compare as JavaScript compares strings
// (UTF-16 units), where Swift compares Unicode scalars: the same order for ASCII ids.

/** The stamp of an op in collab's JSON form. */
export function stampOf(op) {
  return { wall: op.timestamp.wall, logical: op.timestamp.logical, client: op.id.clientId, seq: op.id.seq };
}

/** Whether stamp `a` is later than `b` (any stamp is later than none). */
export function later(a, b) {
  if (b === null || b === undefined) return true;
  if (a.wall !== b.wall) return a.wall > b.wall;
  if (a.logical !== b.logical) return a.logical > b.logical;
  if (a.client !== b.client) return a.client > b.client;
  return a.seq > b.seq;
}
