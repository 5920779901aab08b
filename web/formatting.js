// The formatting along a document, decided as a walk over its characters meets the ones
// that anchor marks and comments: the Swift engine's FormattingSweep (docs/rich-text.md).
//
// Each `format_set` and live comment covers the characters from its start anchor to its
// end anchor, each before or after its character, anchors on deleted characters included.
// At a character the walk passes the ends that take effect before it, then the character,
// then the ends after it; at one place what closes goes before what opens, and a range
// that closes before it opens (empty, or anchored the wrong way round) never opens. Per
// attribute the latest covering `format_set` wins, by (timestamp, client id, seq); a null
// winner shows as no attribute. Comments show oldest first.

import { later } from "./stamps.js";

export class FormattingSweep {
  /** `marks`: { start, end, key, value, stamp }, anchors { id, after } or null; `comments`:
   *  the live root comments with anchors, oldest first, as { id, start, end }. */
  constructor(marks, comments) {
    this.marks = marks;
    this.comments = comments;
    /** Per client, the seqs of its anchored characters, ascending, and their ends. */
    this.anchors = new Map();
    this.startEnds = [];
    const add = (anchor, owner, closes) => {
      if (anchor === null) {
        // The document's start opens; its end closes nothing (spans run to it).
        if (!closes) this.startEnds.push({ owner, closes, after: false });
        return;
      }
      let own = this.anchors.get(anchor.id.client);
      if (!own) this.anchors.set(anchor.id.client, (own = new Map()));
      let ends = own.get(anchor.id.seq);
      if (!ends) own.set(anchor.id.seq, (ends = []));
      ends.push({ owner, closes, after: anchor.after });
    };
    marks.forEach((mark, k) => {
      add(mark.start, k, false);
      add(mark.end, k, true);
    });
    comments.forEach((comment, k) => {
      add(comment.start, marks.length + k, false);
      add(comment.end, marks.length + k, true);
    });
    this.sorted = new Map();
    for (const [client, own] of this.anchors) this.sorted.set(client, [...own.keys()].sort((a, b) => a - b));
    /** Per owner: 0 before its start, 1 open, 2 closed. */
    this.phase = new Uint8Array(marks.length + comments.length);
    /** Per attribute: the open marks. */
    this.covering = new Map();
    this.coveringComments = [];
    /** Bumped whenever what covers changes: the formatting is worked out again then. */
    this.changes = 0;
  }

  /** Opens what starts at the document's very start. */
  passStart() {
    for (const end of this.startEnds) this.take(end);
  }

  /** The anchored seqs of `client` from `seq` on, below `end`: where the walk must stop
   *  in a run of that client. */
  anchoredIn(client, seq, end) {
    const seqs = this.sorted.get(client);
    if (!seqs) return [];
    let low = 0;
    let high = seqs.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (seqs[middle] < seq) low = middle + 1;
      else high = middle;
    }
    const found = [];
    for (let k = low; k < seqs.length && seqs[k] < end; k++) found.push(seqs[k]);
    return found;
  }

  /** The ends at one anchored character. */
  endsAt(client, seq) {
    return this.anchors.get(client).get(seq);
  }

  /** Passes the ends that take effect before their character (`after` false) or after
   *  it: closings first. */
  pass(ends, after) {
    for (const end of ends) if (end.after === after && end.closes) this.take(end);
    for (const end of ends) if (end.after === after && !end.closes) this.take(end);
  }

  take(end) {
    const owner = end.owner;
    const isMark = owner < this.marks.length;
    if (end.closes) {
      const was = this.phase[owner];
      this.phase[owner] = 2;
      if (was !== 1) return;
      if (isMark) {
        const open = this.covering.get(this.marks[owner].key);
        open.splice(open.indexOf(owner), 1);
      } else {
        this.coveringComments.splice(this.coveringComments.indexOf(owner - this.marks.length), 1);
      }
      this.changes++;
    } else {
      if (this.phase[owner] !== 0) return;
      this.phase[owner] = 1;
      if (isMark) {
        const key = this.marks[owner].key;
        let open = this.covering.get(key);
        if (!open) this.covering.set(key, (open = []));
        open.push(owner);
      } else {
        const comment = owner - this.marks.length;
        let k = 0;
        while (k < this.coveringComments.length && this.coveringComments[k] < comment) k++;
        this.coveringComments.splice(k, 0, comment);
      }
      this.changes++;
    }
  }

  /** The formatting where the walk is: { marks, comments, signature }, `marks` an object
   *  of attribute values (null winners left out), `comments` ids "client:seq" oldest
   *  first; the signature tells two formattings apart. */
  formatting() {
    const marks = {};
    for (const [key, open] of this.covering) {
      let best = null;
      for (const k of open) if (best === null || later(this.marks[k].stamp, this.marks[best].stamp)) best = k;
      if (best !== null && this.marks[best].value !== null) marks[key] = this.marks[best].value;
    }
    const comments = this.coveringComments.map((k) => `${this.comments[k].id.client}:${this.comments[k].id.seq}`);
    const keys = Object.keys(marks).sort();
    const signature = JSON.stringify([keys.map((key) => [key, marks[key]]), comments]);
    return { marks, comments, signature };
  }
}
