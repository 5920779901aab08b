// A replica of a collab document in JavaScript: every op type of docs/ops.md applied as the
// Swift engine applies it, the local edits the editor makes, and the document as blocks
// of formatted runs with its comment threads, as `collab materialize --format json` shows
// it. Checked against the Swift engine in Node (Tests/Node/crosscheck.mjs, docs/web.md).
//
// Ids inside are { client, seq }; ops are in their JSON form ({ clientId, seq } ids).

import { FormattingSweep } from "./formatting.js";
import { Sequence, textOf } from "./sequence.js";
import { later, stampOf } from "./stamps.js";

/** A clock never adopts a wall this far ahead of its own time (ClockSkew.limit). */
const skewLimit = 5 * 60 * 1000;

const keyOf = (id) => `${id.client}:${id.seq}`;
const fromWire = (id) => (id === null || id === undefined ? null : { client: id.clientId, seq: id.seq });
const toWire = (id) => (id === null ? null : { clientId: id.client, seq: id.seq });
const anchorFromWire = (anchor) => (anchor === null || anchor === undefined ? null : { id: fromWire(anchor), after: anchor.side === "after" });

/** The code points of a string. */
function codePoints(text) {
  const points = [];
  for (let k = 0; k < text.length; k++) {
    const unit = text.charCodeAt(k);
    if (unit >= 0xd800 && unit < 0xdc00 && k + 1 < text.length) {
      points.push(text.codePointAt(k));
      k++;
    } else {
      points.push(unit);
    }
  }
  return points;
}

/** How many ids an op uses. */
function spanOf(op) {
  switch (op.type) {
    case "text_insert":
      return codePoints(op.payload.text).length;
    case "text_delete":
      return op.payload.targets.reduce((n, target) => n + target.len, 0);
    default:
      return 1;
  }
}

/** The part of an op after its first `skip` ids, as its client would have sent it had it
 *  split the op there (Op.slice). */
function sliceOp(op, skip) {
  const id = { clientId: op.id.clientId, seq: op.id.seq + skip };
  if (op.type === "text_insert") {
    const text = String.fromCodePoint(...codePoints(op.payload.text).slice(skip));
    return { ...op, id, payload: { ...op.payload, after: { clientId: op.id.clientId, seq: id.seq - 1 }, text } };
  }
  const targets = [];
  let offset = 0;
  for (const target of op.payload.targets) {
    const lower = Math.max(skip, offset);
    const upper = offset + target.len;
    if (lower < upper) {
      const from = lower - offset;
      targets.push({ ...target, seq: target.backward ? target.seq - from : target.seq + from, len: upper - lower, backward: target.backward && upper - lower > 1 });
    }
    offset += target.len;
  }
  return { ...op, id, payload: { targets } };
}

export class Replica {
  constructor() {
    this.sequence = new Sequence();
    /** Per client: its ids applied so far (the next seq expected). */
    this.next = new Map();
    /** Ops waiting for what they depend on. */
    this.pending = [];
    /** The clock local edits are stamped from (a hybrid logical clock). */
    this.latest = { wall: 0, logical: 0 };
    /** By marker id: { id, attributes: Map name → { value, stamp } }. */
    this.blocks = new Map();
    /** The attributes of the first block (the text before any marker). */
    this.firstBlock = new Map();
    /** Deleted blocks: { marker, until }; what lands between the two is hidden too. */
    this.deletedBlocks = [];
    /** By marker id: the block's place, { slot, stamp }, once moved. */
    this.slots = new Map();
    /** The `format_set`s: { start, end, key, value, stamp }. */
    this.marks = [];
    /** By comment id: { id, stamp, start, end, replyTo, text, textStamp, resolved,
     *  resolvedStamp, deleted }. */
    this.comments = new Map();
  }

  // MARK: Starting from a state

