// The editor of /d/DOC (docs/web.md): a contenteditable element over the page's replica
// of the document (replica.js), kept in step with the server (connection.js). Every edit
// is made on the replica, as ops, and the element shows the replica again (view.js): the
// browser's own editing never changes the DOM. Others' carets and who is here come from
// presence (carets.js); comments are highlighted in the text and listed beside it
// (comments.js); the history panel views, compares, tags and restores versions
// (history.js).

import { RemoteCarets, colorOf } from "./carets.js";
import { CommentsPanel } from "./comments.js";
import { DocumentConnection } from "./connection.js";
import { HistoryPanel, renderedNodes } from "./history.js";
import { Replica } from "./replica.js";
import { DocumentView, isSafeHref } from "./view.js";

const levels = ["viewer", "commenter", "editor", "owner"];

/** Keyboard shortcuts (with Ctrl, or ⌘ on a Mac): marks, then block types. */
const markKeys = { b: "bold", i: "italic", u: "underline", e: "code" };
const blockKeys = {
  "Alt+0": { type: "paragraph" }, "Alt+1": { type: "heading", level: 1 }, "Alt+2": { type: "heading", level: 2 },
  "Alt+3": { type: "heading", level: 3 }, "Shift+7": { type: "list_item", list: "ordered" },
  "Shift+8": { type: "list_item", list: "bullet" }, "Shift+9": { type: "quote" }, "Alt+c": { type: "code" },
};

export class Editor {
  /** Joins the document at once, and builds the editor in `root` once `access` (a
   *  promise of the token's `{ user, level }` on the document) is known: the two go in
   *  parallel. `api(path, init)` requests the page's API with the token; `handlers`:
   *  onState(state), onError(message), onFatal(message), onPeople(people). */
  constructor(root, { docId, token, password, access, api, handlers }) {
    this.docId = docId;
    this.handlers = handlers;
    this.replica = new Replica();
    /** Marks for the next text typed at a caret (Ctrl+B with nothing selected). */
    this.pendingMarks = {};
    /** Caught up once: editing is allowed from then on, connected or not. */
    this.synced = false;
    /** Built: the user and level are known. */
    this.ready = false;
    this.lastInput = 0;
    this.connection = new DocumentConnection({
      docId, token, password, replica: this.replica,
      handlers: {
        onOps: (ops) => this.applyRemote(ops),
        onCaughtUp: () => this.caughtUp(),
        onPresence: (message) => {
          if (!this.ready) return;
          this.carets.update(message);
          this.showOthers();
        },
        onState: handlers.onState,
        onError: handlers.onError,
        onFatal: handlers.onFatal,
      },
    });
    access.then(({ user, level }) => this.setUp(root, user, level, api), () => this.connection.close());
  }

  /** The editor for `user` at `level`. */
  setUp(root, user, level, api) {
    const docId = this.docId;
    const handlers = this.handlers;
    this.user = user;
    this.canEdit = levels.indexOf(level) >= levels.indexOf("editor");
    this.canComment = levels.indexOf(level) >= levels.indexOf("commenter");
    // One client id per tab and document, kept across reloads (its ops come back in the
    // catch-up, so its next seq is known again).
    const key = `collab.client.${docId}`;
    this.client = sessionStorage.getItem(key) ?? `${user}/web-${crypto.getRandomValues(new Uint32Array(1))[0].toString(16)}`;
    sessionStorage.setItem(key, this.client);
    this.color = colorOf(user);

    this.build(root);
    this.view = new DocumentView(this.surface);
    this.carets = new RemoteCarets(this.overlay, this.surface);
    this.comments = new CommentsPanel(this.panel, {
      canComment: this.canComment,
      onSelect: (range) => this.select(range.index, range.index + range.length, true),
      onReply: (id, text) => this.commit(this.replica.commentOp("comment_add", id, text, this.client, this.tick())),
      onResolve: (id, resolved) => this.commit(this.replica.commentOp("comment_resolve", id, resolved, this.client, this.tick())),
    });
    this.history = new HistoryPanel(this.historyElement, {
      docId, api,
      handlers: {
        canTag: this.canEdit, canRestore: this.canEdit, onError: handlers.onError,
        show: (title, html, restoreAt) => this.showVersion(title, html, restoreAt),
      },
    });
    this.surface.addEventListener("beforeinput", (event) => this.input(event));
    this.surface.addEventListener("keydown", (event) => this.key(event));
    this.surface.addEventListener("compositionstart", () => {
      this.composing = this.selection();
    });
    this.surface.addEventListener("compositionend", (event) => this.composed(event));
    document.addEventListener("selectionchange", () => this.selectionMoved());
    this.ready = true;
    this.showOthers();
    if (this.synced) this.firstShow();
  }

