// The history panel (docs/web.md): the document's tags and checkpoints, any version
// viewed as it was, the track-changes diff of two versions with who changed what and
// when, a tag for the version now, and a restore (editors and owners). Read from the
// history API of docs/protocol.md; the server renders versions and diffs as escaped HTML.

import { button, select } from "./dom.js";
import { documentPath } from "./paths.js";
import { shownTime } from "./time.js";

export class HistoryPanel {
  /** `api(path, init)` answers the API's JSON or throws its message; `handlers`: canTag,
   *  canRestore, show(title, html, restoreAt), onError(message). */
  constructor(element, { docId, api, handlers }) {
    this.element = element;
    this.docId = docId;
    this.api = api;
    this.handlers = handlers;
    this.path = documentPath(docId);
  }

  /** Lists the versions again (when the panel is opened, and after a tag). */
  async refresh() {
    let answer;
    try {
      answer = await this.api(`/api/v2/history/${this.path}`);
    } catch (error) {
      return this.handlers.onError(error.message);
    }
    const versions = [...answer.versions].reverse();
    const list = document.createElement("ol");
    list.className = "versions";
    const choices = [["head", "Now"], ...versions.map((version) => [version.at, label(version)])];
    for (const version of versions) list.append(this.entry(version));
    const compare = document.createElement("form");
    compare.className = "compare";
    const from = select("from", choices, choices.length > 1 ? choices[1][0] : "head");
    const to = select("to", choices, "head");
    const button = document.createElement("button");
    button.type = "submit";
    button.textContent = "Compare";
    compare.append("Changes from ", from, " to ", to, button);
    compare.addEventListener("submit", (event) => {
      event.preventDefault();
      this.diff(from.value, to.value, from.selectedOptions[0].textContent, to.selectedOptions[0].textContent);
    });
    const parts = [compare];
    if (this.handlers.canTag) parts.push(this.tagForm());
    if (versions.length === 0) {
      const none = document.createElement("p");
      none.className = "notice";
      none.textContent = "No tags or checkpoints yet.";
      parts.push(none);
    }
    parts.push(list);
    this.element.replaceChildren(...parts);
  }

  entry(version) {
    const item = document.createElement("li");
    item.dataset.at = version.at;
    const title = document.createElement("strong");
    title.textContent = label(version);
    const when = document.createElement("time");
    if (version.time) {
      when.dateTime = version.time;
      when.textContent = shownTime(version.time);
    }
    const summary = document.createElement("p");
    const changes = version.changes;
    summary.textContent = `+${changes.inserted} −${changes.deleted} characters` +
      (changes.authors.length > 0 ? `, by ${[...new Set(changes.authors.map((a) => a.split("/")[0]))].join(", ")}` : "");
    item.append(title, " ", when, summary);
    if (version.message) {
      const message = document.createElement("p");
      message.className = "message";
      message.textContent = version.message;
      item.append(message);
    }
    const view = button("View", () => this.view(version.at, label(version)));
    const since = button("Changes since", () => this.diff(version.at, "head", label(version), "Now"));
    item.append(view, " ", since);
    return item;
  }

  tagForm() {
    const form = document.createElement("form");
    form.className = "tag";
    const name = document.createElement("input");
    name.name = "tag";
    name.placeholder = "Name this version";
    name.required = true;
    const message = document.createElement("input");
    message.name = "message";
    message.placeholder = "Message (optional)";
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.textContent = "Tag";
    form.append(name, message, submit);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await this.api(`/api/v2/tags/${this.path}`, { method: "POST", body: JSON.stringify({ name: name.value, message: message.value }) });
        await this.refresh();
      } catch (error) {
        this.handlers.onError(error.message);
      }
    });
    return form;
  }

  /** The document as it was at `at`, with Restore for editors. */
  async view(at, title) {
    try {
      const answer = await this.api(`/api/v2/history/${this.path}?at=${encodeURIComponent(at)}`);
      this.handlers.show(`Version ${title}`, answer.html, this.handlers.canRestore && at !== "head" ? at : null);
    } catch (error) {
      this.handlers.onError(error.message);
    }
  }

  /** What changed from one version to another, track-changes style. */
  async diff(from, to, fromLabel, toLabel) {
    try {
      const answer = await this.api(`/api/v2/history/${this.path}?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
      const html = answer.changed ? answer.html : "<p>Nothing changed.</p>";
      this.handlers.show(`Changes from ${fromLabel} to ${toLabel}`, html, null);
    } catch (error) {
      this.handlers.onError(error.message);
    }
  }

  /** Makes head show `at` again, by new ops (history is kept). */
  async restore(at) {
    await this.api(`/api/v2/restore/${this.path}`, { method: "POST", body: JSON.stringify({ at }) });
  }
}

function label(version) {
  return version.kind === "tag" ? version.name : `checkpoint ${version.at}`;
}

/** Server-rendered HTML (every string escaped there, no inline style) as nodes, who
 *  and when of each change shown on hover. */
export function renderedNodes(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  for (const change of template.content.querySelectorAll("[data-author]")) {
    const time = change.dataset.time ? shownTime(change.dataset.time) : "";
    change.title = `${change.dataset.author.split("/")[0]}${time ? ` · ${time}` : ""}${change.dataset.changes ? ` · ${change.dataset.changes}` : ""}`;
  }
  return template.content;
}
