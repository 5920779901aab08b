#!/usr/bin/env python3
"""The pages of `collab serve` in a real browser (headless Chromium from Debian, driven
by Playwright for Python with the system browser's executable; docs/web.md).

   pages.py URL SCREENSHOTS_DIR alice=TOKEN bob=TOKEN carol=TOKEN vic=TOKEN mallory=TOKEN

The server at URL holds notes (alice owns it, bob edits it, carol comments on it, vic
views it; its text looks like markup), rich (samples/rich.jsonl, alice's), old (alice's,
its history compacted) and secret/plans (alice has no access; bob owns secret/); mallory
has no grants. Prints one line per check and exits 1 when any fails. Run by
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

    # Two editors on one document, a commenter and a viewer: typing in either editor
    # reaches everyone, and the server holds what they show.
    pages = {}
    for user in ["alice", "bob", "carol", "vic"]:
        other = browser.new_page()
        other.on("pageerror", lambda error: problems.append(str(error)))
        other.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        other.goto(url + "/d/notes#token=" + tokens[user])
        other.wait_for_selector("#state[data-state='connected']")
        pages[user] = other
    alice_page, bob_page, carol_page, vic_page = (pages[user] for user in ["alice", "bob", "carol", "vic"])
    check("a viewer's editor is not editable", vic_page.get_attribute("#editor", "contenteditable") == "false")
    check("nor a commenter's", carol_page.get_attribute("#editor", "contenteditable") == "false")
    check("an editor's is", bob_page.get_attribute("#editor", "contenteditable") == "true")
    alice_page.click("#editor")
    alice_page.keyboard.press("End")
    alice_page.keyboard.type(" from alice")
    # (Playwright's own waiting: the page's policy forbids evaluating strings, rightly.)
    expect(bob_page.locator("#editor")).to_have_text('Hello <b>world</b> & "friends" from alice')
    bob_page.click("#editor")
    bob_page.keyboard.press("Home")
    bob_page.keyboard.type("Bob: ")
    bob_page.keyboard.press("End")
    bob_page.keyboard.press("Backspace")
    expected = 'Bob: Hello <b>world</b> & "friends" from alic'
    for user, other in pages.items():
        expect(other.locator("#editor")).to_have_text(expected, timeout=10000)
    texts = {user: other.inner_text("#editor") for user, other in pages.items()}
    check("two editors, a commenter and a viewer converge", len(set(texts.values())) == 1 and texts["vic"] == expected, str(texts))
    vic_page.keyboard.type("x")
    check("the viewer's typing changes nothing", vic_page.inner_text("#editor") == expected)

    # Where the others are: bob's caret, with his name, on alice's page; everyone listed.
    expect(alice_page.locator(".remote-caret[data-user='bob'] .remote-name")).to_have_text("bob", timeout=10000)
    check("a remote caret shows with its user's name", alice_page.locator(".remote-caret[data-user='bob']").is_visible())
    expect(alice_page.locator("#people li")).to_have_count(4, timeout=10000)
    people = alice_page.locator("#people li").all_inner_texts()
    check("who is here lists everyone", all(any(name in entry for entry in people) for name in ["alice (you)", "bob", "carol", "vic"]), str(people))
    alice_page.screenshot(path=f"{shots}/co-editing.png")
    served = alice_page.evaluate(
        "fetch('/api/v2/documents/notes', {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('collab.token')}}).then(r => r.json())")
    check("the server holds what they show", "Bob: Hello &lt;b&gt;world&lt;/b&gt; &amp; &quot;friends&quot; from alic" in served["html"], served["html"])

    # Formatting by keyboard: alice selects "Hello" and presses Ctrl+B; a new block by
    # Enter, made a heading with Ctrl+Alt+1.
    alice_page.click("#editor")
    alice_page.keyboard.press("Home")
    for _ in range(5):
        alice_page.keyboard.press("ArrowRight")
    for _ in range(5):
        alice_page.keyboard.press("Shift+ArrowRight")
    alice_page.keyboard.press("Control+b")
    expect(bob_page.locator("#editor strong")).to_have_text("Hello", timeout=10000)
    # Ctrl+K makes a link of the selection: only to a safe address.
    alice_page.once("dialog", lambda dialog: dialog.accept("javascript:alert(1)"))
    alice_page.keyboard.press("Control+k")
    expect(alice_page.locator("p.error")).to_contain_text("Not a link", timeout=10000)
    alice_page.once("dialog", lambda dialog: dialog.accept("https://example.com/hello"))
    alice_page.keyboard.press("Control+k")
    expect(bob_page.locator("#editor a[href='https://example.com/hello']")).to_have_text("Hello", timeout=10000)
    check("an unsafe link is refused, a safe one made", bob_page.locator("#editor a").count() == 1)
    alice_page.keyboard.press("End")
    alice_page.keyboard.press("Enter")
    alice_page.keyboard.type("Agenda")
    alice_page.keyboard.press("Control+Alt+1")
    expect(bob_page.locator("#editor h1")).to_have_text("Agenda", timeout=10000)
    alice_page.keyboard.press("Control+Alt+1")  # again: nothing changes, it is a heading
    alice_page.keyboard.press("Enter")
    alice_page.keyboard.type("first")
    alice_page.keyboard.press("Control+Shift+8")
    alice_page.keyboard.press("Enter")
    alice_page.keyboard.type("second")
    expect(carol_page.locator("#editor .list-item.bullet")).to_have_text(["first", "second"], timeout=10000)
    # (Text read as the DOM holds it, not as laid out: blocks off screen skip layout.)
    check("Enter in a list item makes another", carol_page.locator("#editor .list-item").all_text_contents() == ["first", "second"],
          str(carol_page.locator("#editor .list-item").all_text_contents()))
    bob_page.screenshot(path=f"{shots}/formatting.png")
    served = alice_page.evaluate(
        "fetch('/api/v2/documents/notes', {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('collab.token')}}).then(r => r.json())")
    check("the server holds the formatting", '<strong><a href="https://example.com/hello">Hello</a></strong>' in served["html"] and "<h1>Agenda</h1>" in served["html"]
          and "<li>first</li>" in served["html"], served["html"])

    # A comment round trip: carol (a commenter) comments on "Agenda", alice replies, carol
    # resolves it; the viewer sees it all and may do none of it.
    carol_page.locator("#editor h1").select_text()
    carol_page.once("dialog", lambda dialog: dialog.accept("Which agenda?"))
    carol_page.click(".toolbar [data-command=comment]")
    expect(alice_page.locator("ol.threads .thread")).to_have_count(1, timeout=10000)
    expect(alice_page.locator("ol.threads .thread blockquote")).to_have_text("Agenda")
    expect(alice_page.locator("#editor h1 mark")).to_have_text("Agenda")
    alice_page.fill("ol.threads .thread input[name=reply]", "The one for Monday.")
    alice_page.click("ol.threads .thread button:has-text('Reply')")
    expect(carol_page.locator("ol.threads .thread .comment")).to_have_count(2, timeout=10000)
    check("the reply reaches the commenter", "The one for Monday." in carol_page.inner_text("ol.threads .thread"))
    carol_page.screenshot(path=f"{shots}/comments.png")
    carol_page.click("ol.threads .thread button.resolve")
    expect(alice_page.locator("ol.threads .thread.resolved button.resolve")).to_have_text("Reopen", timeout=10000)
    expect(vic_page.locator("ol.threads .thread.resolved")).to_have_count(1, timeout=10000)
    check("a viewer gets no reply box", vic_page.locator("ol.threads input[name=reply]").count() == 0)
    check("nor a comment button", vic_page.locator(".toolbar [data-command=comment]").is_disabled())
    served = alice_page.evaluate(
        "fetch('/api/v2/documents/notes', {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('collab.token')}}).then(r => r.json())")
    check("the server holds the comment", 'data-comment="carol' in served["html"], served["html"])

    # History: alice names this version, bob types on, alice views the version and the
    # changes since, then restores it; everyone converges on it and the server holds it.
    alice_page.click("button.tab[data-tab=history]")
    alice_page.fill("section.history input[name=tag]", "reviewed")
    alice_page.click("section.history button:has-text('Tag')")
    expect(alice_page.locator("ol.versions li strong")).to_have_text(["reviewed"], timeout=10000)
    before = bob_page.locator("#editor > *").all_text_contents()
    bob_page.click("#editor h1")
    bob_page.keyboard.press("End")
    bob_page.keyboard.type(" draft")
    expect(alice_page.locator("#editor h1")).to_have_text("Agenda draft", timeout=10000)
    alice_page.click("ol.versions li button:has-text('View')")
    expect(alice_page.locator(".version-view h1")).to_have_text("Agenda", timeout=10000)
    check("a version shows as it was", "draft" not in alice_page.inner_text(".version-view article"))
    alice_page.click("button:has-text('Back to editing')")
    alice_page.click("ol.versions li button:has-text('Changes since')")
    expect(alice_page.locator(".version-view ins")).to_have_text(" draft", timeout=10000)
    check("the diff says who inserted it", alice_page.get_attribute(".version-view ins", "data-author").startswith("bob/"))
    alice_page.screenshot(path=f"{shots}/history.png")
    alice_page.click("button:has-text('Back to editing')")
    alice_page.click("ol.versions li button:has-text('View')")
    alice_page.once("dialog", lambda dialog: dialog.accept())
    alice_page.click("button:has-text('Restore this version')")
    for other in [alice_page, bob_page, carol_page, vic_page]:
        expect(other.locator("#editor h1")).to_have_text("Agenda", timeout=10000)
    after = bob_page.locator("#editor > *").all_text_contents()
    check("a restore brings every page back to the version", after == before, str(after))
    served = alice_page.evaluate(
        "fetch('/api/v2/documents/notes', {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('collab.token')}}).then(r => r.json())")
    check("the server holds the restored version", "draft" not in served["html"] and "Agenda" in served["html"], served["html"])
    vic_page.click("button.tab[data-tab=history]")
    expect(vic_page.locator("ol.versions li")).to_have_count(1, timeout=10000)
    check("a viewer may not tag", vic_page.locator("section.history input[name=tag]").count() == 0)
    vic_page.click("ol.versions li button:has-text('View')")
    vic_page.wait_for_selector(".version-view article")
    check("nor restore", vic_page.locator("button:has-text('Restore this version')").count() == 0)

    # Sharing: alice (an owner) grants dan from the dialog and makes a viewer link with a
    # password; the link opens in a fresh browser once the password is given, read-only;
    # revoking it ends that page's session; the audit trail lists it all.
    alice_page.click("#share")
    dialog = alice_page.locator("dialog.share")
    dialog.locator("form.add input[name=user]").fill("dan")
    dialog.locator("form.add select[name=level]").select_option("viewer")
    dialog.locator("form.add button").click()
    expect(dialog.locator("tr[data-subject=dan]")).to_have_count(1, timeout=10000)
    check("a grant made in the dialog is in the access list", "viewer" in dialog.locator("tr[data-subject=dan] select").input_value())
    check("only owners get the dialog", bob_page.locator("#share").count() == 0)
    dialog.locator("form.make-link input[name=password]").fill("open sesame")
    dialog.locator("form.make-link button").click()
    expect(dialog.locator(".made-link input")).to_have_count(1, timeout=10000)
    link = dialog.locator(".made-link input").input_value()
    check("the dialog gives a link with its token in the fragment", link.startswith(url + "/d/notes#token="), link)
    alice_page.screenshot(path=f"{shots}/share-dialog.png")
    fresh_context = browser.new_context()
    fresh = fresh_context.new_page()
    fresh.on("pageerror", lambda error: problems.append(str(error)))
    fresh.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    fresh_requests = []
    fresh.on("request", lambda request: fresh_requests.append(request.url))
    fresh.goto(link)
    fresh.wait_for_selector("input#password")
    fresh.fill("input#password", "wrong")
    fresh.click("button:has-text('Open')")
    expect(fresh.locator("p.error")).to_contain_text("does not open", timeout=10000)
    fresh.fill("input#password", "open sesame")
    fresh.click("button:has-text('Open')")
    fresh.wait_for_selector("#state[data-state='connected']")
    expect(fresh.locator("#editor h1")).to_have_text("Agenda", timeout=10000)
    check("the link opens the document at the share's level", fresh.inner_text("#who") == "anyone · viewer", fresh.inner_text("#who"))
    check("read-only", fresh.get_attribute("#editor", "contenteditable") == "false")
    token = link.split("#token=")[1]
    check("the link's token was in no URL requested", not any(token in r for r in fresh_requests))
    fresh.screenshot(path=f"{shots}/link-share.png")
    dialog.locator("ul.links li[data-share] button").click()
    expect(fresh.locator("#state[data-state='closed']")).to_have_count(1, timeout=10000)
    check("revoking the link ends its session", fresh.locator("p.error").is_visible())
    audit = dialog.locator("ol.audit").inner_text()
    check("the audit trail lists the grant, the link and its revocation",
          "granted dan viewer" in audit and "made viewer link" in audit and "revoked link" in audit, audit)
    dialog.locator("button.close").click()
    fresh_context.close()

    # Text composed with an input method (as for Japanese): the page shows the composition
    # as the browser makes it, and takes it in where it started once it is committed.
    bob_page.click("#editor h1")
    bob_page.keyboard.press("End")
    ime = bob_page.context.new_cdp_session(bob_page)
    ime.send("Input.imeSetComposition", {"text": "にほ", "selectionStart": 2, "selectionEnd": 2})
    ime.send("Input.imeSetComposition", {"text": "日本", "selectionStart": 2, "selectionEnd": 2})
    ime.send("Input.insertText", {"text": "日本"})
    expect(alice_page.locator("#editor h1")).to_have_text("Agenda日本", timeout=10000)
    check("composed text is taken in where it was composed", bob_page.text_content("#editor h1") == "Agenda日本", bob_page.text_content("#editor h1"))
    ime.detach()

    # A new document: bob owns the folder secret/, so his list offers to make one there; it
    # opens empty, and his first keystrokes make it.
    bob_page.goto(url + "/")
    bob_page.wait_for_selector("form.new-document")
    bob_page.select_option("form.new-document select[name=folder]", "secret/")
    bob_page.fill("form.new-document input[name=name]", "new plan")
    bob_page.click("form.new-document button")
    bob_page.wait_for_selector("#editor[contenteditable=true]")
    bob_page.click("#editor")
    bob_page.keyboard.type("Draft")
    expect(bob_page.locator("#editor")).to_have_text("Draft")
    # Acknowledged means written: wait for the server to hold it before leaving the page.
    for _ in range(100):
        held = bob_page.evaluate(
            "fetch('/api/v2/documents/secret/new%20plan', {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('collab.token')}}).then(r => r.json())")
        if held.get("exists") and "Draft" in held.get("html", ""):
            break
        bob_page.wait_for_timeout(100)
    bob_page.goto(url + "/")
    expect(bob_page.locator("ul.documents a[href='/d/secret/new%20plan']")).to_have_count(1, timeout=10000)
    check("a new document is made by its first edit and listed", True)
    check("a viewer gets no new-document form", vic_page.goto(url + "/") is not None and vic_page.wait_for_selector("ul.documents") is not None
          and vic_page.locator("form.new-document").count() == 0)

    # The rich document (blocks, marks, comments, a moved block) in the editor.
    rich = alice_page
    rich.goto(url + "/d/rich")
    rich.wait_for_selector("#state[data-state='connected']")
    check("rich text opens in the editor", rich.locator("#editor h1").count() == 1 and rich.locator("#editor .list-item").count() == 2
          and rich.locator("#editor pre").count() == 1 and rich.locator("#editor strong").count() > 0)
    check("its link is a link", rich.get_attribute("#editor a", "href") == "https://example.com/blog")
    check("its comment thread is beside it", "Which Friday?" in rich.inner_text("ol.threads") and "The 29th." in rich.inner_text("ol.threads"))
    rich.screenshot(path=f"{shots}/rich.png")

    # A document whose history was compacted starts from a snapshot the page cannot read
    # yet: it is shown as the server renders it, read-only, saying why.
    rich.goto(url + "/d/old")
    rich.wait_for_selector("article.document")
    check("a compacted document falls back to the server's rendering", "Compacted notes, and more" in rich.inner_text("article.document")
          and "compacted" in rich.inner_text("p.error"), rich.inner_text("main"))

    # The 403 and 401 above are the answers the page was meant to get; nothing else may fail.
    unexpected = [p for p in problems if not ("status of 403" in p or "status of 401" in p)]
    check("no script errors, policy violations or missing files", not unexpected, str(unexpected))
    browser.close()

finish()