  /** Takes a document's state (`sync_state`, docs/protocol.md: the Swift engine's
   *  `ReplicaState` as JSON) as this replica's, which must be empty: what every op up to
   *  its version would have made, without replaying them. */
  load(state) {
    if (this.sequence.total > 0 || this.next.size > 0) throw new Error("a state loads into an empty replica only");
    const clients = state.clients;
    const id = (pair) => (pair === null ? null : { client: clients[pair[0]], seq: pair[1] });
    const anchor = (triple) => (triple === null ? null : { id: { client: clients[triple[0]], seq: triple[1] }, after: triple[2] === 1 });
    const stamp = (four) => (four === null ? null : { wall: four[0], logical: four[1], client: clients[four[2]], seq: four[3] });
    const text = codePoints(state.text);
    const runs = [];
    const numbers = state.runs;
    let shown = 0;
    for (let k = 0; k < numbers.length;) {
      const client = clients[numbers[k]];
      const seq = numbers[k + 1];
      const length = numbers[k + 2];
      const flags = numbers[k + 3];
      k += 4;
      let origin = null;
      if (flags & 16) {
        origin = { client: clients[numbers[k]], seq: numbers[k + 1] };
        k += 2;
      }
      let rightOrigin = null;
      if (flags & 32) {
        rightOrigin = { client: clients[numbers[k]], seq: numbers[k + 1] };
        k += 2;
      }
      const deleted = (flags & 1) !== 0;
      // Shown characters are in the text; deleted ones are never read again.
      const run = {
        client, seq, content: deleted ? [] : text, start: deleted ? 0 : shown, length, origin, inner: (flags & 8) !== 0, rightOrigin,
        deleted, kind: flags & 2 ? "marker" : flags & 4 ? "slot" : "text",
      };
      if (!deleted) shown += length;
      runs.push(run);
    }
    this.sequence.load(runs);
    state.next.forEach((seq, k) => this.next.set(clients[k], seq));
    this.latest = { wall: state.clock[0], logical: state.clock[1] };
    this.marks = state.marks.map(([start, end, key, value, made]) => ({ start: anchor(start), end: anchor(end), key, value, stamp: stamp(made) }));
    for (const [made, [wall, logical], start, end, replyTo, text, textStamp, resolved, resolvedStamp, deleted] of state.comments) {
      const comment = {
        id: id(made), stamp: { wall, logical, client: clients[made[0]], seq: made[1] }, start: anchor(start), end: anchor(end),
        replyTo: id(replyTo), text, textStamp: stamp(textStamp), resolved, resolvedStamp: stamp(resolvedStamp), deleted,
      };
      this.comments.set(keyOf(comment.id), comment);
    }
    const registers = (list) => new Map(list.map(([key, value, made]) => [key, { value, stamp: stamp(made) }]));
    for (const [marker, attributes] of state.blocks) this.blocks.set(keyOf(id(marker)), { id: id(marker), attributes: registers(attributes) });
    this.firstBlock = registers(state.firstBlock);
    this.deletedBlocks = state.deletedBlocks.map(([marker, until]) => ({ marker: id(marker), until: id(until) }));
    for (const [block, slot, made] of state.slots) this.slots.set(keyOf(id(block)), { slot: id(slot), stamp: stamp(made) });
  }

  // MARK: Applying ops

  isSeen(id) {
    return id === null || id.seq < (this.next.get(id.client) ?? 0);
  }

  /** Applies an op in collab's JSON form (docs/ops.md), or keeps it until what it depends
   *  on has come. Duplicates are ignored; an op the engine would refuse throws. */
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

