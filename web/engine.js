// The text of a collab document in JavaScript: the FugueMax sequence of the Swift engine
// (docs/engine.md), so that a browser can apply the server's `ops` and make its own. Only
// text_insert and text_delete so far; docs/web.md says what is still to port. Checked
// against the Swift engine in Node (Tests/Node/crosscheck.mjs): shared traces to the same
// text, and random concurrent histories applied in different orders.
//
// Characters are kept in runs, in document order: one insert's consecutive characters,
// all shown or all deleted. A run starting inside its insert has as left origin the
// character before it in that insert; its right origin is the insert's. Runs sit in
// blocks of at most `blockSize`, each knowing how many characters it holds, so that a
// position is found by skipping blocks, from where the last one was found (edits cluster);
// each insert knows its runs, so that an id is.

const blockSize = 64;

export class TextDocument {
  constructor() {
    /** Blocks of runs, in document order: { runs, chars, shown }. */
    this.blocks = [{ runs: [], chars: 0, shown: 0, index: 0 }];
    /** A block and the characters (all, and shown) in the blocks before it. */
    this.finger = { b: 0, chars: 0, shown: 0 };
    this.totalChars = 0;
    this.totalShown = 0;
    /** Per client, its inserts in seq order: { starts: [seq], runs: [[run]] }. */
    this.inserts = new Map();
    /** Per client: its ids applied so far (the next seq expected). */
    this.next = new Map();
    /** Ops waiting for what they depend on. */
    this.pending = [];
  }

  /** The text shown. */
  get text() {
    const parts = [];
    for (const block of this.blocks) for (const run of block.runs) if (!run.deleted) parts.push(String.fromCodePoint(...run.chars));
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

  /** Counts characters added to a block (negative: removed), shown or not. */
  grow(block, chars, shown) {
    block.chars += chars;
    block.shown += shown;
    this.totalChars += chars;
    this.totalShown += shown;
    if (block.index < this.finger.b) {
      this.finger.chars += chars;
      this.finger.shown += shown;
    }
  }

  /** Moves the finger to block `b`. */
  point(b) {
    const finger = this.finger;
    while (finger.b < b) {
      finger.chars += this.blocks[finger.b].chars;
      finger.shown += this.blocks[finger.b].shown;
      finger.b++;
    }
    while (finger.b > b) {
      finger.b--;
      finger.chars -= this.blocks[finger.b].chars;
      finger.shown -= this.blocks[finger.b].shown;
    }
  }

  /** Moves the finger to the block holding character `position` (all characters, or
   *  only shown ones): the last block when it is the end. */
  pointAt(position, shown) {
    const finger = this.finger;
    const count = (block) => (shown ? block.shown : block.chars);
    const before = () => (shown ? finger.shown : finger.chars);
    while (position < before() && finger.b > 0) this.point(finger.b - 1);
    while (position >= before() + count(this.blocks[finger.b]) && finger.b < this.blocks.length - 1) this.point(finger.b + 1);
    return finger.b;
  }

  isSeen(id) {
    return id === null || id.seq < (this.next.get(id.client) ?? 0);
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
    this.point(run.block.index);
    let position = this.finger.chars;
    for (const other of run.block.runs) {
      if (other === run) return position;
      position += other.chars.length;
    }
    throw new Error("a run outside its block");
  }

  /** Where character position `position` is: block index, run index, offset. */
  cursor(position) {
    if (position >= this.totalChars) return null;
    const b = this.pointAt(position, false);
    position -= this.finger.chars;
    const runs = this.blocks[b].runs;
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
      block: run.block, insert: run.insert,
    };
    run.chars = run.chars.slice(0, offset);
    run.block.runs.splice(run.block.runs.indexOf(run) + 1, 0, tail);
    run.insert.splice(run.insert.indexOf(run) + 1, 0, tail);
    this.rebalance(run.block);
    return tail;
  }

  /** Splits a block grown past twice `blockSize` in two. */
  rebalance(block) {
    if (block.runs.length <= 2 * blockSize) return;
    const moved = block.runs.splice(blockSize);
    const sibling = { runs: moved, chars: 0, shown: 0, index: block.index + 1 };
    for (const run of moved) {
      run.block = sibling;
      sibling.chars += run.chars.length;
      if (!run.deleted) sibling.shown += run.chars.length;
    }
    // Characters move from one block to the next: the finger's counts stand, unless it is
    // on the block itself, whose count falls.
    block.chars -= sibling.chars;
    block.shown -= sibling.shown;
    this.blocks.splice(block.index + 1, 0, sibling);
    for (let b = block.index + 2; b < this.blocks.length; b++) this.blocks[b].index = b;
    if (this.finger.b > block.index) this.finger.b++;
  }

  /** Applies an op in collab's JSON form (docs/ops.md), or keeps it until what it
   *  depends on has come. Duplicates are ignored. */
  apply(op) {
    if (this.tryApply(op) === "pending") {
      this.pending.push(op);
      return;
    }
    // What was waiting may be ready now; again until nothing more is.
    let progress = this.pending.length > 0;
    while (progress) {
      progress = false;
      const waiting = this.pending;
      this.pending = [];
      for (const other of waiting) {
        if (this.tryApply(other) === "pending") this.pending.push(other);
        else progress = true;
      }
    }
  }

