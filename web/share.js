// The share dialog for owners (docs/web.md): who has access and from which grant, with
// levels to change and grants to remove; people added with a level and an expiry; link
// shares made (level, expiry, password) and revoked; the audit trail. Through the access
// API of docs/protocol.md, under the same rules as `collab grant`, `revoke` and `share`.

import { button, input, select, submit } from "./dom.js";
import { documentPath } from "./paths.js";
import { shownTime } from "./time.js";

const levels = ["viewer", "commenter", "editor", "owner"];

export class ShareDialog {
  /** `api(path, init)` answers the API's JSON or throws its message. */
  constructor({ docId, api }) {
    this.docId = docId;
    this.api = api;
    this.path = documentPath(docId);
    this.dialog = document.createElement("dialog");
    this.dialog.className = "share";
    document.body.append(this.dialog);
  }

  async open() {
    await this.refresh();
    if (!this.dialog.open) this.dialog.showModal();
  }

  /** Reads the access again and shows it; a problem shows at the top. */
  async refresh(problem = null, link = null) {
    let access;
    try {
      access = await this.api(`/api/v2/access/${this.path}`);
    } catch (error) {
      access = null;
      problem = error.message;
    }
    const parts = [heading("h2", `Share ${this.docId}`)];
    if (problem) parts.push(paragraph(problem, "error"));
    if (access) {
      parts.push(heading("h3", "People"), this.people(access), this.addForm());
      parts.push(heading("h3", "Links"), this.shares(access), this.shareForm());
      if (link) parts.push(this.madeLink(link));
      parts.push(heading("h3", "Audit trail"), audit(access.audit));
    }
    const close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.textContent = "Close";
    close.addEventListener("click", () => this.dialog.close());
    parts.push(close);
    this.dialog.replaceChildren(...parts);
  }

  /** Runs an access change, then shows the access again (with the problem, if any). */
  async change(request, link = null) {
    try {
      const answer = await request();
      await this.refresh(null, link ? link(answer) : null);
    } catch (error) {
      await this.refresh(error.message);
    }
  }

  people(access) {
    const table = document.createElement("table");
    table.className = "people";
    for (const grant of access.access) {
      const row = table.insertRow();
      row.dataset.subject = grant.subject;
      row.insertCell().textContent = grant.subject;
      const level = row.insertCell();
      const own = grant.from === this.docId;
      if (own) {
        const choice = select("level", levels, grant.level);
        choice.addEventListener("change", () => this.change(() => this.grant(grant.subject, choice.value, "")));
        level.append(choice);
      } else {
        level.textContent = `${grant.level} (from ${grant.from})`;
      }
      row.insertCell().textContent = grant.expiresAt ? `until ${shownTime(grant.expiresAt)}` : "";
      const actions = row.insertCell();
      if (own) {
        actions.append(button("Remove", () =>
          this.change(() => this.api(`/api/v2/grants/${this.path}?user=${encodeURIComponent(grant.subject)}`, { method: "DELETE" }))));
      }
    }
    return table;
  }

  grant(user, level, expires) {
    return this.api(`/api/v2/grants/${this.path}`, { method: "POST", body: JSON.stringify({ user, level, expires }) });
  }

  addForm() {
    const form = document.createElement("form");
    form.className = "add";
    const user = input("user", "User id");
    user.required = true;
    const level = select("level", levels, "editor");
    const expires = input("expires", "Expires (7d, 2w; optional)");
    form.append(user, level, expires, submit("Grant"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.change(() => this.grant(user.value.trim(), level.value, expires.value.trim()));
    });
    return form;
  }

  shares(access) {
    const list = document.createElement("ul");
    list.className = "links";
    if (access.shares.length === 0) list.append(item("No link shares."));
    for (const share of access.shares) {
      const entry = item(`${share.level} link ${share.share}` + (share.passwordHash ? ", with a password" : "") +
        (share.expiresAt ? `, until ${shownTime(share.expiresAt)}` : ""));
      entry.dataset.share = share.share;
      entry.append(" ", button("Revoke", () =>
        this.change(() => this.api(`/api/v2/shares/${this.path}?id=${encodeURIComponent(share.share)}`, { method: "DELETE" }))));
      list.append(entry);
    }
    return list;
  }

  shareForm() {
    const form = document.createElement("form");
    form.className = "make-link";
    const level = select("level", ["viewer", "commenter", "editor"], "viewer");
    const expires = input("expires", "Expires (default 30d)");
    const password = input("password", "Password (optional)");
    password.type = "password";
    password.autocomplete = "new-password";
    form.append(level, expires, password, submit("Make link"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.change(
        () => this.api(`/api/v2/shares/${this.path}`, { method: "POST", body: JSON.stringify({ level: level.value, expires: expires.value.trim(), password: password.value }) }),
        // The token rides in the fragment, which never reaches a server.
        (answer) => `${location.origin}/d/${this.path}#token=${answer.token}`);
    });
    return form;
  }

  madeLink(link) {
    const box = document.createElement("div");
    box.className = "made-link";
    const field = input("link", "");
    field.readOnly = true;
    field.value = link;
    box.append(paragraph("Anyone with this link (and its password, if it has one) gets its level:"), field,
      button("Copy", () => navigator.clipboard?.writeText(link)));
    return box;
  }
}

function audit(events) {
  const list = document.createElement("ol");
  list.className = "audit";
  for (const event of [...events].reverse()) {
    const what = {
      grant: () => `granted ${event.subject} ${event.level}`, revoke: () => `revoked ${event.subject}`,
      transfer: () => `transferred it to ${event.subject}`, share: () => `made ${event.level} link ${event.share}`,
      unshare: () => `revoked link ${event.share}`,
    }[event.type]?.() ?? event.type;
    list.append(item(`${shownTime(event.at)} · ${event.by} ${what}${event.target === undefined ? "" : ` on ${event.target}`}`));
  }
  return list;
}

function heading(tag, text) {
  const node = document.createElement(tag);
  node.textContent = text;
  return node;
}

function paragraph(text, className) {
  const node = document.createElement("p");
  if (className) node.className = className;
  node.textContent = text;
  return node;
}

function item(text) {
  const node = document.createElement("li");
  node.textContent = text;
  return node;
}