  tryApply(incoming) {
    let op = incoming;
    const client = op.id.clientId;
    const next = this.next.get(client) ?? 0;
    let span = spanOf(op);
    if (op.id.seq + span <= next) return "duplicate";
    if (op.id.seq < next) {
      op = sliceOp(op, next - op.id.seq);
      span = spanOf(op);
    }
    if (op.id.seq !== next) return "pending";
    const id = { client, seq: op.id.seq };
    const payload = op.payload;
    const stamp = stampOf(op);
    switch (op.type) {
      case "text_insert": {
        if (payload.block !== null && payload.block !== undefined) throw new Error(`op ${keyOf(id)} names a block; a document has only its main text`);
        const after = fromWire(payload.after);
        const before = fromWire(payload.before);
        if (!this.isSeen(after) || !this.isSeen(before)) return "pending";
        this.sequence.integrate(id, codePoints(payload.text), after, before);
        this.hideIfInDeletedBlock(id, span);
        break;
      }
      case "text_delete": {
        for (const target of payload.targets) {
          const high = target.backward ? target.seq : target.seq + target.len - 1;
          if (!this.isSeen({ client: target.clientId, seq: high })) return "pending";
        }
        for (const target of payload.targets) {
          this.sequence.markDeleted(target.clientId, target.backward ? target.seq - target.len + 1 : target.seq, target.len);
        }
        break;
      }
      case "format_set": {
        const start = anchorFromWire(payload.start);
        const end = anchorFromWire(payload.end);
        if (!this.isSeen(start?.id ?? null) || !this.isSeen(end?.id ?? null)) return "pending";
        for (const anchor of [start, end]) this.character(anchor, id);
        this.marks.push({ start, end, key: payload.key, value: payload.value, stamp });
        break;
      }
      case "comment_add":
      case "comment_edit":
      case "comment_resolve":
      case "comment_delete": {
        const outcome = this.applyComment(op, id, stamp);
        if (outcome === "pending") return outcome;
        break;
      }
      case "block_insert": {
        const after = fromWire(payload.after);
        const before = fromWire(payload.before);
        if (!this.isSeen(after) || !this.isSeen(before)) return "pending";
        this.sequence.integrate(id, [10], after, before, "marker");
        const attributes = new Map();
        for (const [name, value] of Object.entries(payload.attributes)) attributes.set(name, { value, stamp });
        this.blocks.set(keyOf(id), { id, attributes });
        this.hideIfInDeletedBlock(id, 1);
        break;
      }
      case "block_move": {
        const block = fromWire(payload.block);
        const after = fromWire(payload.after);
        const before = fromWire(payload.before);
        if (!this.isSeen(block) || !this.isSeen(after) || !this.isSeen(before)) return "pending";
        this.existingBlock(block, id);
        this.sequence.integrate(id, [10], after, before, "slot");
        this.sequence.markDeleted(id.client, id.seq, 1);
        const place = this.slots.get(keyOf(block));
        if (!place || later(stamp, place.stamp)) this.slots.set(keyOf(block), { slot: id, stamp });
        break;
      }
      case "block_set": {
        const block = fromWire(payload.block);
        if (!this.isSeen(block)) return "pending";
        const registers = block === null ? this.firstBlock : this.existingBlock(block, id).attributes;
        const register = registers.get(payload.key);
        if (!register || later(stamp, register.stamp)) registers.set(payload.key, { value: payload.value, stamp });
        break;
      }
      case "block_delete": {
        const block = fromWire(payload.block);
        const until = fromWire(payload.until);
        if (!this.isSeen(block) || !this.isSeen(until)) return "pending";
        this.existingBlock(block, id);
        if (until !== null) this.existingBlock(until, id);
        const from = this.sequence.position(block);
        const to = until === null ? this.sequence.total : this.sequence.position(until);
        if (from >= to) throw new Error(`op ${keyOf(id)}: its end ${keyOf(until)} is not after the block`);
        this.deletedBlocks.push({ marker: block, until });
        this.sequence.hide(from, to);
        break;
      }
      default:
        throw new Error(`op ${keyOf(id)} has the unknown type ${op.type}`);
    }
    this.next.set(client, op.id.seq + span);
    this.observe(op.timestamp);
    return "applied";
  }

  /** A comment op whose references are all here, applied; "pending" when one is not. */
  applyComment(op, id, stamp) {
    const payload = op.payload;
    if (op.type === "comment_add") {
      const start = anchorFromWire(payload.start);
      const end = anchorFromWire(payload.end);
      const replyTo = fromWire(payload.replyTo);
      if (!this.isSeen(start?.id ?? null) || !this.isSeen(end?.id ?? null) || !this.isSeen(replyTo)) return "pending";
      if (replyTo !== null) {
        if (this.existingComment(replyTo, id).replyTo !== null) throw new Error(`op ${keyOf(id)}: replies answer the thread's first comment`);
      } else {
        this.character(start, id);
        this.character(end, id);
      }
      this.comments.set(keyOf(id), {
        id, stamp, start, end, replyTo, text: payload.text, textStamp: stamp, resolved: false, resolvedStamp: null, deleted: false,
      });
      return "applied";
    }
    const target = fromWire(payload.comment);
    if (!this.isSeen(target)) return "pending";
    const comment = this.existingComment(target, id);
    if (op.type === "comment_edit" && later(stamp, comment.textStamp)) {
      comment.text = payload.text;
      comment.textStamp = stamp;
    } else if (op.type === "comment_resolve" && later(stamp, comment.resolvedStamp)) {
      comment.resolved = payload.resolved;
      comment.resolvedStamp = stamp;
    } else if (op.type === "comment_delete") {
      comment.deleted = true;
    }
    return "applied";
  }