  /** The toolbar, the page with its carets layer, and the comments beside it. */
  build(root) {
    const element = (tag, className) => {
      const node = document.createElement(tag);
      if (className) node.className = className;
      return node;
    };
    this.toolbar = element("div", "toolbar");
    this.toolbar.setAttribute("role", "toolbar");
    const button = (label, title, action, enabled) => {
      const node = element("button");
      node.type = "button";
      node.dataset.command = title.split(" ")[0].toLowerCase();
      node.textContent = label;
      node.title = title;
      node.disabled = !enabled;
      // Pressing a button must not take the selection out of the text.
      node.addEventListener("mousedown", (event) => event.preventDefault());
      node.addEventListener("click", action);
      this.toolbar.append(node);
      return node;
    };
    button("B", "Bold (Ctrl+B)", () => this.toggleMark("bold"), this.canEdit).classList.add("bold");
    button("I", "Italic (Ctrl+I)", () => this.toggleMark("italic"), this.canEdit).classList.add("italic");
    button("<>", "Code (Ctrl+E)", () => this.toggleMark("code"), this.canEdit);
    button("Link", "Link (Ctrl+K)", () => this.link(), this.canEdit);
    const types = element("select");
    types.title = "Block type";
    types.disabled = !this.canEdit;
    for (const [label, value] of [
      ["Paragraph", "Alt+0"], ["Heading 1", "Alt+1"], ["Heading 2", "Alt+2"], ["Heading 3", "Alt+3"],
      ["Bulleted list", "Shift+8"], ["Numbered list", "Shift+7"], ["Quote", "Shift+9"], ["Code", "Alt+c"],
    ]) {
      const option = element("option");
      option.value = value;
      option.textContent = label;
      types.append(option);
    }
    types.addEventListener("change", () => {
      this.setBlocks(blockKeys[types.value]);
      this.surface.focus();
    });
    this.types = types;
    this.toolbar.append(types);
    button("Comment", "Comment on the selection (Ctrl+Alt+M)", () => this.addComment(), this.canComment);

    const page = element("div", "page");
    const column = element("div", "column");
    const sheet = element("div", "sheet");
    this.sheet = sheet;
    this.surface = element("div", "editor");
    this.surface.id = "editor";
    this.surface.spellcheck = false;
    this.surface.contentEditable = "false";
    this.overlay = element("div", "carets");
    this.overlay.setAttribute("aria-hidden", "true");
    sheet.append(this.surface, this.overlay);
    // A version viewed, or a diff, in place of the text until "Back to editing".
    this.versionView = element("div", "version-view");
    this.versionView.hidden = true;
    column.append(sheet, this.versionView);
    const side = element("aside", "side");
    const tabs = element("div", "tabs");
    tabs.setAttribute("role", "tablist");
    this.tabs = {};
    for (const [name, label] of [["comments", "Comments"], ["history", "History"]]) {
      const tab = element("button", "tab");
      tab.type = "button";
      tab.textContent = label;
      tab.setAttribute("role", "tab");
      tab.dataset.tab = name;
      tab.addEventListener("click", () => this.showTab(name));
      tabs.append(tab);
      this.tabs[name] = tab;
    }
    this.panel = element("section", "comments");
    this.historyElement = element("section", "history");
    side.append(tabs, this.panel, this.historyElement);
    page.append(column, side);
    root.replaceChildren(this.toolbar, page);
    this.showTab("comments");
  }

  /** The side shows the comments or the history (listed afresh each time it is opened). */
  showTab(name) {
    for (const [tab, button] of Object.entries(this.tabs)) button.setAttribute("aria-selected", String(tab === name));
    this.panel.hidden = name !== "comments";
    this.historyElement.hidden = name !== "history";
    if (name === "history") this.history?.refresh();
  }

