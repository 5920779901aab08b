"""What the browser tests share: Debian's chromium for Playwright (its own browser
download cannot work here), and checks that print a line each and are counted."""
import sys

failures = []


def launch(playwright):
    return playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + (f": {detail}" if detail and not ok else ""))
    if not ok:
        failures.append(name)


def finish():
    sys.exit(1 if failures else 0)
