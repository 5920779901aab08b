// The comment threads beside the text: each with the text it is on, its comment and
// replies, and for commenters and up a reply box and Resolve (or Reopen). Threads come
// from Replica.threads(); what is typed into a reply box survives others' edits.

import { shownTime } from "./time.js";

export class CommentsPanel {
  /** `handlers`: canComment, onSelect(range), onReply(id, text), onResolve(id, resolved). */
  constructor(element, handlers) {
    this.element = element;
    this.handlers = handlers;
    this.signature = null;
    /** Reply boxes by thread, kept across renders. */
    this.boxes = new Map();
  }

  /** Shows `threads` (Replica.threads) with the text they are on, read from `text`;
   *  nothing is made again while neither changed. */
  render(threads, text) {
    const quotes = slices(text, threads.map((thread) => thread.range));
    const signature = JSON.stringify([threads, quotes]);
    if (signature === this.signature) return;
    this.signature = signature;
    const heading = document.createElement("h2");
    heading.textContent = threads.length === 0 ? "No comments" : `Comments (${threads.length})`;
    const list = document.createElement("ol");
    list.className = "threads";
    threads.forEach((thread, k) => list.append(this.thread(thread, quotes[k])));
    for (const id of this.boxes.keys()) if (!threads.some((thread) => thread.id === id)) this.boxes.delete(id);
    this.element.replaceChildren(heading, list);
  }

  thread(thread, quoted) {
    const item = document.createElement("li");
    item.className = thread.resolved ? "thread resolved" : "thread";
    item.dataset.thread = thread.id;
    const quote = document.createElement("blockquote");
    quote.textContent = thread.orphaned ? "(the text was deleted)" : quoted.length > 80 ? `${quoted.slice(0, 80)}…` : quoted;
    if (!thread.orphaned) quote.addEventListener("click", () => this.handlers.onSelect(thread.range));
    item.append(quote, comment(thread));
    for (const reply of thread.replies) item.append(comment(reply));
    if (this.handlers.canComment) {
      let box = this.boxes.get(thread.id);
      if (!box) {
        box = document.createElement("form");
        box.className = "reply";
        const field = document.createElement("input");
        field.name = "reply";
        field.placeholder = "Reply";
        field.autocomplete = "off";
        const send = document.createElement("button");
        send.type = "submit";
        send.textContent = "Reply";
        box.append(field, send);
        box.addEventListener("submit", (event) => {
          event.preventDefault();
          if (field.value.trim() === "") return;
          this.handlers.onReply(thread.id, field.value);
          field.value = "";
        });
        this.boxes.set(thread.id, box);
      }
      const resolve = document.createElement("button");
      resolve.type = "button";
      resolve.className = "resolve";
      resolve.textContent = thread.resolved ? "Reopen" : "Resolve";
      resolve.addEventListener("click", () => this.handlers.onResolve(thread.id, !thread.resolved));
      item.append(box, resolve);
    }
    return item;
  }
}

/** The text at each code-point range. Code points are UTF-16 units unless the text has
 *  characters beyond them: only then is the whole text split into code points. */
function slices(text, ranges) {
  if (!/[\uD800-\uDFFF]/.test(text)) return ranges.map((range) => text.slice(range.index, range.index + range.length));
  const points = [...text];
  return ranges.map((range) => points.slice(range.index, range.index + range.length).join(""));
}

/** One comment: who, when, what. */
function comment(entry) {
  const block = document.createElement("div");
  block.className = "comment";
  const author = document.createElement("strong");
  // The user: a client id is the user, then perhaps "/" and a device.
  author.textContent = entry.author.split("/")[0];
  author.title = entry.author;
  const time = document.createElement("time");
  const date = new Date(entry.timestamp.wall);
  time.dateTime = date.toISOString();
  time.textContent = shownTime(date);
  const text = document.createElement("p");
  text.textContent = entry.text;
  block.append(author, " ", time, text);
  return block;
}