  /** A version or a diff in place of the text, with Back, and Restore for a version. */
  showVersion(title, html, restoreAt) {
    const heading = document.createElement("h2");
    heading.textContent = title;
    const back = document.createElement("button");
    back.type = "button";
    back.textContent = "Back to editing";
    back.addEventListener("click", () => this.backToEditing());
    const banner = document.createElement("div");
    banner.className = "banner";
    banner.append(heading, back);
    if (restoreAt !== null) {
      const restore = document.createElement("button");
      restore.type = "button";
      restore.className = "primary";
      restore.textContent = "Restore this version";
      restore.addEventListener("click", async () => {
        if (!confirm(`Make the document show ${title} again? Its later history is kept.`)) return;
        try {
          await this.history.restore(restoreAt);
          this.backToEditing();
        } catch (error) {
          this.handlers.onError(error.message);
        }
      });
      banner.append(restore);
    }
    const article = document.createElement("article");
    article.className = "document";
    article.append(renderedNodes(html));
    this.versionView.replaceChildren(banner, article);
    this.versionView.hidden = false;
    this.sheet.hidden = true;
  }

  backToEditing() {
    this.versionView.hidden = true;
    this.sheet.hidden = false;
    this.carets.render(this.view, this.replica);
  }

  tick() {
    return this.replica.tick(Date.now());
  }

  caughtUp() {
    if (!this.synced) {
      performance.mark("collab:caught-up");
      this.synced = true;
      if (this.ready) this.firstShow();
    }
    if (this.ready) this.sendPresence();
  }

  /** The document shown for the first time, editable; the comments beside it and the
   *  others' carets come right after, so as not to hold the text back. */
  firstShow() {
    this.surface.contentEditable = this.canEdit ? "true" : "false";
    this.view.render(this.replica.blockContents());
    performance.mark("collab:shown");
    setTimeout(() => this.render());
    this.sendPresence();
  }

  /** Others' ops into the replica; the selection stays after the characters it was after. */
  applyRemote(ops) {
    if (ops.length === 0) return;
    if (!this.synced && performance.getEntriesByName("collab:first-ops").length === 0) performance.mark("collab:first-ops");
    const selection = this.ready ? this.selection() : null;
    const ids = selection && [this.replica.caretId(selection.anchor), this.replica.caretId(selection.head)];
    for (const op of ops) this.replica.apply(op);
    if (!this.synced || !this.ready) return;
    this.render();
    if (ids && document.activeElement === this.surface) {
      this.select(this.replica.caretPosition(ids[0]), this.replica.caretPosition(ids[1]));
    }
  }

  render() {
    this.view.render(this.replica.blockContents());
    const threads = this.replica.threads();
    this.comments.render(threads, this.replica.text);
    this.view.markResolved(threads);
    this.carets.render(this.view, this.replica);
    this.showBlockType();
  }

  // MARK: The selection, as display positions

  /** { anchor, head, start, end } of the selection in the text, or null when it is elsewhere. */
  selection() {
    const selection = getSelection();
    if (!selection || selection.rangeCount === 0 || !this.surface.contains(selection.anchorNode)) return null;
    const anchor = this.view.positionOf(selection.anchorNode, selection.anchorOffset);
    const head = this.view.positionOf(selection.focusNode, selection.focusOffset);
    if (anchor === null || head === null) return null;
    return { anchor, head, start: Math.min(anchor, head), end: Math.max(anchor, head) };
  }

  /** Selects from `anchor` to `head` (display positions; a caret when equal). */
  select(anchor, head, focus = false) {
    if (focus) this.surface.focus();
    const selection = getSelection();
    const [anchorNode, anchorOffset] = this.view.pointAt(anchor);
    const [headNode, headOffset] = this.view.pointAt(head);
    selection.setBaseAndExtent(anchorNode, anchorOffset, headNode, headOffset);
  }

  selectionMoved() {
    const selection = this.selection();
    if (!selection) return;
    this.showBlockType();
    this.sendPresence();
  }

  /** Tells the others where the caret is: at most 10 times a second, and only when it
   *  moved to another character (others' edits do not move it). */
  sendPresence() {
    if (this.presenceTimer) return;
    this.presenceTimer = setTimeout(() => {
      this.presenceTimer = null;
      const selection = this.selection();
      const wire = (id) => (id === null ? null : { clientId: id.client, seq: id.seq });
      const presence = { name: this.user, color: this.color, typing: Date.now() - this.lastInput < 2000 };
      if (selection) {
        presence.cursor = { anchor: wire(this.replica.caretId(selection.anchor)), head: wire(this.replica.caretId(selection.head)) };
      }
      const said = JSON.stringify(presence);
      if (said === this.presenceSaid) return;
      this.presenceSaid = said;
      this.connection.sendPresence(presence);
    }, this.presenceSaid === undefined ? 0 : 100);
  }

  showOthers() {
    const people = [{ name: `${this.user} (you)`, color: this.color }, ...this.carets.people()];
    const said = JSON.stringify(people);
    if (said === this.peopleSaid) return;
    this.peopleSaid = said;
    this.handlers.onPeople(people);
  }

