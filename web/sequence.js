// The sequence of a collab document in JavaScript: FugueMax, as the Swift engine's
// (docs/engine.md), over every character ever inserted: text, block markers and the hidden
// slots of block moves, deleted ones kept. replica.js applies ops through it.
//
// Characters are kept in runs, in document order: one insert's consecutive characters,
// all shown or all deleted, of one kind ("text", "marker" or "slot"). A run starting
// inside its insert has as left origin the character before it in that insert; its right
// origin is the insert's. The runs of one insert share its code points (`content`, each
// run a stretch of it), so cutting a run copies nothing, and typing on grows it in place.
// Runs sit in chunks of at most `chunkSize`, each knowing how many characters it holds,
// so that a position is found by skipping chunks, from where the last one was found
// (edits cluster); each client's runs are kept in seq order (`RunIndex`), so that an id
// is found by a binary search.

const chunkSize = 64;

export class Sequence {
  constructor() {
    /** Chunks of runs, in document order: { runs, chars, shown, index }. */
    this.chunks = [{ runs: [], chars: 0, shown: 0, index: 0 }];
    /** A chunk and the characters (all, and shown) in the chunks before it. */
    this.finger = { b: 0, chars: 0, shown: 0 };
    this.totalChars = 0;
    this.totalShown = 0;
    /** Per client, its runs in seq order. */
    this.runsOf = new Map();
    /** Bumped by every change to the runs but typing on: what `typing` is valid for. */
    this.changes = 0;
    /** Where the last local insert ended, while nothing else changed: the next keystroke
     *  there needs no search. { position, point, changes }. */
    this.typing = null;
  }

  /** Takes `runs` (a document's state, in document order, `chunk` left out) as the whole
   *  sequence of an empty one. */
  load(runs) {
    this.chunks = [];
    for (let k = 0; k < runs.length || this.chunks.length === 0; k += chunkSize) {
      const chunk = { runs: runs.slice(k, k + chunkSize), chars: 0, shown: 0, index: this.chunks.length };
      for (const run of chunk.runs) {
        run.chunk = chunk;
        chunk.chars += run.length;
        if (!run.deleted) chunk.shown += run.length;
        let own = this.runsOf.get(run.client);
        if (!own) this.runsOf.set(run.client, (own = new RunIndex()));
        own.add(run);
      }
      this.totalChars += chunk.chars;
      this.totalShown += chunk.shown;
      this.chunks.push(chunk);
    }
    this.finger = { b: 0, chars: 0, shown: 0 };
    this.changes++;
  }

  /** The text shown. */
  get text() {
    const parts = [];
    for (const chunk of this.chunks) for (const run of chunk.runs) if (!run.deleted) parts.push(textOf(run, 0, run.length));
    return parts.join("");
  }

  /** How many characters are shown. */
  get length() {
    return this.totalShown;
  }

  /** How many characters there are, deleted ones too. */
  get total() {
    return this.totalChars;
  }

  /** Counts characters added to a chunk (negative: removed), shown or not. */
  grow(chunk, chars, shown) {
    chunk.chars += chars;
    chunk.shown += shown;
    this.totalChars += chars;
    this.totalShown += shown;
    if (chunk.index < this.finger.b) {
      this.finger.chars += chars;
      this.finger.shown += shown;
    }
  }

  /** Moves the finger to chunk `b`. */
  point(b) {
    const finger = this.finger;
    while (finger.b < b) {
      finger.chars += this.chunks[finger.b].chars;
      finger.shown += this.chunks[finger.b].shown;
      finger.b++;
    }
    while (finger.b > b) {
      finger.b--;
      finger.chars -= this.chunks[finger.b].chars;
      finger.shown -= this.chunks[finger.b].shown;
    }
  }

  /** Moves the finger to the chunk holding character `position` (all characters, or
   *  only shown ones): the last chunk when it is the end. */
  pointAt(position, shown) {
    const finger = this.finger;
    const count = (chunk) => (shown ? chunk.shown : chunk.chars);
    const before = () => (shown ? finger.shown : finger.chars);
    while (position < before() && finger.b > 0) this.point(finger.b - 1);
    while (position >= before() + count(this.chunks[finger.b]) && finger.b < this.chunks.length - 1) this.point(finger.b + 1);
    return finger.b;
  }

  /** The run holding `id`, or null (an id of no character, or not known). */
  runOf(id) {
    const runs = this.runsOf.get(id.client);
    if (!runs) return null;
    const run = runs.last(id.seq);
    return run !== null && id.seq < run.seq + run.length ? run : null;
  }

