// What a document's page does first: open its WebSocket and join the document while the
// rest of the page's modules are still loading, keeping what arrives; connection.js takes
// the socket over, with those messages, once the editor is there. It reads the token and a
// link share's password where app.js does, and does nothing on other pages.

import { documentAt } from "./paths.js";

export const early = join();

function join() {
  const docId = documentAt(location);
  if (docId === null) return null;
  const token = new URLSearchParams(location.hash.slice(1)).get("token") ?? sessionStorage.getItem("collab.token");
  if (!token) return null;
  const state = {
    docId, token, password: sessionStorage.getItem("collab.sharePassword"),
    socket: new WebSocket(`${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`),
    messages: [], closed: false,
  };
  const socket = state.socket;
  socket.onopen = () => {
    performance.mark("collab:socket-open");
    const auth = { type: "auth", token };
    if (state.password) auth.password = state.password;
    socket.send(JSON.stringify(auth));
    // A fresh replica: the document's state rather than every op.
    socket.send(JSON.stringify({ type: "join", docId: state.docId, since: {}, state: true }));
  };
  socket.onmessage = (event) => state.messages.push(event.data);
  socket.onclose = () => {
    state.closed = true;
  };
  return state;
}