  /** The block type selector follows the caret. */
  showBlockType() {
    const selection = this.selection();
    if (!selection) return;
    const entry = this.view.entryAt(selection.start);
    if (!entry) return;
    const attributes = entry.block.attributes;
    const match = Object.entries(blockKeys).find(([, value]) =>
      Object.entries(value).every(([key, wanted]) => (attributes[key] ?? (key === "type" ? "paragraph" : undefined)) === wanted));
    this.types.value = match ? match[0] : "Alt+0";
  }

  // MARK: Editing

  /** Ops made here: sent, shown, the caret put at `caret` (or the selection kept). */
  commit(ops, caret) {
    if (ops.length === 0) return;
    this.lastInput = Date.now();
    this.connection.send(ops);
    const selection = this.selection();
    this.render();
    if (caret !== undefined) this.select(caret, caret);
    else if (selection && document.activeElement === this.surface) this.select(selection.anchor, selection.head);
    this.sendPresence();
  }

  /** The browser's edits, made on the replica instead of the DOM. */
  input(event) {
    event.preventDefault();
    if (!this.canEdit || !this.synced) return;
    const selection = this.selection();
    if (!selection) return;
    let { start, end } = selection;
    // What the browser would change (a word for Ctrl+Backspace, a spelling correction).
    const target = event.getTargetRanges?.()[0];
    if (target) {
      const from = this.view.positionOf(target.startContainer, target.startOffset);
      const to = this.view.positionOf(target.endContainer, target.endOffset);
      if (from !== null && to !== null) [start, end] = [Math.min(from, to), Math.max(from, to)];
    }
    const type = event.inputType;
    if (type === "insertText" || type === "insertReplacementText" || type === "insertFromPaste" || type === "insertFromDrop") {
      const text = event.data ?? event.dataTransfer?.getData("text/plain") ?? "";
      this.replace(start, end, text, type !== "insertText");
    } else if (type === "insertParagraph") {
      this.split(start, end);
    } else if (type === "insertLineBreak") {
      this.replace(start, end, "\n", false);
    } else if (type.startsWith("delete")) {
      if (start === end) {
        if (type.endsWith("Backward")) start = Math.max(0, start - 1);
        else end = Math.min(this.replica.length, end + 1);
      }
      if (end > start) this.commit(this.replica.delete(start, end - start, this.client, this.tick()), start);
    } else if (type === "formatBold") {
      this.toggleMark("bold");
    } else if (type === "formatItalic") {
      this.toggleMark("italic");
    } else if (type === "formatUnderline") {
      this.toggleMark("underline");
    }
  }

  /** Text composed with an input method: the browser showed it while composing (that
   *  cannot be prevented); once composed, the page shows the replica again and the text
   *  goes in where the composition started, over what was selected then. */
  composed(event) {
    const at = this.composing;
    this.composing = null;
    this.render();
    if (!this.canEdit || !this.synced || !event.data || !at) return;
    this.replace(at.start, at.end, event.data, false);
  }

  /** Replaces [start, end) by `text`; pasted lines become blocks. */
  replace(start, end, text, lines) {
    const timestamp = this.tick();
    const ops = end > start ? this.replica.delete(start, end - start, this.client, timestamp) : [];
    let position = start;
    const parts = lines ? text.replace(/\r\n?/g, "\n").split("\n") : [text];
    parts.forEach((part, k) => {
      if (k > 0) {
        ops.push(...this.replica.insertBlock(position, { type: "paragraph" }, this.client, timestamp));
        position += 1;
      }
      if (part.length > 0) {
        ops.push(...this.replica.insert(part, position, this.client, timestamp));
        const length = [...part].length;
        for (const [key, value] of Object.entries(this.pendingMarks)) {
          ops.push(...this.replica.format(position, length, key, value, this.client, timestamp));
        }
        position += length;
      }
    });
    this.pendingMarks = {};
    this.commit(ops, position);
  }

  /** Enter: a new block after the caret, of the same kind for list items and quotes; an
   *  empty list item becomes a paragraph instead; in code, a line break. */
  split(start, end) {
    const timestamp = this.tick();
    const ops = end > start ? this.replica.delete(start, end - start, this.client, timestamp) : [];
    const entry = this.view.entryAt(start);
    const attributes = entry?.block.attributes ?? {};
    const type = attributes.type ?? "paragraph";
    if (type === "code") return this.commit([...ops, ...this.replica.insert("\n", start, this.client, timestamp)], start + 1);
    if (type === "list_item" && entry.length === 0 && ops.length === 0) {
      return this.commit(this.replica.setBlock(entry.block.id, "type", "paragraph", this.client, timestamp), start);
    }
    const next = type === "list_item" || type === "quote" ? { ...attributes } : { type: "paragraph" };
    ops.push(...this.replica.insertBlock(start, next, this.client, timestamp));
    this.commit(ops, start + 1);
  }

