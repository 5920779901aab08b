// The sequence of a collab document in JavaScript: FugueMax, as the Swift engine's
// (docs/engine.md), over every character ever inserted: text, block markers and the hidden
// slots of block moves, deleted ones kept. replica.js applies ops through it.
//
// Characters are kept in runs, in document order: one insert's consecutive characters,
// all shown or all deleted, of one kind ("text", "marker" or "slot"). A run starting
// inside its insert has as left origin the character before it in that insert; its right
// origin is the insert's. Runs sit in chunks of at most `chunkSize`, each knowing how many
// characters it holds, so that a position is found by skipping chunks, from where the
// last one was found (edits cluster); each insert knows its runs, so that an id is.

const chunkSize = 64;

export class Sequence {
  constructor() {
    /** Chunks of runs, in document order: { runs, chars, shown, index }. */
    this.chunks = [{ runs: [], chars: 0, shown: 0, index: 0 }];
    /** A chunk and the characters (all, and shown) in the chunks before it. */
    this.finger = { b: 0, chars: 0, shown: 0 };
    this.totalChars = 0;
    this.totalShown = 0;
    /** Per client, its inserts in seq order: { starts: [seq], runs: [[run]] }. */
    this.inserts = new Map();
  }

  /** The text shown. */
  get text() {
    const parts = [];
    for (const chunk of this.chunks) for (const run of chunk.runs) if (!run.deleted) parts.push(String.fromCodePoint(...run.chars));
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

  /** The run holding `id`, or null. */
  runOf(id) {
    const own = this.inserts.get(id.client);
    if (!own) return null;
    let low = 0;
    let high = own.starts.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (own.starts[middle] <= id.seq) low = middle + 1;
      else high = middle;
    }
    if (low === 0) return null;
    const runs = own.runs[low - 1];
    for (let k = runs.length - 1; k >= 0; k--) {
      const run = runs[k];
      if (run.seq <= id.seq) return id.seq < run.seq + run.chars.length ? run : null;
    }
    return null;
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
      position += other.chars.length;
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
      const length = runs[r].chars.length;
      if (position < length) return { b, r, offset: position };
      position -= length;
    }
    return null;
  }

  /** Cuts `run` so that a new run starts `offset` characters in; the new run. */
  split(run, offset) {
    const tail = {
      client: run.client, seq: run.seq + offset, chars: run.chars.slice(offset),
      origin: { client: run.client, seq: run.seq + offset - 1 }, rightOrigin: run.rightOrigin, deleted: run.deleted,
      kind: run.kind, chunk: run.chunk, insert: run.insert,
    };
    run.chars = run.chars.slice(0, offset);
    run.chunk.runs.splice(run.chunk.runs.indexOf(run) + 1, 0, tail);
    run.insert.splice(run.insert.indexOf(run) + 1, 0, tail);
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
      sibling.chars += run.chars.length;
      if (!run.deleted) sibling.shown += run.chars.length;
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
   *  or "marker" or "slot" for the one character of a block insert or move. */
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
      const otherLeft = offset > 0 ? i - 1 : this.position(run.origin, -1);
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
      const step = Math.min(run.chars.length - offset, rightPosition - i);
      i += step;
      if (step === run.chars.length - offset) {
        at = { b: at.b, r: at.r + 1, offset: 0 };
        while (at.b < this.chunks.length && at.r >= this.chunks[at.b].runs.length) at = { b: at.b + 1, r: 0, offset: 0 };
      } else {
        at = { b: at.b, r: at.r, offset: offset + step };
      }
    }
    // Typing on at the end of one's own run, towards the same right origin: the run grows
    // (what a separate run would mean, in fewer runs).
    if (after !== null && destination === leftPosition + 1 && kind === "text") {
      const run = this.runOf(after);
      if (run.kind === "text" && run.client === id.client && run.seq + run.chars.length === id.seq && after.seq === id.seq - 1 && !run.deleted
        && (run.rightOrigin === null ? before === null : before !== null && run.rightOrigin.client === before.client && run.rightOrigin.seq === before.seq)) {
        run.chars.push(...chars);
        this.grow(run.chunk, chars.length, chars.length);
        const own = this.inserts.get(id.client);
        own.starts.push(id.seq);
        own.runs.push(run.insert);
        return;
      }
    }
    this.insertRun({ client: id.client, seq: id.seq, chars, origin: after, rightOrigin: before, deleted: false, kind }, destination);
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
    chunk.runs.splice(index, 0, run);
    this.grow(chunk, run.chars.length, run.chars.length);
    let own = this.inserts.get(run.client);
    if (!own) this.inserts.set(run.client, (own = { starts: [], runs: [] }));
    run.insert = [run];
    own.starts.push(run.seq);
    own.runs.push(run.insert);
    this.rebalance(chunk);
  }

  /** Marks ids `low` to `low + count - 1` of `client` deleted, run by run (they may lie
   *  apart, other text having been inserted between them). */
  markDeleted(client, low, count) {
    let seq = low;
    while (seq < low + count) {
      let run = this.runOf({ client, seq });
      if (run.seq < seq) run = this.split(run, seq - run.seq);
      const here = Math.min(run.chars.length, low + count - seq);
      if (here < run.chars.length) this.split(run, here);
      if (!run.deleted) {
        run.deleted = true;
        this.grow(run.chunk, 0, -run.chars.length);
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
      if (position < shown + run.chars.length) return { client: run.client, seq: run.seq + position - shown };
      shown += run.chars.length;
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
      if (!other.deleted) shown += other.chars.length;
    }
    throw new Error("a run outside its chunk");
  }

  /** Marks deleted every character at positions `from` to `to` (excluded) among all. */
  hide(from, to) {
    let position = from;
    while (position < to) {
      const at = this.cursor(position);
      const run = this.chunks[at.b].runs[at.r];
      const count = Math.min(run.chars.length - at.offset, to - position);
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
    let after = null;
    let afterPosition = -1;
    if (position > 0) {
      const b = this.pointAt(position - 1, true);
      let shown = this.finger.shown;
      let start = this.finger.chars;
      for (const run of this.chunks[b].runs) {
        if (!run.deleted && position - 1 < shown + run.chars.length) {
          const offset = position - 1 - shown;
          after = { client: run.client, seq: run.seq + offset };
          afterPosition = start + offset;
          break;
        }
        if (!run.deleted) shown += run.chars.length;
        start += run.chars.length;
      }
    }
    let before = null;
    if (afterPosition + 1 < this.total) {
      const at = this.cursor(afterPosition + 1);
      const run = this.chunks[at.b].runs[at.r];
      before = { client: run.client, seq: run.seq + at.offset };
    }
    return { after, before };
  }

  /** The delete targets (docs/ops.md) of `count` shown characters from `position`. */
  targets(position, count) {
    const targets = [];
    const first = this.pointAt(position, true);
    let shown = this.finger.shown;
    for (let b = first; b < this.chunks.length && shown < position + count; b++) {
      for (const run of this.chunks[b].runs) {
        if (run.deleted) continue;
        const from = Math.max(position, shown);
        const to = Math.min(position + count, shown + run.chars.length);
        if (from < to) {
          const seq = run.seq + from - shown;
          const last = targets[targets.length - 1];
          if (last && last.clientId === run.client && last.seq + last.len === seq) last.len += to - from;
          else targets.push({ clientId: run.client, seq, len: to - from });
        }
        shown += run.chars.length;
      }
    }
    return targets;
  }
}