  /** The position of a character among all of them (deleted ones too); `none` for null. */
  position(id, none) {
    if (id === null) return none;
    const run = this.runOf(id);
    if (run === null) throw new Error(`no character ${id.client}:${id.seq}`);
    return this.positionOfRun(run) + id.seq - run.seq;
  }

  positionOfRun(run) {
    this.point(run.chunk.index);
    let position = this.finger.chars;
    for (const other of run.chunk.runs) {
      if (other === run) return position;
      position += other.length;
    }
    throw new Error("a run outside its chunk");
  }

  /** Where character position `position` is: chunk index, run index, offset. */
  cursor(position) {
    if (position >= this.totalChars) return null;
    const b = this.pointAt(position, false);
    position -= this.finger.chars;
    const runs = this.chunks[b].runs;
    for (let r = 0; r < runs.length; r++) {
      const length = runs[r].length;
      if (position < length) return { b, r, offset: position };
      position -= length;
    }
    return null;
  }

  /** Cuts `run` so that a new run starts `offset` characters in; the new run. `index`,
   *  where the run is in its chunk, when the caller knows it. A second half's left origin
   *  is the character before it (`origin` null with `inner` set: made when asked for). */
  split(run, offset, index = run.chunk.runs.indexOf(run)) {
    const tail = {
      client: run.client, seq: run.seq + offset, content: run.content, start: run.start + offset, length: run.length - offset,
      origin: null, inner: true, rightOrigin: run.rightOrigin, deleted: run.deleted, kind: run.kind, chunk: run.chunk,
    };
    run.length = offset;
    this.changes++;
    run.chunk.runs.splice(index + 1, 0, tail);
    this.runsOf.get(run.client).add(tail);
    this.rebalance(run.chunk);
    return tail;
  }

  /** Splits a chunk grown past twice `chunkSize` in two. */
  rebalance(chunk) {
    if (chunk.runs.length <= 2 * chunkSize) return;
    const moved = chunk.runs.splice(chunkSize);
    const sibling = { runs: moved, chars: 0, shown: 0, index: chunk.index + 1 };
    for (const run of moved) {
      run.chunk = sibling;
      sibling.chars += run.length;
      if (!run.deleted) sibling.shown += run.length;
    }
    // Characters move from one chunk to the next: the finger's counts stand, unless it is
    // on the chunk itself, whose count falls.
    chunk.chars -= sibling.chars;
    chunk.shown -= sibling.shown;
    this.chunks.splice(chunk.index + 1, 0, sibling);
    for (let b = chunk.index + 2; b < this.chunks.length; b++) this.chunks[b].index = b;
    if (this.finger.b > chunk.index) this.finger.b++;
  }

  /** FugueMax (YjsMod) integration, as the Swift engine's `integrateInsert`: scan the
   *  characters between the origins and stop where the new run sorts. `kind` is "text",
   *  or "marker" or "slot" for the one character of a block insert or move; `chars`, the
   *  code points, become the run's own (typing on appends to them). */
  integrate(id, chars, after, before, kind = "text") {
    const total = this.total;
    const leftPosition = this.position(after, -1);
    const rightPosition = this.position(before, total);
    let i = leftPosition + 1;
    let destination = i;
    let scanning = false;
    let at = i < total ? this.cursor(i) : null;
    while (true) {
      if (!scanning) destination = i;
      if (i === rightPosition || i === total) break;
      const run = this.chunks[at.b].runs[at.r];
      const offset = at.offset;
      // Inside a run, a character's left origin is the one before it.
      const otherLeft = offset > 0 ? i - 1 : this.position(run.inner ? { client: run.client, seq: run.seq - 1 } : run.origin, -1);
      if (otherLeft < leftPosition) break;
      if (otherLeft === leftPosition) {
        const otherRight = this.position(run.rightOrigin, total);
        if (otherRight < rightPosition) {
          scanning = true;
        } else if (otherRight === rightPosition) {
          if (id.client < run.client) break;
          scanning = false;
        } else {
          scanning = false;
        }
      }
      const step = Math.min(run.length - offset, rightPosition - i);
      i += step;
      if (step === run.length - offset) {
        at = { b: at.b, r: at.r + 1, offset: 0 };
        while (at.b < this.chunks.length && at.r >= this.chunks[at.b].runs.length) at = { b: at.b + 1, r: 0, offset: 0 };
      } else {
        at = { b: at.b, r: at.r, offset: offset + step };
      }
    }
    this.place(id, chars, after, before, kind, destination, after === null || destination !== leftPosition + 1 ? null : this.runOf(after));
  }