  key(event) {
    if (!(event.ctrlKey || event.metaKey)) {
      if (event.key === "Tab" && this.canEdit) this.indent(event);
      return;
    }
    const letter = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    const chord = event.altKey ? `Alt+${letter}` : event.shiftKey ? `Shift+${event.code.replace(/^Digit/, "")}` : letter;
    if (chord === "Alt+m") {
      event.preventDefault();
      return this.addComment();
    }
    if (!this.canEdit) return;
    if (!event.altKey && !event.shiftKey && markKeys[letter]) {
      event.preventDefault();
      this.toggleMark(markKeys[letter]);
    } else if (!event.altKey && event.shiftKey && letter === "x") {
      event.preventDefault();
      this.toggleMark("strike");
    } else if (!event.altKey && !event.shiftKey && letter === "k") {
      event.preventDefault();
      this.link();
    } else if (blockKeys[chord]) {
      event.preventDefault();
      this.setBlocks(blockKeys[chord]);
    } else if (letter === "z" || letter === "y") {
      // The browser's undo would change the DOM behind the replica's back.
      event.preventDefault();
    }
  }

  /** Tab and Shift+Tab in a list item: one level in, or out. */
  indent(event) {
    const selection = this.selection();
    if (!selection) return;
    const items = this.view.blocksIn(selection.start, selection.end).filter((entry) => entry.block.attributes.type === "list_item");
    if (items.length === 0) return;
    event.preventDefault();
    const timestamp = this.tick();
    const ops = items.flatMap((entry) => {
      const indent = Math.max(0, Math.min(6, (entry.block.attributes.indent ?? 0) + (event.shiftKey ? -1 : 1)));
      return this.replica.setBlock(entry.block.id, "indent", indent, this.client, timestamp);
    });
    this.commit(ops);
  }

  /** Bold and the like on the selection: off when all of it has it, else on. With
   *  nothing selected, for the next text typed. */
  toggleMark(key) {
    if (!this.canEdit || !this.synced) return;
    const selection = this.selection();
    if (!selection) return;
    if (selection.start === selection.end) {
      const current = this.pendingMarks[key] ?? this.view.commonMarks(Math.max(0, selection.start - 1), selection.start)[key] ?? null;
      this.pendingMarks[key] = current ? null : true;
      return;
    }
    const on = this.view.commonMarks(selection.start, selection.end)[key];
    this.commit(this.replica.format(selection.start, selection.end - selection.start, key, on ? null : true, this.client, this.tick()));
  }

  /** A link on the selection (an empty address takes it off); only http, https, mailto
   *  and relative addresses. */
  link() {
    const selection = this.selection();
    if (!selection || selection.start === selection.end) return this.handlers.onError("Select the text to link first.");
    const current = this.view.commonMarks(selection.start, selection.end).link;
    const href = prompt("Link to (http, https, mailto or a relative address; empty to remove)", current ?? "https://");
    if (href === null) return;
    if (href !== "" && !isSafeHref(href)) return this.handlers.onError(`Not a link this editor makes: ${href}`);
    this.commit(this.replica.format(selection.start, selection.end - selection.start, "link", href === "" ? null : href, this.client, this.tick()));
  }

  /** Sets the type (and its attributes) of every block the selection touches. */
  setBlocks(attributes) {
    if (!this.canEdit || !this.synced) return;
    const selection = this.selection() ?? { start: 0, end: 0 };
    const timestamp = this.tick();
    const ops = this.view.blocksIn(selection.start, selection.end).flatMap((entry) =>
      Object.entries(attributes).flatMap(([key, value]) =>
        entry.block.attributes[key] === value ? [] : this.replica.setBlock(entry.block.id, key, value, this.client, timestamp)));
    this.commit(ops);
  }

  addComment() {
    if (!this.canComment || !this.synced) return;
    const selection = this.selection();
    if (!selection || selection.start === selection.end) return this.handlers.onError("Select the text to comment on first.");
    const text = prompt("Comment");
    if (!text) return;
    this.commit(this.replica.comment(selection.start, selection.end - selection.start, text, this.client, this.tick()));
  }
}