  /** The character an anchor names (nothing for null), or an error naming the op. */
  character(anchor, op) {
    if (anchor !== null && this.sequence.runOf(anchor.id) === null) throw new Error(`op ${keyOf(op)}: its anchor ${keyOf(anchor.id)} is not a character`);
  }

  existingBlock(id, op) {
    const block = this.blocks.get(keyOf(id));
    if (!block) throw new Error(`op ${keyOf(op)}: ${keyOf(id)} is not a block`);
    return block;
  }

  existingComment(id, op) {
    const comment = this.comments.get(keyOf(id));
    if (!comment) throw new Error(`op ${keyOf(op)}: ${keyOf(id)} is not a comment`);
    return comment;
  }

  /** Hides characters just integrated when they landed inside a deleted block's range:
   *  what is typed concurrently into a deleted block goes with it. */
  hideIfInDeletedBlock(id, count) {
    if (this.deletedBlocks.length === 0) return;
    const run = this.sequence.runOf(id);
    if (run.deleted) return;
    const position = this.sequence.position(id);
    for (const { marker, until } of this.deletedBlocks) {
      const from = this.sequence.position(marker);
      const to = until === null ? this.sequence.total : this.sequence.position(until);
      if (from <= position && position < to) {
        // The characters of one insert sit together: all inside or all outside.
        this.sequence.hide(position, position + count);
        return;
      }
    }
  }

  observe(timestamp) {
    if (timestamp.wall > this.latest.wall || (timestamp.wall === this.latest.wall && timestamp.logical > this.latest.logical)) {
      this.latest = { wall: timestamp.wall, logical: timestamp.logical };
    }
  }

  /** A timestamp for a local edit at wall-clock `now` (milliseconds): later than every op
   *  seen, except one stamped beyond the skew limit (HybridLogicalClock.tick). */
  tick(now) {
    if (now > this.latest.wall || this.latest.wall > now + skewLimit) this.latest = { wall: now, logical: 0 };
    else this.latest = { wall: this.latest.wall, logical: this.latest.logical + 1 };
    return { ...this.latest };
  }

  // MARK: The document shown

  /** The plain text, block markers as line feeds, blocks in display order. */
  get text() {
    if (this.slots.size === 0) return this.sequence.text;
    const points = codePoints(this.sequence.text);
    return this.displaySegments().map((segment) => String.fromCodePoint(...points.slice(segment.start, segment.start + segment.count))).join("");
  }

  /** How many characters are shown (markers count one each). */
  get length() {
    return this.sequence.length;
  }

  /** The markers of the blocks shown, in sequence order: { id, whole, visible }, their
   *  positions among all characters and among the shown ones. */
  liveMarkers() {
    const markers = [];
    let whole = 0;
    let visible = 0;
    this.sequence.forEachRun((run) => {
      if (run.kind === "marker" && !run.deleted) markers.push({ id: { client: run.client, seq: run.seq }, whole, visible });
      whole += run.length;
      if (!run.deleted) visible += run.length;
    });
    return markers;
  }

  /** The blocks shown, in display order: { marker (null for the first block), start,
   *  count }, the shown characters each covers in the sequence, marker included. Once a
   *  block was moved, blocks show in the order of their slots (Document+BlockMoves). */
  displaySegments() {
    const live = this.liveMarkers();
    const keyed = [{ key: -1, segment: { marker: null, start: 0, count: live.length > 0 ? live[0].visible : this.length } }];
    live.forEach((block, k) => {
      const end = k + 1 < live.length ? live[k + 1].visible : this.length;
      const place = this.slots.get(keyOf(block.id));
      keyed.push({ key: place ? this.sequence.position(place.slot) : block.whole, segment: { marker: block.id, start: block.visible, count: end - block.visible } });
    });
    if (this.slots.size > 0) keyed.sort((a, b) => a.key - b.key);
    return keyed.map((entry) => entry.segment);
  }