  /** Puts an insert's characters at character position `position`: growing the run of
   *  its left origin, `afterRun`, when that is typing on at the end of one's own run
   *  towards the same right origin (what a separate run would mean, in fewer runs), else
   *  as a run of its own. */
  place(id, chars, after, before, kind, position, afterRun) {
    const run = afterRun;
    if (run !== null && kind === "text" && run.kind === "text" && run.client === id.client && run.seq + run.length === id.seq
      && after.seq === id.seq - 1 && !run.deleted && run.start + run.length === run.content.length
      && (run.rightOrigin === null ? before === null : before !== null && run.rightOrigin.client === before.client && run.rightOrigin.seq === before.seq)) {
      for (const char of chars) run.content.push(char);
      run.length += chars.length;
      this.changes++;
      this.grow(run.chunk, chars.length, chars.length);
      return run;
    }
    const made = {
      client: id.client, seq: id.seq, content: chars, start: 0, length: chars.length, origin: after, inner: false, rightOrigin: before, deleted: false,
      kind,
    };
    this.insertRun(made, position);
    return made;
  }

  /** Puts a new run at character position `position`, splitting the run there. */
  insertRun(run, position) {
    let chunk;
    let index;
    const at = position < this.total ? this.cursor(position) : null;
    if (at === null) {
      chunk = this.chunks[this.chunks.length - 1];
      index = chunk.runs.length;
    } else {
      chunk = this.chunks[at.b];
      index = at.r;
      if (at.offset > 0) {
        // The run's second half starts at the position now (perhaps in a new chunk).
        this.split(chunk.runs[at.r], at.offset);
        const cut = this.cursor(position);
        chunk = this.chunks[cut.b];
        index = cut.r;
      }
    }
    run.chunk = chunk;
    this.changes++;
    chunk.runs.splice(index, 0, run);
    this.grow(chunk, run.length, run.length);
    let own = this.runsOf.get(run.client);
    if (!own) this.runsOf.set(run.client, (own = new RunIndex()));
    own.add(run);
    this.rebalance(chunk);
  }

  /** Marks ids `low` to `low + count - 1` of `client` deleted, run by run (they may lie
   *  apart, other text having been inserted between them). */
  markDeleted(client, low, count) {
    let seq = low;
    while (seq < low + count) {
      let run = this.runOf({ client, seq });
      if (run.seq < seq) run = this.split(run, seq - run.seq);
      const here = Math.min(run.length, low + count - seq);
      if (here < run.length) this.split(run, here);
      if (!run.deleted) {
        run.deleted = true;
        this.changes++;
        this.grow(run.chunk, 0, -run.length);
      }
      seq += here;
    }
  }

  /** The id of the shown character at `position`, or null past the end: what a caret
   *  after it holds on to while others edit. */
  shownId(position) {
    if (position < 0 || position >= this.totalShown) return null;
    const b = this.pointAt(position, true);
    let shown = this.finger.shown;
    for (const run of this.chunks[b].runs) {
      if (run.deleted) continue;
      if (position < shown + run.length) return { client: run.client, seq: run.seq + position - shown };
      shown += run.length;
    }
    return null;
  }

  /** How many shown characters come before `id`'s character (deleted or not). */
  shownBefore(id) {
    const run = this.runOf(id);
    if (run === null) throw new Error(`no character ${id.client}:${id.seq}`);
    this.point(run.chunk.index);
    let shown = this.finger.shown;
    for (const other of run.chunk.runs) {
      if (other === run) return shown + (run.deleted ? 0 : id.seq - run.seq);
      if (!other.deleted) shown += other.length;
    }
    throw new Error("a run outside its chunk");
  }

  /** Marks deleted every character at positions `from` to `to` (excluded) among all. */
  hide(from, to) {
    let position = from;
    while (position < to) {
      const at = this.cursor(position);
      const run = this.chunks[at.b].runs[at.r];
      const count = Math.min(run.length - at.offset, to - position);
      if (!run.deleted) this.markDeleted(run.client, run.seq + at.offset, count);
      position += count;
    }
  }

  /** Calls `body(run)` for every run, in document order. */
  forEachRun(body) {
    for (const chunk of this.chunks) for (const run of chunk.runs) body(run);
  }

