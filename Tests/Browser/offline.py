#!/usr/bin/env python3
"""Two editors keep typing while `collab serve` is down, and converge once it is back
(docs/web.md): headless Chromium through Playwright, the server a real process this
script stops and starts again on the same port.

   offline.py COLLAB DIR SCREENSHOTS_DIR alice=TOKEN bob=TOKEN

DIR holds the store (collab-data) where notes says "shared"; alice owns it, bob edits it.
Prints one line per check and exits 1 when any fails. Run by CollabCLITests.
"""
import socket
import subprocess
import sys
import time
import urllib.request
from checks import check, finish, launch
from playwright.sync_api import expect, sync_playwright

collab, directory, shots = sys.argv[1:4]
tokens = dict(argument.split("=", 1) for argument in sys.argv[4:])
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
url = f"http://127.0.0.1:{port}"


def start():
    server = subprocess.Popen([collab, "serve", "--port", str(port)], cwd=directory,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit(f"collab serve did not answer on {url}")


server = start()
try:
    with sync_playwright() as p:
        browser = launch(p)
        pages = {}
        for user in ["alice", "bob"]:
            page = browser.new_page()
            page.goto(f"{url}/d/notes#token={tokens[user]}")
            page.wait_for_selector("#state[data-state='connected']")
            pages[user] = page
        pages["alice"].click("#editor")
        pages["alice"].keyboard.press("End")
        pages["alice"].keyboard.type(" online")
        expect(pages["bob"].locator("#editor")).to_have_text("shared online")

        server.terminate()
        server.wait()
        for page in pages.values():
            page.wait_for_selector("#state[data-state='offline']", timeout=10000)
        check("both pages say they are offline", True)
        pages["alice"].keyboard.type(" alice")
        pages["bob"].click("#editor")
        pages["bob"].keyboard.press("Home")
        pages["bob"].keyboard.type("bob ")
        check("typing goes on offline", pages["alice"].inner_text("#editor") == "shared online alice"
              and pages["bob"].inner_text("#editor") == "bob shared online", str([p.inner_text("#editor") for p in pages.values()]))
        pages["alice"].screenshot(path=f"{shots}/offline.png")

        server = start()
        expected = "bob shared online alice"
        for page in pages.values():
            page.wait_for_selector("#state[data-state='connected']", timeout=15000)
            expect(page.locator("#editor")).to_have_text(expected, timeout=10000)
        check("both converge once the server is back", True)
        pages["alice"].screenshot(path=f"{shots}/reconnected.png")
        request = urllib.request.Request(url + "/api/v2/documents/notes", headers={"Authorization": "Bearer " + tokens["alice"]})
        served = urllib.request.urlopen(request).read().decode()
        check("the server holds every keystroke", expected in served, served)
        browser.close()
finally:
    server.terminate()
    server.wait()

finish()
