// A page's session with `collab serve` for one document, over the WebSocket of
// docs/protocol.md: `auth` first (never the token in the URL), `join` with the version
// the replica holds, `sync_response` to catch up, `ops` both ways, `ack` for what is
// durable, `presence` both ways; a fresh replica asks for the document's state
// (`sync_state`) rather than every op. What was sent and not acknowledged is sent again after
// each catch-up, so edits made offline reach the server once it is back. The first
// connection takes over the one boot.js opened while the page was loading.

import { early } from "./boot.js";

export class DocumentConnection {
  /** `replica` gives `next` (the version held); `handlers`: onOps(ops), onCaughtUp(),
   *  onPresence(message), onState(state), onError(message), onFatal(message). */
  constructor({ docId, token, password, replica, handlers }) {
    this.docId = docId;
    this.token = token;
    this.password = password;
    this.replica = replica;
    this.handlers = handlers;
    /** Ops made here and not yet acknowledged, in order. */
    this.unacknowledged = [];
    /** Joined and caught up on the current connection: ops may be sent. */
    this.live = false;
    this.retry = 250;
    this.presence = null;
    this.connect(this.adoptable());
  }

  /** The socket boot.js opened, if it joined this document with this token as this
   *  (fresh) replica would, and is still open; else it is closed and nil. */
  adoptable() {
    if (!early || early.socket === null) return null;
    const socket = early.socket;
    early.socket = null;
    const same = early.docId === this.docId && early.token === this.token && (early.password ?? null) === (this.password ?? null)
      && this.replica.next.size === 0 && !early.closed;
    // Its own handler still sends auth and join if it has not opened yet.
    socket.onmessage = null;
    socket.onclose = null;
    if (same) return { socket, messages: early.messages };
    socket.onopen = null;
    socket.close();
    return null;
  }

  /** Opens the socket, authenticates and joins; or goes on with `adopted`, whose auth and
   *  join are sent already, from the messages it has received. */
  connect(adopted = null) {
    this.handlers.onState("connecting");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = adopted?.socket ?? new WebSocket(`${scheme}//${location.host}/ws`);
    this.socket = socket;
    const joined = () => {
      this.joining = true;
      this.handlers.onState("syncing");
    };
    if (adopted && socket.readyState === WebSocket.OPEN) {
      joined();
    } else if (adopted) {
      // boot.js's own handler sends auth and join when it opens.
      socket.addEventListener("open", joined);
    } else {
      socket.addEventListener("open", () => {
        performance.mark("collab:socket-open");
        const auth = { type: "auth", token: this.token };
        if (this.password) auth.password = this.password;
        socket.send(JSON.stringify(auth));
        // A fresh replica asks for the document's state rather than every op.
        const fresh = this.replica.next.size === 0;
        socket.send(JSON.stringify({ type: "join", docId: this.docId, since: Object.fromEntries(this.replica.next), ...(fresh ? { state: true } : {}) }));
        joined();
      });
    }
    socket.addEventListener("message", (event) => this.handle(event.data, socket));
    socket.addEventListener("close", () => {
      this.socket = null;
      this.live = false;
      if (this.stopped) return this.handlers.onState("closed");
      this.handlers.onState("offline");
      setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(this.retry * 2, 4000);
    });
    // What arrived before this took the socket over, in order.
    for (const text of adopted?.messages ?? []) {
      if (this.stopped) break;
      this.handle(text, socket);
    }
  }

  handle(text, socket) {
    try {
      this.receive(JSON.parse(text));
    } catch (error) {
      // An op this replica refuses: stop rather than show a document that differs.
      this.stopped = true;
      socket.close();
      this.handlers.onFatal(error.message);
    }
  }

  receive(message) {
    if (message.docId !== undefined && message.docId !== this.docId) return;
    if ((message.type === "sync_response" && message.last) || message.type === "error") {
      this.joining = false;
      if (this.closeWhenAnswered) return this.socket.close();
    }
    switch (message.type) {
      case "sync_state":
        performance.mark("collab:state");
        this.replica.load(message.state);
        break;
      case "sync_response":
      case "ops":
        this.handlers.onOps(message.ops);
        if (message.type === "sync_response" && message.last) {
          this.live = true;
          this.retry = 250;
          // What was made offline (or sent and not acknowledged) goes now.
          if (this.unacknowledged.length > 0) this.sendOps(this.unacknowledged);
          if (this.presence) this.sendPresence(this.presence);
          this.handlers.onCaughtUp();
          this.handlers.onState("connected");
        }
        break;
      case "ack": {
        const done = new Set(message.opIds);
        this.unacknowledged = this.unacknowledged.filter((op) => !done.has(`${op.id.clientId}:${op.id.seq}`));
        break;
      }
      case "presence":
        this.handlers.onPresence(message);
        break;
      case "error":
        if (message.code === "behind_cutoff") {
          // A compacted history starts from a snapshot this page cannot read yet.
          this.stopped = true;
          this.socket?.close();
          return this.handlers.onFatal(`its history was compacted (${message.message})`);
        }
        if (message.code === "unauthenticated" || message.code === "token_expired" || message.code === "revoked") this.stopped = true;
        this.handlers.onError(message.message);
        break;
    }
  }

  /** Leaves for good (the page may not have the document). A join under way is
   *  answered first: closing under the server's answer would have it sent after the close. */
  close() {
    this.stopped = true;
    if (this.joining && this.socket?.readyState === WebSocket.OPEN) this.closeWhenAnswered = true;
    else this.socket?.close();
  }

  /** Sends ops made here (now, or after the next catch-up when not connected). */
  send(ops) {
    if (ops.length === 0) return;
    this.unacknowledged.push(...ops);
    this.sendOps(ops);
  }

  sendOps(ops) {
    if (this.live && this.socket?.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ type: "ops", docId: this.docId, ops }));
    }
  }

  /** Tells the others where this page's caret is: { cursor, name, color }. The latest is
   *  sent again after a reconnect. */
  sendPresence(presence) {
    this.presence = presence;
    if (this.live && this.socket?.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ type: "presence", docId: this.docId, ...presence }));
    }
  }
}