  /** The shown position in the sequence where an insert at display position `position`
   *  goes: inside the block shown there, or at the end of the block shown before a
   *  boundary. */
  sequencePosition(position, segments) {
    let displayStart = 0;
    for (let k = 0; k < segments.length; k++) {
      const displayEnd = displayStart + segments[k].count;
      if (position <= displayEnd && (k === 0 || position > displayStart)) return segments[k].start + position - displayStart;
      displayStart = displayEnd;
    }
    return this.length;
  }

  /** The stretches of the sequence ([from, to) shown positions) that display positions
   *  `[position, position + count)` cover, in display order. */
  sequenceRanges(position, count, segments) {
    const ranges = [];
    let displayStart = 0;
    for (const segment of segments) {
      const lower = Math.max(position, displayStart);
      const upper = Math.min(position + count, displayStart + segment.count);
      if (lower < upper) {
        const range = [segment.start + lower - displayStart, segment.start + upper - displayStart];
        const last = ranges[ranges.length - 1];
        if (last && last[1] === range[0]) last[1] = range[1];
        else ranges.push(range);
      }
      displayStart += segment.count;
    }
    return ranges;
  }

  /** The display position of the shown character at sequence position `position`. */
  displayPosition(position, segments) {
    let displayStart = 0;
    for (const segment of segments) {
      if (position >= segment.start && position < segment.start + segment.count) return displayStart + position - segment.start;
      displayStart += segment.count;
    }
    return this.length;
  }

  /** The document as blocks in display order: { id ("client:seq", null for the first),
   *  attributes, runs: [{ text, marks, comments }] }, runs of equal formatting, markers
   *  left out; an empty first block before another is left out (blockContents). */
  blockContents() {
    const blocks = [{ id: null, attributes: shown(this.firstBlock), runs: [] }];
    this.walk(
      (text, formatting) => appendRun(blocks[blocks.length - 1].runs, text, formatting),
      (marker) => blocks.push({ id: keyOf(marker), attributes: shown(this.blocks.get(keyOf(marker)).attributes), runs: [] }),
    );
    for (const block of blocks) for (const run of block.runs) delete run.signature;
    if (this.slots.size > 0) {
      const order = new Map();
      this.displaySegments().forEach((segment, k) => order.set(segment.marker === null ? null : keyOf(segment.marker), k));
      blocks.sort((a, b) => order.get(a.id) - order.get(b.id));
    }
    if (blocks.length > 1 && blocks[0].runs.length === 0) blocks.shift();
    return blocks;
  }

  /** The shown text in sequence order in runs of equal formatting, each marker a "\n"
   *  (formattedRuns). */
  formattedRuns() {
    const runs = [];
    let current = null;
    this.walk(
      (text, formatting) => {
        current = formatting;
        appendRun(runs, text, formatting);
      },
      () => appendRun(runs, "\n", current ?? { marks: {}, comments: [], signature: "" }),
    );
    for (const run of runs) delete run.signature;
    return runs;
  }

  /** Walks the characters in sequence order with the formatting sweep: `onText(text,
   *  formatting)` for shown text, `onMarker(id)` for a shown block marker. */
  walk(onText, onMarker) {
    const sweep = new FormattingSweep(this.marks, this.liveRootComments());
    let seen = -1;
    let formatting = null;
    const emit = (run, from, to) => {
      if (to <= from) return;
      if (seen !== sweep.changes) {
        seen = sweep.changes;
        formatting = sweep.formatting();
      }
      onText(textOf(run, from, to), formatting);
    };
    sweep.passStart();
    this.sequence.forEachRun((run) => {
      const anchored = sweep.anchoredIn(run.client, run.seq, run.seq + run.length);
      if (run.deleted) {
        for (const seq of anchored) {
          const ends = sweep.endsAt(run.client, seq);
          sweep.pass(ends, false);
          sweep.pass(ends, true);
        }
        return;
      }
      if (run.kind === "marker") {
        const ends = anchored.length > 0 ? sweep.endsAt(run.client, run.seq) : [];
        sweep.pass(ends, false);
        onMarker({ client: run.client, seq: run.seq });
        sweep.pass(ends, true);
        return;
      }
      let from = 0;
      for (const seq of anchored) {
        const k = seq - run.seq;
        emit(run, from, k);
        from = k;
        const ends = sweep.endsAt(run.client, seq);
        sweep.pass(ends, false);
        if (ends.some((end) => end.after)) {
          emit(run, from, k + 1);
          from = k + 1;
          sweep.pass(ends, true);
        }
      }
      emit(run, from, run.length);
    });
  }