  tryApply(op) {
    const client = op.id.clientId;
    const next = this.next.get(client) ?? 0;
    const span = op.type === "text_insert" ? [...op.payload.text].length : op.payload.targets.reduce((n, t) => n + t.len, 0);
    if (op.id.seq + span <= next) return "duplicate";
    if (op.id.seq !== next) return "pending";
    if (op.type === "text_insert") {
      const after = op.payload.after && { client: op.payload.after.clientId, seq: op.payload.after.seq };
      const before = op.payload.before && { client: op.payload.before.clientId, seq: op.payload.before.seq };
      if (!this.isSeen(after) || !this.isSeen(before)) return "pending";
      this.integrate({ client, seq: op.id.seq }, [...op.payload.text].map((c) => c.codePointAt(0)), after, before);
    } else if (op.type === "text_delete") {
      for (const target of op.payload.targets) {
        const low = target.backward ? target.seq - target.len + 1 : target.seq;
        if (!this.isSeen({ client: target.clientId, seq: low + target.len - 1 })) return "pending";
      }
      for (const target of op.payload.targets) {
        const low = target.backward ? target.seq - target.len + 1 : target.seq;
        this.markDeleted(target.clientId, low, target.len);
      }
    } else {
      throw new Error(`op type ${op.type} is not ported yet`);
    }
    this.next.set(client, op.id.seq + span);
    return "applied";
  }

  /** FugueMax (YjsMod) integration, as the Swift engine's `integrateInsert`: scan the
   *  characters between the origins and stop where the new run sorts. */
  integrate(id, chars, after, before) {
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
      const run = this.blocks[at.b].runs[at.r];
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
        while (at.b < this.blocks.length && at.r >= this.blocks[at.b].runs.length) at = { b: at.b + 1, r: 0, offset: 0 };
      } else {
        at = { b: at.b, r: at.r, offset: offset + step };
      }
    }
    // Typing on at the end of one's own run, towards the same right origin: the run grows
    // (what a separate run would mean, in fewer runs).
    if (after !== null && destination === leftPosition + 1) {
      const run = this.runOf(after);
      if (run.client === id.client && run.seq + run.chars.length === id.seq && after.seq === id.seq - 1 && !run.deleted
        && (run.rightOrigin === null ? before === null : before !== null && run.rightOrigin.client === before.client && run.rightOrigin.seq === before.seq)) {
        run.chars.push(...chars);
        this.grow(run.block, chars.length, chars.length);
        const own = this.inserts.get(id.client);
        own.starts.push(id.seq);
        own.runs.push(run.insert);
        return;
      }
    }
    this.insertRun({ client: id.client, seq: id.seq, chars, origin: after, rightOrigin: before, deleted: false }, destination);
  }

  /** Puts a new run at character position `position`, splitting the run there. */
  insertRun(run, position) {
    let block;
    let index;
    const at = position < this.total ? this.cursor(position) : null;
    if (at === null) {
      block = this.blocks[this.blocks.length - 1];
      index = block.runs.length;
    } else {
      block = this.blocks[at.b];
      index = at.r;
      if (at.offset > 0) {
        // The run's second half starts at the position now (perhaps in a new block).
        this.split(block.runs[at.r], at.offset);
        const cut = this.cursor(position);
        block = this.blocks[cut.b];
        index = cut.r;
      }
    }
    run.block = block;
    block.runs.splice(index, 0, run);
    this.grow(block, run.chars.length, run.chars.length);
    let own = this.inserts.get(run.client);
    if (!own) this.inserts.set(run.client, (own = { starts: [], runs: [] }));
    run.insert = [run];
    own.starts.push(run.seq);
    own.runs.push(run.insert);
    this.rebalance(block);
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
        this.grow(run.block, 0, -run.chars.length);
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
    for (const run of this.blocks[b].runs) {
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
    this.point(run.block.index);
    let shown = this.finger.shown;
    for (const other of run.block.runs) {
      if (other === run) return shown + (run.deleted ? 0 : id.seq - run.seq);
      if (!other.deleted) shown += other.chars.length;
    }
    throw new Error("a run outside its block");
  }

  /** A local insert of `text` at shown position `position` by `client`: the op made,
   *  applied. Its origins are those the Swift engine gives: after the shown character
   *  before the position, before whatever follows that one (deleted characters too). */
  insert(text, position, client, timestamp) {
    if (position < 0 || position > this.length) throw new Error(`position ${position} is outside the text (${this.length})`);
    let after = null;
    let afterPosition = -1;
    if (position > 0) {
      const b = this.pointAt(position - 1, true);
      let shown = this.finger.shown;
      let start = this.finger.chars;
      for (const run of this.blocks[b].runs) {
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
      const run = this.blocks[at.b].runs[at.r];
      before = { client: run.client, seq: run.seq + at.offset };
    }
    const seq = this.next.get(client) ?? 0;
    const op = {
      id: { clientId: client, seq }, type: "text_insert", timestamp,
      payload: { block: null, after: after && { clientId: after.client, seq: after.seq }, before: before && { clientId: before.client, seq: before.seq }, text },
    };
    this.apply(op);
    return op;
  }

  /** A local delete of `count` shown characters from `position`: the op made, applied. */
  delete(position, count, client, timestamp) {
    if (count <= 0 || position < 0 || position + count > this.length) {
      throw new Error(`no ${count} characters at ${position} (${this.length} shown)`);
    }
    const targets = [];
    const first = this.pointAt(position, true);
    let shown = this.finger.shown;
    for (let b = first; b < this.blocks.length && shown < position + count; b++) {
      for (const run of this.blocks[b].runs) {
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
    const op = { id: { clientId: client, seq: this.next.get(client) ?? 0 }, type: "text_delete", timestamp, payload: { targets } };
    this.apply(op);
    return op;
  }
}
