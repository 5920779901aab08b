#!/usr/bin/env python3
"""The pages of `collab serve` in a real browser (headless Chromium from Debian, driven
by Playwright for Python with the system browser's executable; docs/web.md).

   pages.py URL SCREENSHOTS_DIR alice=TOKEN bob=TOKEN vic=TOKEN mallory=TOKEN

The server at URL holds notes (alice owns it, bob edits it, vic views it; its text looks
like markup), rich (samples/rich.jsonl, alice's) and secret/plans (alice has no access);
mallory has no grants. Prints one line per check and exits 1 when any fails. Run by
CollabServerTests/WebPageTests.
"""
import sys
from checks import check, finish, launch
from playwright.sync_api import expect, sync_playwright

url, shots = sys.argv[1:3]
tokens = dict(argument.split("=", 1) for argument in sys.argv[3:])
alice, mallory = tokens["alice"], tokens["mallory"]

with sync_playwright() as p:
    browser = launch(p)
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
    check("the list holds alice's documents with her level", any("notes" in i and "owner" in i for i in items), str(items))
    check("the list leaves out what alice may not read", not any("secret/plans" in i for i in items), str(items))
    check("the token left the address bar", "token" not in page.url, page.url)
    check("the token is kept in sessionStorage", page.evaluate("sessionStorage.getItem('collab.token')") == alice)
    page.screenshot(path=f"{shots}/documents.png")

    # A document opens from the list; markup-looking text stays text.
    page.click("a[href='/d/notes']")
    page.wait_for_selector("#state[data-state='connected']")
    text = page.inner_text("#editor")
    check("the document shows its text as written", text == 'Hello <b>world</b> & "friends"', text)
    check("no element came from the document's text", page.locator("#editor b").count() == 0)
    page.screenshot(path=f"{shots}/document.png")

    # A reload keeps the session (sessionStorage) on the same path.
    page.reload()
    page.wait_for_selector("#state[data-state='connected']")
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

    # Two editors on one document, and a viewer: typing in either reaches both and the
    # viewer, and the server holds what they show.
    pages = {}
    for user in ["alice", "bob", "vic"]:
        other = browser.new_page()
        other.on("pageerror", lambda error: problems.append(str(error)))
        other.goto(url + "/d/notes#token=" + tokens[user])
        other.wait_for_selector("#state[data-state='connected']")
        pages[user] = other
    check("a viewer's editor is not editable", pages["vic"].get_attribute("#editor", "contenteditable") == "false")
    check("an editor's is", pages["bob"].get_attribute("#editor", "contenteditable") == "plaintext-only")
    pages["alice"].click("#editor")
    pages["alice"].keyboard.press("End")
    pages["alice"].keyboard.type(" from alice")
    # (Playwright's own waiting: the page's policy forbids evaluating strings, rightly.)
    expect(pages["bob"].locator("#editor")).to_have_text('Hello <b>world</b> & "friends" from alice')
    pages["bob"].click("#editor")
    pages["bob"].keyboard.press("Home")
    pages["bob"].keyboard.type("Bob: ")
    pages["bob"].keyboard.press("End")
    pages["bob"].keyboard.press("Backspace")
    expected = 'Bob: Hello <b>world</b> & "friends" from alic'
    for user, other in pages.items():
        expect(other.locator("#editor")).to_have_text(expected, timeout=10000)
    texts = {user: other.inner_text("#editor") for user, other in pages.items()}
    check("two editors and a viewer converge", len(set(texts.values())) == 1 and texts["vic"] == expected, str(texts))
    pages["vic"].keyboard.type("x")
    check("the viewer's typing changes nothing", pages["vic"].inner_text("#editor") == expected)
    pages["alice"].screenshot(path=f"{shots}/co-editing.png")
    served = pages["alice"].evaluate(
        "fetch('/api/v2/documents/notes', {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('collab.token')}}).then(r => r.json())")
    check("the server holds what they show", "Bob: Hello &lt;b&gt;world&lt;/b&gt; &amp; &quot;friends&quot; from alic" in served["html"], served["html"])

    # Rich text the browser's engine does not hold yet: shown as the server renders it.
    rich = pages["alice"]
    rich.goto(url + "/d/rich")
    rich.wait_for_selector("article.document")
    check("rich text falls back to the server's rendering", "read-only" in rich.inner_text("p.notice") and rich.locator("article.document li").count() > 0)

    # The 403 and 401 above are the answers the page was meant to get; nothing else may fail.
    unexpected = [p for p in problems if not ("status of 403" in p or "status of 401" in p)]
    check("no script errors, policy violations or missing files", not unexpected, str(unexpected))
    browser.close()

finish()