  /** The origins of a local insert at shown position `position`, as the Swift engine
   *  gives them: after the shown character before the position, before whatever follows
   *  that one (deleted characters too), so that text typed at the end of a block never
   *  lands among a deleted block's hidden characters. */
  insertionPoint(position) {
    const typing = this.typing;
    if (typing !== null && typing.changes === this.changes && typing.position === position) return typing.point;
    let after = null;
    let afterPosition = -1;
    let afterRun = null;
    if (position > 0) {
      const b = this.pointAt(position - 1, true);
      let shown = this.finger.shown;
      let start = this.finger.chars;
      for (const run of this.chunks[b].runs) {
        if (!run.deleted && position - 1 < shown + run.length) {
          const offset = position - 1 - shown;
          after = { client: run.client, seq: run.seq + offset };
          afterPosition = start + offset;
          afterRun = run;
          break;
        }
        if (!run.deleted) shown += run.length;
        start += run.length;
      }
    }
    let before = null;
    if (afterPosition + 1 < this.total) {
      const at = this.cursor(afterPosition + 1);
      const run = this.chunks[at.b].runs[at.r];
      before = { client: run.client, seq: run.seq + at.offset };
    }
    return { after, before, at: afterPosition + 1, afterRun };
  }

  /** A local insert at what `insertionPoint` found: nothing lies between its origins, so
   *  no concurrent insert needs ordering and the characters go right there. */
  insertLocal(id, chars, point, position) {
    const run = this.place(id, chars, point.after, point.before, "text", point.at, point.afterRun);
    const last = { client: id.client, seq: id.seq + chars.length - 1 };
    this.typing = {
      position: position + chars.length, changes: this.changes,
      point: { after: last, before: point.before, at: point.at + chars.length, afterRun: run },
    };
  }

  /** Deletes `count` shown characters from shown position `position`: the targets
   *  (docs/ops.md) of the delete op that does so, made as the runs are cut. */
  deleteShown(position, count) {
    const targets = [];
    let remaining = count;
    while (remaining > 0) {
      const b = this.pointAt(position, true);
      let shown = this.finger.shown;
      const runs = this.chunks[b].runs;
      let r = 0;
      for (; r < runs.length; r++) {
        const candidate = runs[r];
        if (candidate.deleted) continue;
        if (position < shown + candidate.length) break;
        shown += candidate.length;
      }
      let run = runs[r];
      if (position > shown) {
        run = this.split(run, position - shown, r);
        r = run.chunk.runs === runs ? r + 1 : run.chunk.runs.indexOf(run);
      }
      const here = Math.min(run.length, remaining);
      if (here < run.length) this.split(run, here, run.chunk.runs === runs ? r : run.chunk.runs.indexOf(run));
      run.deleted = true;
      this.changes++;
      this.grow(run.chunk, 0, -here);
      const last = targets[targets.length - 1];
      if (last && last.clientId === run.client && last.seq + last.len === run.seq) last.len += here;
      else targets.push({ clientId: run.client, seq: run.seq, len: here });
      remaining -= here;
    }
    return targets;
  }
}

/** One client's runs in seq order (their ids never overlap), in blocks of at most twice
 *  `chunkSize`, so that adding one (a cut run's second half) moves few others. */
class RunIndex {
  constructor() {
    this.blocks = [[]];
  }

  /** The block that holds, or would hold, a run starting at `seq`. */
  blockOf(seq) {
    const blocks = this.blocks;
    let low = 0;
    let high = blocks.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (blocks[middle][0].seq <= seq) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** The last run starting at or before `seq`, or null. */
  last(seq) {
    const block = this.blocks[this.blockOf(seq)];
    const k = after(block, seq) - 1;
    return k < 0 ? null : block[k];
  }

  add(run) {
    const b = this.blockOf(run.seq);
    const block = this.blocks[b];
    // Mostly the client's next ids: at the end.
    if (block.length === 0 || block[block.length - 1].seq < run.seq) block.push(run);
    else block.splice(after(block, run.seq), 0, run);
    if (block.length > 2 * chunkSize) this.blocks.splice(b + 1, 0, block.splice(chunkSize));
  }
}

/** How many of `runs` (in seq order) start at or before `seq`. */
function after(runs, seq) {
  let low = 0;
  let high = runs.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (runs[middle].seq <= seq) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The characters `from` to `to` (excluded) of a run, as a string. */
export function textOf(run, from, to) {
  const content = run.content;
  const start = run.start + from;
  const end = run.start + to;
  if (end - start === 1) return String.fromCodePoint(content[start]);
  // In slices: a very long run would pass too many arguments at once.
  let text = "";
  for (let k = start; k < end; k += 8192) text += String.fromCodePoint(...content.slice(k, Math.min(end, k + 8192)));
  return text;
}
