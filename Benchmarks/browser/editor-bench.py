#!/usr/bin/env python3
"""The browser editor's speed targets (issue 20, docs/benchmarks.md), measured in headless
Chromium (Debian's, driven by Playwright for Python) against a real `collab serve`:

  open     the rich automerge-paper document (collab-bench --rich-log) opened in a fresh
           page until it is editable: the time from navigation start to the editor
           turning contenteditable, read in the page (performance.now());
  typing   10 pages on one document, each typing in turn: for every keystroke, the time
           from its beforeinput in the typing page to the character showing in each of
           the 9 others (each page's clock is the same wall clock: timeOrigin + now()).

   editor-bench.py [--collab .build/release/collab] [--bench .build/release/collab-bench]
                   [--trace ../shared/traces/sequential/automerge-paper.json.gz]
                   [--opens 7] [--pages 10] [--keystrokes 30]

Prints one JSON object per measurement. Starts and stops its own server on a loopback
port, with a store in a temporary directory.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Browser"))
from checks import launch  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
parser = argparse.ArgumentParser()
parser.add_argument("--collab", default=os.path.join(root, ".build/release/collab"))
parser.add_argument("--bench", default=os.path.join(root, ".build/release/collab-bench"))
parser.add_argument("--trace", default=os.path.join(root, "..", "shared/traces/sequential/automerge-paper.json.gz"))
parser.add_argument("--opens", type=int, default=7)
parser.add_argument("--pages", type=int, default=10)
parser.add_argument("--keystrokes", type=int, default=30, help="per page")
options = parser.parse_args()

work = tempfile.mkdtemp(prefix="collab-editor-bench-")
store = os.path.join(work, "store")


def collab(*arguments):
    result = subprocess.run([options.collab, *arguments], cwd=work, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"collab {' '.join(arguments)}: {result.stderr}")
    return result.stdout


rich = os.path.join(work, "paper.jsonl")
subprocess.run([options.bench, "--rich-log", rich, options.trace], check=True, capture_output=True)
collab("apply", "paper", "--store", store, rich)
collab("edit", "typing", "--store", store, "--client", "bench", "insert", "0", "Typing:")
collab("keygen", "-o", os.path.join(store, "signing.key"))
users = [f"user{k}" for k in range(options.pages)]
for document in ["paper", "typing"]:
    collab("grant", document, users[0], "owner", "--as", users[0], "--store", store)
    for user in users[1:]:
        collab("grant", document, user, "editor", "--as", users[0], "--store", store)
tokens = {user: collab("token", "issue", "--user", user, "--key-file", os.path.join(store, "signing.key"), "--store", store).strip() for user in users}

server = subprocess.Popen([options.collab, "serve", "--store", store, "--port", "0"], cwd=work, stderr=subprocess.PIPE, text=True)
url = None
deadline = time.time() + 20
while url is None and time.time() < deadline:
    line = server.stderr.readline()
    found = re.search(r"ws://127\.0\.0\.1:(\d+)/ws", line)
    if found:
        url = f"http://127.0.0.1:{found.group(1)}"
if url is None:
    server.kill()
    sys.exit("collab serve did not start")

# Run in each page before its own scripts: when the editor turns editable; when each
# typed character leaves (beforeinput) and when each character first shows.
probe = """
window.benchEditableAt = null;
window.benchSent = {};
window.benchShown = {};
const seen = new Set();
new MutationObserver(() => {
  const editor = document.getElementById("editor");
  if (!editor) return;
  if (window.benchEditableAt === null && editor.contentEditable === "true") window.benchEditableAt = performance.now();
  const now = performance.timeOrigin + performance.now();
  for (const character of editor.textContent) {
    const code = character.codePointAt(0);
    if (code >= 0x4e00 && code < 0xa000 && !seen.has(code)) {
      seen.add(code);
      window.benchShown[code] = now;
    }
  }
}).observe(document, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["contenteditable"] });
document.addEventListener("beforeinput", (event) => {
  if (event.data) window.benchSent[event.data.codePointAt(0)] = performance.timeOrigin + performance.now();
}, true);
"""

try:
    with sync_playwright() as p:
        browser = launch(p)
        # Opening the rich paper, each time in a fresh browser context (nothing cached).
        opens = []
        for _ in range(options.opens):
            context = browser.new_context()
            context.add_init_script(probe)
            page = context.new_page()
            page.goto(f"{url}/d/paper#token={tokens[users[0]]}")
            page.wait_for_selector("#editor[contenteditable=true]", timeout=30000)
            opens.append(page.evaluate("window.benchEditableAt"))
            blocks = page.locator("#editor > *").count()
            stages = page.evaluate("""() => {
              const at = {};
              for (const mark of performance.getEntriesByType("mark")) at[mark.name] = Math.round(mark.startTime);
              for (const entry of performance.getEntriesByType("resource")) {
                const name = entry.name.replace(/^https?:\\/\\/[^/]+/, "");
                if (name.startsWith("/api/") || name.endsWith("editor.js")) at[name] = [Math.round(entry.startTime), Math.round(entry.responseEnd)];
              }
              at.domContentLoaded = Math.round(performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd);
              return at;
            }""")
            context.close()
        print(json.dumps({"measure": "open_rich_paper_ms", "runs": len(opens), "median": round(statistics.median(opens), 1),
                          "min": round(min(opens), 1), "max": round(max(opens), 1), "blocks_shown": blocks, "last_run_stages": stages}))

        # Ten pages typing into one document, in turn.
        context = browser.new_context()
        context.add_init_script(probe)
        pages = []
        for user in users:
            page = context.new_page()
            page.goto(f"{url}/d/typing#token={tokens[user]}")
            page.wait_for_selector("#state[data-state='connected']", timeout=30000)
            page.click("#editor")
            page.keyboard.press("End")
            pages.append(page)
        code = 0x4e00
        typed = {}
        for round_ in range(options.keystrokes):
            for k, page in enumerate(pages):
                page.keyboard.insert_text(chr(code))
                typed[code] = k
                code += 1
                time.sleep(0.02)
        time.sleep(2)
        sent = {}
        shown = []
        for page in pages:
            sent.update({int(c): t for c, t in page.evaluate("window.benchSent").items()})
        for k, page in enumerate(pages):
            for c, t in page.evaluate("window.benchShown").items():
                c = int(c)
                if typed.get(c) is not None and typed[c] != k and c in sent:
                    shown.append(t - sent[c])
        missing = len(typed) * (len(pages) - 1) - len(shown)
        shown.sort()
        print(json.dumps({"measure": "keystroke_to_display_ms", "pages": len(pages), "keystrokes": len(typed), "samples": len(shown),
                          "missing": missing, "p50": round(shown[len(shown) // 2], 1), "p95": round(shown[int(len(shown) * 0.95)], 1),
                          "p99": round(shown[int(len(shown) * 0.99)], 1), "max": round(shown[-1], 1)}))
        texts = {page.inner_text("#editor") for page in pages}
        print(json.dumps({"measure": "typing_pages_converged", "ok": len(texts) == 1}))
        browser.close()
finally:
    server.terminate()
    server.wait(timeout=10)