  /** The live comments that start threads and have anchors, oldest first. */
  liveRootComments() {
    return [...this.comments.values()].filter((c) => !c.deleted && c.replyTo === null && c.start !== null && c.end !== null).sort(olderFirst);
  }

  /** The live comment threads, oldest first, replies in theirs: { id, author, timestamp,
   *  text, resolved, range: { index, length } (null for a reply), orphaned, replies }. */
  threads() {
    const ordered = [...this.comments.values()].sort((a, b) =>
      (a.replyTo === null) !== (b.replyTo === null) ? (a.replyTo === null ? -1 : 1) : olderFirst(a, b));
    const threads = [];
    const position = new Map();
    const segments = this.slots.size > 0 ? this.displaySegments() : null;
    for (const record of ordered) {
      if (record.deleted) continue;
      const thread = {
        id: keyOf(record.id), author: record.id.client, timestamp: { wall: record.stamp.wall, logical: record.stamp.logical },
        text: record.text, resolved: record.resolved, range: null, orphaned: false, replies: [],
      };
      if (record.replyTo !== null) {
        const k = position.get(keyOf(record.replyTo));
        if (k !== undefined) threads[k].replies.push(thread);
        continue;
      }
      thread.range = this.visibleRange(record.start, record.end, segments);
      thread.orphaned = thread.range.length === 0;
      position.set(thread.id, threads.length);
      threads.push(thread);
    }
    return threads;
  }

  /** The shown positions a span between two anchors covers now: { index, length }. */
  visibleRange(start, end, segments) {
    const edge = (anchor, none) => {
      if (anchor === null) return none;
      const position = this.sequence.shownBefore(anchor.id);
      return anchor.after && !this.sequence.runOf(anchor.id).deleted ? position + 1 : position;
    };
    const from = edge(start, 0);
    const to = edge(end, this.length);
    if (segments === null || to <= from) return { index: from, length: Math.max(0, to - from) };
    const index = this.displayPosition(from, segments);
    return { index, length: Math.max(index, this.displayPosition(to - 1, segments) + 1) - index };
  }

  /** The id of the character shown just before display position `position`, which a
   *  caret there stays after while others edit; null at the start. */
  caretId(position) {
    if (position <= 0) return null;
    if (this.slots.size === 0) return this.sequence.shownId(position - 1);
    const [[from]] = this.sequenceRanges(position - 1, 1, this.displaySegments());
    return this.sequence.shownId(from);
  }

  /** Where a caret after character `id` (`caretId`) is now: just after it, or where it
   *  was when it has been deleted; 0 for null or an id not known here. */
  caretPosition(id) {
    if (id === null || this.sequence.runOf(id) === null) return 0;
    const run = this.sequence.runOf(id);
    const before = this.sequence.shownBefore(id);
    if (this.slots.size === 0) return before + (run.deleted ? 0 : 1);
    const segments = this.displaySegments();
    return run.deleted ? (before === 0 ? 0 : this.displayPosition(before - 1, segments) + 1) : this.displayPosition(before, segments) + 1;
  }

  // MARK: Local edits, at display positions; each returns the ops it made, applied

  /** Makes an op of `client`'s next id, applies it and returns it. */
  local(client, timestamp, type, payload) {
    const op = { id: { clientId: client, seq: this.next.get(client) ?? 0 }, type, timestamp, payload };
    this.apply(op);
    return op;
  }

  checkRange(position, count) {
    if (count <= 0 || position < 0 || position + count > this.length) throw new Error(`no ${count} characters at ${position} (${this.length} shown)`);
  }

