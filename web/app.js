// The pages of `collab serve` (docs/web.md): sign in with a token, list the documents
// the token may read, show one. Plain ES module, no dependencies. Every string from the
// server or the user goes into the page as text, never as markup; the one exception is a
// document's HTML, which the server renders and escapes (RichTextRendering.html).

import { element } from "./dom.js";
import { Editor } from "./editor.js";
import { documentAt, documentPath } from "./paths.js";
import { ShareDialog } from "./share.js";

const tokenKey = "collab.token";
/** A link share's password, asked for when the server says the share needs one. */
const passwordKey = "collab.sharePassword";
const main = document.getElementById("main");

/// The token: from the URL fragment (then taken out of the address bar and history),
/// else from this tab's sessionStorage. Never put in a query string.
function token() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const given = fragment.get("token");
  if (given) {
    if (given !== sessionStorage.getItem(tokenKey)) sessionStorage.removeItem(passwordKey);
    sessionStorage.setItem(tokenKey, given);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(tokenKey);
}

function show(...nodes) {
  main.replaceChildren(...nodes);
}

/// A request of the API with the token (a GET unless `init` says otherwise); the JSON
/// answer, or an Error carrying the server's message. 401 forgets the token, which no
/// longer works.
async function api(path, init = {}) {
  const headers = { Authorization: `Bearer ${token()}` };
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  // A header, so that the password stays out of URLs and their logs.
  const password = sessionStorage.getItem(passwordKey);
  if (password) headers["X-Share-Password"] = password;
  const response = await fetch(path, { ...init, headers });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) sessionStorage.removeItem(tokenKey);
  if (!response.ok) {
    const error = new Error(body.error?.message ?? `${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

function signIn(message) {
  const field = element("textarea", { name: "token", required: "", autocomplete: "off", spellcheck: "false" });
  const form = element("form", { class: "sign-in" },
    element("label", { for: "token" }, "Paste your token (from ", element("code", {}, "collab token issue"), ")"),
    field,
    element("button", { class: "primary", type: "submit" }, "Sign in"));
  field.id = "token";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(tokenKey, field.value.trim());
    route();
  });
  show(...(message ? [element("p", { class: "error" }, message)] : []), form);
}

async function listDocuments() {
  const { user, documents, folders } = await api("/api/v2/documents");
  document.getElementById("who").textContent = user;
  const parts = [element("h1", {}, "Documents")];
  if (documents.length === 0) parts.push(element("p", { class: "notice" }, "No documents you may read yet."));
  else {
    const list = element("ul", { class: "documents" });
    for (const entry of documents) {
      list.append(element("li", {},
        element("a", { href: "/d/" + documentPath(entry.id) }, entry.id),
        element("span", { class: "level" }, entry.level)));
    }
    parts.push(list);
  }
  if (folders.length > 0) parts.push(newDocumentForm(folders));
  show(...parts);
}

/// A new document in a folder the user may write in: it opens empty, and its first edit
/// makes it.
function newDocumentForm(folders) {
  const folder = element("select", { name: "folder", "aria-label": "Folder" });
  for (const name of folders) folder.append(element("option", { value: name }, name));
  const name = element("input", { name: "name", placeholder: "Name", required: "", autocomplete: "off" });
  const form = element("form", { class: "new-document" }, element("label", {}, "New document in "), folder, name,
    element("button", { class: "primary", type: "submit" }, "Create"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    history.pushState(null, "", "/d/" + documentPath(folder.value + name.value.trim()));
    route();
  });
  return form;
}

/// A link share's password, asked for once per tab.
function askPassword(message) {
  const field = element("input", { type: "password", name: "password", required: "", autocomplete: "current-password" });
  field.id = "password";
  const form = element("form", { class: "sign-in" },
    element("label", { for: "password" }, "This link needs its password"),
    field,
    element("button", { class: "primary", type: "submit" }, "Open"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(passwordKey, field.value);
    route();
  });
  show(...(message ? [element("p", { class: "error" }, message)] : []), form);
}

/// A document in the editor: editable for editors and owners, commentable for
/// commenters, read-only for viewers. Should the page's replica refuse an op (a server
/// newer than this page), the server's rendering is shown instead, read-only.
async function showDocument(id) {
  // The document's access and its ops are asked for at once.
  const access = api(`/api/v2/documents/${documentPath(id)}?html=false`);
  const root = element("div", { class: "workspace" });
  const state = element("span", { class: "state", id: "state" }, "connecting");
  const people = element("ul", { class: "people", id: "people", "aria-label": "Who is here" });
  const problem = element("p", { class: "error", hidden: "" });
  new Editor(root, {
    docId: id, token: token(), password: sessionStorage.getItem(passwordKey), access, api,
    handlers: {
      onState: (now) => { state.textContent = now; state.dataset.state = now; },
      onError: (message) => { problem.hidden = false; problem.textContent = message; },
      onPeople: (list) => people.replaceChildren(...list.map((person) => {
        const chip = element("li", {}, person.name);
        chip.style.borderColor = person.color;
        return chip;
      })),
      onFatal: async (message) => {
        // Rendered and escaped by the server; links limited to safe schemes there.
        const { html } = await api(`/api/v2/documents/${documentPath(id)}`);
        const article = element("article", { class: "document" });
        article.innerHTML = html;
        show(element("h1", {}, id), element("p", { class: "error" }, `This page cannot follow the document: ${message}. It is shown read-only as the server renders it.`), article);
      },
    },
  });
  let answer;
  try {
    answer = await access;
  } catch (error) {
    if (error.status === 403 && error.message.includes("needs its password")) {
      const tried = sessionStorage.getItem(passwordKey) !== null;
      sessionStorage.removeItem(passwordKey);
      return askPassword(tried ? "That password does not open this link." : null);
    }
    throw error;
  }
  const { user, level } = answer;
  document.getElementById("who").textContent = `${user} · ${level}`;
  const title = element("div", { class: "title" }, element("h1", {}, id, " ", state), people);
  if (level === "owner") {
    const share = element("button", { type: "button", id: "share" }, "Share");
    const dialog = new ShareDialog({ docId: id, api });
    share.addEventListener("click", () => dialog.open());
    title.append(share);
  }
  show(title, problem, root);
}

async function route() {
  const signedIn = Boolean(token());
  document.getElementById("sign-out").hidden = !signedIn;
  if (!signedIn) return signIn();
  try {
    const docId = documentAt(location);
    if (docId !== null) await showDocument(docId);
    else await listDocuments();
  } catch (error) {
    if (!token()) return signIn(error.message);
    show(element("p", { class: "error" }, error.message));
  }
}

document.getElementById("sign-out").addEventListener("click", () => {
  sessionStorage.removeItem(tokenKey);
  sessionStorage.removeItem(passwordKey);
  document.getElementById("who").textContent = "";
  history.pushState(null, "", "/");
  route();
});

// A link with `#token=` opened on this page, and back and forward, route again.
window.addEventListener("hashchange", route);
window.addEventListener("popstate", route);

route();
