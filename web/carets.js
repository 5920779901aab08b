// Who else has the document open, and where their carets and selections are: from the
// server's `presence` messages (docs/protocol.md), drawn over the text in their colours
// with their names.

const palette = ["#e91e63", "#00897b", "#3949ab", "#f4511e", "#8e24aa", "#43a047", "#1e88e5", "#c0ca33"];

/** A colour for a name, the same on every page. */
export function colorOf(name) {
  let hash = 0;
  for (const character of name) hash = (hash * 31 + character.codePointAt(0)) >>> 0;
  return palette[hash % palette.length];
}

const fromWire = (id) => (id === null || id === undefined ? null : { client: id.clientId, seq: id.seq });

export class RemoteCarets {
  /** Draws into `layer`, which lies over `surface` (the text). */
  constructor(layer, surface) {
    this.layer = layer;
    this.surface = surface;
    /** By session: { user, name, color, cursor: { anchor, head } | null }. */
    this.sessions = new Map();
    this.lastDrawn = null;
  }

  /** A `presence` message: joined, update or left. */
  update(message) {
    if (message.state === "left") {
      this.sessions.delete(message.session);
    } else {
      const known = this.sessions.get(message.session) ?? { user: message.user, name: null, color: null, cursor: null };
      if (message.name) known.name = message.name;
      if (message.color && /^#[0-9a-fA-F]{6}$/.test(message.color)) known.color = message.color;
      if (message.cursor) known.cursor = { anchor: fromWire(message.cursor.anchor), head: fromWire(message.cursor.head) };
      this.sessions.set(message.session, known);
    }
    if (this.lastDrawn) this.render(...this.lastDrawn);
  }

  /** Draws again soon: many updates in a burst are drawn once (measuring carets makes the
   *  browser lay the page out). */
  render(view, replica) {
    this.lastDrawn = [view, replica];
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      this.draw(...this.lastDrawn);
    }, 30);
  }

  /** The others here: { name, color }, one per session. */
  people() {
    return [...this.sessions.values()].map((session) => ({ name: this.label(session), color: this.colorOf(session) }));
  }

  label(session) {
    // A link share's holders are all "anyone": the name they give says who.
    return session.name && session.name !== session.user ? `${session.name} (${session.user})` : session.user;
  }

  colorOf(session) {
    return session.color ?? colorOf(session.user);
  }

  /** Draws every caret and selection where it is in `view` now. Measuring positions
   *  makes the browser lay the page out: with nobody else here, nothing is measured. */
  draw(view, replica) {
    if (![...this.sessions.values()].some((session) => session.cursor)) {
      if (this.layer.firstChild) this.layer.replaceChildren();
      return;
    }
    const origin = this.layer.getBoundingClientRect();
    const drawn = [];
    for (const session of this.sessions.values()) {
      if (!session.cursor || view.entries.length === 0) continue;
      const color = this.colorOf(session);
      const anchor = replica.caretPosition(session.cursor.anchor);
      const head = replica.caretPosition(session.cursor.head);
      const range = document.createRange();
      const [startNode, startOffset] = view.pointAt(Math.min(anchor, head));
      const [endNode, endOffset] = view.pointAt(Math.max(anchor, head));
      range.setStart(startNode, startOffset);
      range.setEnd(endNode, endOffset);
      if (anchor !== head) {
        for (const rect of range.getClientRects()) {
          const box = document.createElement("div");
          box.className = "remote-selection";
          place(box, rect, origin);
          box.style.backgroundColor = color;
          drawn.push(box);
        }
      }
      const caret = document.createRange();
      const [node, offset] = view.pointAt(head);
      caret.setStart(node, offset);
      caret.collapse(true);
      // An empty block has no text to measure: its element's box stands in.
      let rect = caret.getClientRects()[0] ?? caret.getBoundingClientRect();
      if (rect.height === 0) rect = (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement).getBoundingClientRect();
      const mark = document.createElement("div");
      mark.className = "remote-caret";
      mark.dataset.user = session.user;
      place(mark, { left: rect.left, top: rect.top, width: 0, height: rect.height }, origin);
      mark.style.borderColor = color;
      const name = document.createElement("span");
      name.className = "remote-name";
      name.textContent = this.label(session);
      name.style.backgroundColor = color;
      mark.append(name);
      drawn.push(mark);
    }
    this.layer.replaceChildren(...drawn);
  }
}

/** Puts an element of the layer over a rectangle of the viewport. */
function place(element, rect, origin) {
  element.style.left = `${rect.left - origin.left}px`;
  element.style.top = `${rect.top - origin.top}px`;
  element.style.width = `${rect.width}px`;
  element.style.height = `${rect.height}px`;
}