  /** The shown sequence position an insert at display position `position` goes to. */
  insertionPosition(position) {
    if (position < 0 || position > this.length) throw new Error(`position ${position} is outside the text (${this.length})`);
    return this.slots.size > 0 ? this.sequencePosition(position, this.displaySegments()) : position;
  }

  /** Typing: the characters go where the position is, without the integration's scan
   *  (nothing lies between their origins), as `apply` would put them. */
  insert(text, position, client, timestamp) {
    const at = this.insertionPosition(position);
    const point = this.sequence.insertionPoint(at);
    const seq = this.next.get(client) ?? 0;
    const chars = codePoints(text);
    if (chars.length === 0) throw new Error("an insert needs text");
    const id = { client, seq };
    this.sequence.insertLocal(id, chars, point, at);
    this.hideIfInDeletedBlock(id, chars.length);
    this.next.set(client, seq + chars.length);
    this.observe(timestamp);
    return [{ id: { clientId: client, seq }, type: "text_insert", timestamp, payload: { block: null, after: toWire(point.after), before: toWire(point.before), text } }];
  }

  /** Splits the block at `position`: the text after it is the new block's. */
  insertBlock(position, attributes, client, timestamp) {
    const { after, before } = this.sequence.insertionPoint(this.insertionPosition(position));
    return [this.local(client, timestamp, "block_insert", { after: toWire(after), before: toWire(before), attributes })];
  }

  delete(position, count, client, timestamp) {
    this.checkRange(position, count);
    if (this.slots.size > 0) return this.deleteInDisplayOrder(position, count, client, timestamp);
    return [this.deleteSequence(position, count, client, timestamp)];
  }

  /** Deletes `count` shown characters of the sequence from `position`: the runs are cut
   *  as they are walked, and the op says what was deleted. */
  deleteSequence(position, count, client, timestamp) {
    const seq = this.next.get(client) ?? 0;
    const targets = this.sequence.deleteShown(position, count);
    this.next.set(client, seq + count);
    this.observe(timestamp);
    return { id: { clientId: client, seq }, type: "text_delete", timestamp, payload: { targets } };
  }

  /** `delete` once blocks were moved, as the Swift engine's deleteInDisplayOrder: each
   *  stretch of the sequence deleted on its own; when Backspace at a block's start would
   *  join its text to a block that is not the one shown before it, the rest of its text
   *  is deleted and typed again, with its formatting, at the end of the one shown before. */
  deleteInDisplayOrder(position, count, client, timestamp) {
    const segments = this.displaySegments();
    const starts = [];
    segments.reduce((start, segment) => (starts.push(start), start + segment.count), 0);
    const end = position + count;
    const segmentAt = (at) => {
      for (let k = 0; k < segments.length; k++) if (at < starts[k] + segments[k].count) return k;
      return segments.length - 1;
    };
    let retyped = null;
    let deleteEnd = end;
    const last = segmentAt(end - 1);
    const lastEnd = starts[last] + segments[last].count;
    if (last > 0 && starts[last] >= position && lastEnd > end) {
      const shownBefore = position === 0 ? 0 : segmentAt(position - 1);
      const removed = new Set(segments.map((_, k) => k).filter((k) => k > 0 && starts[k] >= position && starts[k] < end));
      let before = 0;
      segments.forEach((segment, k) => {
        if (k !== last && !removed.has(k) && segment.start < segments[last].start && (before === 0 || segment.start > segments[before].start)) before = k;
      });
      if (before !== shownBefore) {
        const from = segments[last].start + end - starts[last];
        const to = segments[last].start + segments[last].count;
        retyped = this.sequenceSlice(from, to);
        deleteEnd = lastEnd;
      }
    }
    const made = [];
    const ranges = this.sequenceRanges(position, deleteEnd - position, segments).sort((a, b) => b[0] - a[0]);
    for (const [from, to] of ranges) made.push(this.deleteSequence(from, to - from, client, timestamp));
    if (retyped !== null) {
      made.push(...this.insert(retyped.map((piece) => piece.text).join(""), position, client, timestamp));
      let offset = position;
      for (const piece of retyped) {
        const length = codePoints(piece.text).length;
        for (const key of Object.keys(piece.marks).sort()) made.push(...this.format(offset, length, key, piece.marks[key], client, timestamp));
        offset += length;
      }
    }
    return made;
  }

