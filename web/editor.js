// The editor of /d/DOC (docs/web.md): a contenteditable element over a replica of the
// document's text (engine.js), kept in step with the server over the WebSocket of
// docs/protocol.md: `join` and `sync_response` to catch up, `ops` both ways, `ack` for
// what is durable. Typing goes into the replica at once and is sent when connected;
// offline, it waits and is sent after the next catch-up. Plain text so far.

import { TextDocument } from "/assets/engine.js";

export class Editor {
  /** `onState` hears "connecting", "syncing", "connected" and "offline". */
  /** `onUnsupported` hears that the document holds ops this editor cannot show yet. */
  constructor(element, { docId, token, user, editable, onState, onError, onUnsupported }) {
    this.element = element;
    this.docId = docId;
    this.token = token;
    this.editable = editable;
    this.onState = onState;
    this.onError = onError;
    this.onUnsupported = onUnsupported;
    this.document = new TextDocument();
    // One client id per tab and document, kept across reloads (its ops come back in the
    // catch-up, so its next seq is known again).
    const key = `collab.client.${docId}`;
    this.client = sessionStorage.getItem(key) ?? `${user}/web-${crypto.getRandomValues(new Uint32Array(1))[0].toString(16)}`;
    sessionStorage.setItem(key, this.client);
    /** Ops made here and not yet acknowledged, in order. */
    this.unacknowledged = [];
    /** Caught up once: typing is allowed from then on, connected or not. */
    this.synced = false;
    /** Joined and caught up on the current connection: ops may be sent. */
    this.live = false;
    this.retry = 250;
    element.contentEditable = "false";
    element.addEventListener("beforeinput", (event) => this.input(event));
    this.connect();
  }

  connect() {
    this.onState("connecting");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/ws`);
    this.socket = socket;
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "auth", token: this.token }));
      const since = Object.fromEntries(this.document.next);
      socket.send(JSON.stringify({ type: "join", docId: this.docId, since }));
      this.onState("syncing");
    });
    socket.addEventListener("message", (event) => {
      try {
        this.receive(JSON.parse(event.data));
      } catch (error) {
        // Rich text the port does not hold yet: stop, and let the page show it otherwise.
        this.stopped = true;
        socket.close();
        this.onUnsupported(error.message);
      }
    });
    socket.addEventListener("close", () => {
      this.socket = null;
      this.live = false;
      if (this.stopped) return;
      this.onState("offline");
      setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(this.retry * 2, 4000);
    });
  }

  receive(message) {
    if (message.docId !== undefined && message.docId !== this.docId) return;
    switch (message.type) {
      case "sync_response":
      case "ops":
        this.applyRemote(message.ops);
        if (message.type === "sync_response" && message.last) {
          this.synced = true;
          this.live = true;
          this.retry = 250;
          this.element.contentEditable = this.editable ? "plaintext-only" : "false";
          // What was typed offline (or sent and not acknowledged) goes now.
          if (this.unacknowledged.length > 0) this.send(this.unacknowledged);
          this.onState("connected");
        }
        break;
      case "ack": {
        const done = new Set(message.opIds);
        this.unacknowledged = this.unacknowledged.filter((op) => !done.has(`${op.id.clientId}:${op.id.seq}`));
        break;
      }
      case "error":
        this.onError(message.message);
        break;
    }
  }

  send(ops) {
    if (this.live && this.socket?.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ type: "ops", docId: this.docId, ops }));
    }
  }

  /** Others' ops into the replica; the caret stays after the character it was after. */
  applyRemote(ops) {
    if (ops.length === 0) return;
    const [start, end] = this.selection();
    const anchor = start > 0 ? this.document.shownId(start - 1) : null;
    const width = end - start;
    for (const op of ops) this.document.apply(op);
    this.render();
    if (document.activeElement === this.element) {
      const at = anchor === null ? 0 : this.document.shownBefore(anchor) + 1;
      this.select(at, Math.min(at + width, this.document.length));
    }
  }

  /** An edit typed here: made into ops on the replica, shown, sent. */
  input(event) {
    event.preventDefault();
    if (!this.editable || !this.synced) return;
    let [start, end] = this.selection();
    let text = "";
    switch (event.inputType) {
      case "insertText":
      case "insertReplacementText":
        text = event.data ?? event.dataTransfer?.getData("text/plain") ?? "";
        break;
      case "insertParagraph":
      case "insertLineBreak":
        text = "\n";
        break;
      case "insertFromPaste":
      case "insertFromDrop":
        text = event.dataTransfer?.getData("text/plain") ?? "";
        break;
      case "deleteContentBackward":
        if (start === end && start > 0) start -= 1;
        break;
      case "deleteContentForward":
        if (start === end && end < this.document.length) end += 1;
        break;
      case "deleteByCut":
      case "deleteByDrag":
        break;
      default:
        return;
    }
    const timestamp = { wall: Date.now(), logical: 0 };
    const made = [];
    if (end > start) made.push(this.document.delete(start, end - start, this.client, timestamp));
    if (text.length > 0) made.push(this.document.insert(text, start, this.client, timestamp));
    if (made.length === 0) return;
    this.unacknowledged.push(...made);
    this.render();
    const caret = start + [...text].length;
    this.select(caret, caret);
    this.send(made);
  }

  render() {
    this.element.textContent = this.document.text;
  }

  /** The selection as code-point offsets into the text (0, 0 when it is elsewhere). */
  selection() {
    const selection = getSelection();
    if (!selection || selection.rangeCount === 0 || !this.element.contains(selection.anchorNode)) return [0, 0];
    const range = selection.getRangeAt(0);
    const offset = (node, at) => {
      const before = document.createRange();
      before.selectNodeContents(this.element);
      before.setEnd(node, at);
      return [...before.toString()].length;
    };
    return [offset(range.startContainer, range.startOffset), offset(range.endContainer, range.endOffset)];
  }

  select(start, end) {
    const node = this.element.firstChild ?? this.element;
    const text = node.textContent ?? "";
    // Code points to UTF-16 units, which the DOM counts.
    const units = (points) => [...text].slice(0, points).join("").length;
    const range = document.createRange();
    range.setStart(node, node === this.element ? 0 : units(start));
    range.setEnd(node, node === this.element ? 0 : units(end));
    const selection = getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
}
