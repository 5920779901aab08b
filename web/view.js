// The document shown in the editor's contenteditable element: one element per block, its
// runs as text inside <strong>, <em>, <code>, <a> and <mark> (comments), and the mapping
// between display positions (code points of the plain text, a block boundary counting
// one, as `collab edit` counts them) and points of the DOM. Every string goes in as text.

/** One element per block: what its type shows as. Types the editor has no element for
 *  (table, row, cell, others) show as paragraphs, as the renderers show unknown types. */
function blockNode(block) {
  const type = block.attributes.type ?? "paragraph";
  let node;
  if (type === "heading") {
    const level = Number.isInteger(block.attributes.level) ? Math.min(Math.max(block.attributes.level, 1), 6) : 1;
    node = document.createElement(`h${level}`);
  } else if (type === "list_item") {
    node = document.createElement("div");
    node.className = `list-item ${block.attributes.list === "ordered" ? "ordered" : "bullet"}`;
    const indent = Number.isInteger(block.attributes.indent) ? Math.min(Math.max(block.attributes.indent, 0), 6) : 0;
    if (indent > 0) node.classList.add(`indent-${indent}`);
  } else if (type === "code") {
    node = document.createElement("pre");
  } else if (type === "quote") {
    node = document.createElement("blockquote");
  } else {
    node = document.createElement("p");
  }
  node.dataset.block = block.id ?? "";
  for (const run of block.runs) node.append(runNode(run));
  // An empty block still takes a line, and the caret can go into it.
  if (block.runs.length === 0) node.append(document.createElement("br"));
  return node;
}

/** Whether a link target is one a page may follow: http, https, mailto or relative
 *  (LinkTarget in the Swift renderers). */
export function isSafeHref(href) {
  if (typeof href !== "string" || href.length === 0) return false;
  // Browsers drop control characters and whitespace around a scheme: refuse them all.
  if (/[\u0000-\u0020\u007f\\]/.test(href)) return false;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(href);
  if (scheme) return ["http", "https", "mailto"].includes(scheme[1].toLowerCase());
  // No scheme: relative, unless a colon comes before the first /, ? or #.
  const colon = href.indexOf(":");
  return colon < 0 || /[/?#]/.test(href.slice(0, colon));
}

/** A run's text inside the elements of its marks, the link outermost, code innermost. */
function runNode(run) {
  let node = document.createTextNode(run.text);
  const wrap = (tag) => {
    const outer = document.createElement(tag);
    outer.append(node);
    node = outer;
    return outer;
  };
  if (run.marks.code) wrap("code");
  if (run.marks.strike) wrap("s");
  if (run.marks.underline) wrap("u");
  if (run.marks.italic) wrap("em");
  if (run.marks.bold) wrap("strong");
  if (run.comments.length > 0) wrap("mark").dataset.comments = run.comments.join(" ");
  if (typeof run.marks.link === "string" && isSafeHref(run.marks.link)) wrap("a").href = run.marks.link;
  return node;
}

/** Code points in a string. */
export function pointCount(text) {
  let count = 0;
  for (let k = 0; k < text.length; k++) {
    const unit = text.charCodeAt(k);
    if (unit < 0xd800 || unit >= 0xdc00 || k + 1 === text.length) count++;
  }
  return count;
}

export class DocumentView {
  constructor(element) {
    this.element = element;
    /** The blocks shown, in order: { block, node, start, length, signature }. */
    this.entries = [];
    this.entryOf = new WeakMap();
  }

  /** Shows `blocks` (Replica.blockContents), keeping the elements of unchanged blocks. */
  render(blocks) {
    const reusable = new Map(this.entries.map((entry) => [entry.signature, entry]));
    const entries = [];
    let position = 0;
    for (const block of blocks) {
      if (block.id !== null) position += 1; // its marker
      const length = block.runs.reduce((n, run) => n + pointCount(run.text), 0);
      const signature = JSON.stringify([block.id, block.attributes, block.runs]);
      const node = reusable.get(signature)?.node ?? blockNode(block);
      reusable.delete(signature);
      const entry = { block, node, start: position, length, signature };
      this.entryOf.set(node, entry);
      entries.push(entry);
      position += length;
    }
    this.entries = entries;
    this.length = position;
    // Put the elements in order, touching only what changed.
    let child = this.element.firstChild;
    for (const entry of entries) {
      if (child === entry.node) {
        child = child.nextSibling;
      } else {
        this.element.insertBefore(entry.node, child);
      }
    }
    while (child) {
      const next = child.nextSibling;
      child.remove();
      child = next;
    }
  }

  /** The display position of a DOM point inside the element, or null when it is outside. */
  positionOf(node, offset) {
    if (!this.element.contains(node)) return null;
    if (node === this.element) {
      if (offset >= this.entries.length) return this.length;
      return this.entries[offset].start;
    }
    let blockNode = node;
    while (blockNode.parentNode !== this.element) blockNode = blockNode.parentNode;
    const entry = this.entryOf.get(blockNode);
    if (!entry) return null;
    const before = document.createRange();
    before.setStart(blockNode, 0);
    before.setEnd(node, offset);
    return entry.start + Math.min(pointCount(before.toString()), entry.length);
  }

  /** The entry of the block that display position `position` is in (or at the end of). */
  entryAt(position) {
    let low = 0;
    let high = this.entries.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.entries[middle].start <= position) low = middle;
      else high = middle - 1;
    }
    return this.entries[low];
  }

  /** The DOM point of display position `position`: [node, offset]. */
  pointAt(position) {
    const entry = this.entryAt(position);
    if (!entry) return [this.element, 0];
    let remaining = Math.max(0, Math.min(position - entry.start, entry.length));
    const walker = document.createTreeWalker(entry.node, NodeFilter.SHOW_TEXT);
    let last = null;
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      const points = pointCount(text.data);
      if (remaining <= points) {
        // Code points to the UTF-16 units the DOM counts.
        let units = 0;
        for (let k = 0; k < remaining; k++) units += text.data.codePointAt(units) > 0xffff ? 2 : 1;
        return [text, units];
      }
      remaining -= points;
      last = text;
    }
    return last ? [last, last.data.length] : [entry.node, 0];
  }

  /** Comments whose threads are all resolved show fainter. */
  markResolved(threads) {
    const resolved = new Set(threads.filter((thread) => thread.resolved).map((thread) => thread.id));
    for (const mark of this.element.querySelectorAll("mark[data-comments]")) {
      mark.classList.toggle("resolved", mark.dataset.comments.split(" ").every((id) => resolved.has(id)));
    }
  }

  /** The marks every character of display range [from, to) has: { name: value }, for
   *  the names with one value all along. */
  commonMarks(from, to) {
    let common = null;
    for (const entry of this.entries) {
      if (entry.start + entry.length <= from || entry.start >= to) continue;
      let position = entry.start;
      for (const run of entry.block.runs) {
        const length = pointCount(run.text);
        if (position + length > from && position < to) {
          if (common === null) common = { ...run.marks };
          else for (const key of Object.keys(common)) if (run.marks[key] !== common[key]) delete common[key];
        }
        position += length;
      }
    }
    return common ?? {};
  }

  /** The blocks display range [from, to] touches. */
  blocksIn(from, to) {
    return this.entries.filter((entry) => entry.start + entry.length >= from && entry.start <= to);
  }
}