  /** The shown characters at sequence positions [from, to), in pieces of equal marks. */
  sequenceSlice(from, to) {
    const pieces = [];
    let position = 0;
    for (const run of this.formattedRuns()) {
      const points = codePoints(run.text);
      const lower = Math.max(position, from);
      const upper = Math.min(position + points.length, to);
      if (lower < upper) pieces.push({ text: String.fromCodePoint(...points.slice(lower - position, upper - position)), marks: run.marks });
      position += points.length;
    }
    return pieces;
  }

  /** Sets `key` to `value` (null removes it) on `count` characters from `position`. The
   *  span starts before its first character; it ends before the next character when
   *  the attribute expands (bold: typing on at its end joins it), after its last
   *  character when it does not (link, href, comment). One op per stretch of the
   *  sequence the range covers. */
  format(position, count, key, value, client, timestamp) {
    this.checkRange(position, count);
    const ranges = this.slots.size > 0 ? this.sequenceRanges(position, count, this.displaySegments()) : [[position, position + count]];
    return ranges.map(([from, to]) => {
      const start = { ...toWire(this.sequence.shownId(from)), side: "before" };
      let end;
      if (expandsAtEnd(key)) {
        const next = this.sequence.shownId(to);
        end = next === null ? null : { ...toWire(next), side: "before" };
      } else {
        end = { ...toWire(this.sequence.shownId(to - 1)), side: "after" };
      }
      return this.local(client, timestamp, "format_set", { start, end, key, value });
    });
  }

  /** Comments `text` on `count` characters from `position` (one stretch of the sequence). */
  comment(position, count, text, client, timestamp) {
    this.checkRange(position, count);
    const ranges = this.slots.size > 0 ? this.sequenceRanges(position, count, this.displaySegments()) : [[position, position + count]];
    if (ranges.length !== 1) throw new Error(`characters ${position}..<${position + count} cross a moved block: comment on each part`);
    const [from, to] = ranges[0];
    const start = { ...toWire(this.sequence.shownId(from)), side: "before" };
    const end = { ...toWire(this.sequence.shownId(to - 1)), side: "after" };
    return [this.local(client, timestamp, "comment_add", { start, end, replyTo: null, text })];
  }

  /** A reply, an edit, a resolve (or reopen) or a delete of comment `id` ("client:seq"). */
  commentOp(type, id, value, client, timestamp) {
    const [, author, seq] = /^(.*):(\d+)$/.exec(id);
    const comment = { clientId: author, seq: Number(seq) };
    if (!this.comments.has(id)) throw new Error(`${id} is not a comment`);
    const payload = {
      comment_add: () => ({ start: null, end: null, replyTo: comment, text: value }),
      comment_edit: () => ({ comment, text: value }),
      comment_resolve: () => ({ comment, resolved: value }),
      comment_delete: () => ({ comment }),
    }[type]();
    return [this.local(client, timestamp, type, payload)];
  }

  /** Sets one attribute of a block ("client:seq", null for the first block). */
  setBlock(block, key, value, client, timestamp) {
    if (block !== null && !this.blocks.has(block)) throw new Error(`${block} is not a block`);
    return [this.local(client, timestamp, "block_set", { block: block === null ? null : toWire(this.blocks.get(block).id), key, value })];
  }
}

/** Made before: by timestamp, then client and seq (CommentRecord.isOlder). */
function olderFirst(a, b) {
  return later(a.stamp, b.stamp) ? 1 : later(b.stamp, a.stamp) ? -1 : 0;
}

/** Adds text to a list of runs: to the last one when its formatting is the same. */
function appendRun(runs, text, formatting) {
  const last = runs[runs.length - 1];
  if (last && last.signature === formatting.signature) last.text += text;
  else runs.push({ text, marks: formatting.marks, comments: formatting.comments, signature: formatting.signature });
}

/** Registers' values, null ones left out. */
function shown(registers) {
  const values = {};
  for (const [name, register] of registers) if (register.value !== null) values[name] = register.value;
  return values;
}

/** Whether text typed at a span's end joins it (FormatSet.expandsAtEnd). */
export function expandsAtEnd(key) {
  return key !== "link" && key !== "href" && key !== "comment";
}
