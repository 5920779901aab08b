#!/usr/bin/env python3
"""The pages of `collab serve` in a real browser (headless Chromium from Debian, driven
by Playwright for Python with the system browser's executable; docs/web.md).

   pages.py URL ALICE_TOKEN MALLORY_TOKEN SCREENSHOTS_DIR

The server at URL holds notes (alice owns it; its text looks like markup) and
secret/plans (alice has no access); mallory has no grants. Prints one line per
check and exits 1 when any fails. Run by CollabServerTests/WebPageTests.
"""
import sys
from playwright.sync_api import sync_playwright

url, alice, mallory, shots = sys.argv[1:5]
failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + (f": {detail}" if detail and not ok else ""))
    if not ok:
        failures.append(name)


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
    page = browser.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    requests = []
    page.on("request", lambda request: requests.append(request.url))

    # Signed out: the sign-in form.
    page.goto(url + "/")
    page.wait_for_selector("form.sign-in")
    check("signed out, the page asks for a token", page.is_visible("textarea#token"))
    page.screenshot(path=f"{shots}/sign-in.png")

    # A token in the fragment signs in, leaves the address bar, and lists what alice may read.
    page.goto(url + "/#token=" + alice)
    page.wait_for_selector("ul.documents li")
    items = page.locator("ul.documents li").all_inner_texts()
    check("the list holds alice's document with her level", any("notes" in i and "owner" in i for i in items), str(items))
    check("the list leaves out what alice may not read", not any("secret/plans" in i for i in items), str(items))
    check("the token left the address bar", "token" not in page.url, page.url)
    check("the token is kept in sessionStorage", page.evaluate("sessionStorage.getItem('collab.token')") == alice)
    page.screenshot(path=f"{shots}/documents.png")

    # A document opens from the list; markup-looking text stays text.
    page.click("a[href='/d/notes']")
    page.wait_for_selector("article.document p")
    text = page.inner_text("article.document p")
    check("the document shows its text as written", text == 'Hello <b>world</b> & "friends"', text)
    check("no element came from the document's text", page.locator("article.document b").count() == 0)
    page.screenshot(path=f"{shots}/document.png")

    # A reload keeps the session (sessionStorage) on the same path.
    page.reload()
    page.wait_for_selector("article.document p")
    check("a reload stays signed in", page.url.endswith("/d/notes"), page.url)

    # A document alice may not read: the server's reason, not its content.
    page.goto(url + "/d/secret/plans")
    page.wait_for_selector("p.error")
    check("a document without access shows why", "may not read" in page.inner_text("p.error"))
    check("and nothing of it", "top secret" not in page.content())

    # No request carried the token in its URL.
    check("no URL requested held the token", not any(alice in r for r in requests[1:]), str([r for r in requests if alice in r][:2]))

    # Signing out forgets the token.
    page.click("#sign-out")
    page.wait_for_selector("form.sign-in")
    check("signing out forgets the token", page.evaluate("sessionStorage.getItem('collab.token')") is None)

    # A token for someone with no grants: an empty list, said so.
    page.goto(url + "/#token=" + mallory)
    page.wait_for_selector("p.notice")
    check("no documents is said plainly", "No documents" in page.inner_text("p.notice"))

    # A bad token: back to the sign-in form with the server's reason.
    page.evaluate("sessionStorage.setItem('collab.token', 'not-a-token')")
    page.goto(url + "/")
    page.wait_for_selector("form.sign-in")
    check("a bad token is refused with a reason", page.locator("p.error").count() == 1)

    # The 403 and 401 above are the answers the page was meant to get; nothing else may fail.
    unexpected = [p for p in problems if not ("status of 403" in p or "status of 401" in p)]
    check("no script errors, policy violations or missing files", not unexpected, str(unexpected))
    browser.close()

sys.exit(1 if failures else 0)
