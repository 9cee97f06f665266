"""The staff pages in a real browser (headless Chromium through Selenium),
run by browser_pages.sh against a server it started.  Prints TAP lines
("ok - ...", "not ok - ...") and exits 1 when a step failed.

Environment: URL (the server), CASE_A, NAME (the person of case A), KANA,
J (the journal), SHOTS (where screenshots go), OYAKO_TODAY (pinned).
"""
import json
import os
import subprocess
import sys
import tempfile
import traceback

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

URL = os.environ["URL"]
CASE_A = os.environ["CASE_A"]
NAME = os.environ["NAME"]
KANA = os.environ["KANA"]
J = os.environ["J"]
SHOTS = os.environ["SHOTS"]
failed = 0


def step(name):
    """Runs the decorated function as one TAP test."""
    def run(fn):
        global failed
        try:
            fn()
            print(f"ok - {name}", flush=True)
        except Exception:
            failed += 1
            print(f"not ok - {name}", flush=True)
            for line in traceback.format_exc().splitlines()[-12:]:
                print(f"#   {line}", flush=True)
        return fn
    return run


def export():
    """The case's stream: the page views add person.accessed events
    elsewhere (access:ACTOR), which is as it should be."""
    return subprocess.run(["oyako", "-J", J, "export", "--stream", "case:" + CASE_A], check=True,
                          capture_output=True, text=True).stdout


def shot(d, name):
    d.save_screenshot(os.path.join(SHOTS, name + ".png"))


def no_page_overflow(d, what):
    """At 200% zoom (a 640 px wide window stands for 1280 px), the page
    itself never scrolls sideways: wide tables scroll in their own box."""
    w = d.execute_script("return document.documentElement.scrollWidth")
    inner = d.execute_script("return window.innerWidth")
    assert w <= inner, f"{what}: the page is {w}px wide in a {inner}px window"


def wait_url(d, url):
    """A click that posts a form returns before the next page is there."""
    WebDriverWait(d, 20).until(EC.url_to_be(url))


def wait_id(d, ident):
    return WebDriverWait(d, 20).until(EC.presence_of_element_located((By.ID, ident)))


def sign_in(d, name):
    d.delete_all_cookies()	# whatever a failed step before left
    d.get(URL + "/login")
    d.find_element(By.ID, "name").send_keys(name)
    d.find_element(By.ID, "password").send_keys(name + "-password")
    d.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]").click()
    WebDriverWait(d, 20).until(lambda d: not d.current_url.endswith("/login"))


def sign_out(d):
    d.find_element(By.CSS_SELECTOR, "form[action='/logout'] button").click()
    wait_url(d, URL + "/login")


def myday_row(d):
    rows = d.find_elements(By.CSS_SELECTOR, f"#myday tr[data-case='{CASE_A}']")
    assert len(rows) == 1, "case A is not on my day"
    return rows[0]


def main():
    opts = Options()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run",
              "--user-data-dir=" + tempfile.mkdtemp(prefix="chromium-", dir=os.environ["TMP"]),
              "--window-size=640,900", "--lang=en-US"):
        opts.add_argument(a)
    opts.binary_location = "/usr/bin/chromium"
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    d.set_page_load_timeout(30)
    try:
        run_steps(d)
    finally:
        d.quit()


def run_steps(d):
    @step("a coordinator signs in and sees her day: her family by name, the flag and why")
    def _():
        sign_in(d, "c01")
        assert d.current_url == URL + "/", d.current_url
        shot(d, "myday")
        row = myday_row(d)
        assert NAME in row.text, row.text
        assert "No happy baby contact" in row.text, row.text
        assert "no happy baby contact within 90 days" in row.text, row.text
        no_page_overflow(d, "my day")

    @step("she records a happy baby visit through the form; it is in the history")
    def _():
        before = export()
        myday_row(d).find_element(By.CSS_SELECTOR, "a").click()
        wait_url(d, f"{URL}/cases/{CASE_A}")
        assert NAME in d.find_element(By.ID, "person").text
        shot(d, "case")
        no_page_overflow(d, "the case page")
        form = d.find_element(By.ID, "form-happybaby.contact")
        form.find_element(By.XPATH, "..").find_element(By.TAG_NAME, "summary").click()
        date = d.find_element(By.ID, "f-happybaby-contact-occurred")
        assert date.get_attribute("max") == os.environ["OYAKO_TODAY"]
        assert date.get_attribute("required") is not None
        d.execute_script("arguments[0].value = '2025-09-30'", date)
        Select(d.find_element(By.ID, "f-happybaby-contact-mode")).select_by_value("home")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_url(d, f"{URL}/cases/{CASE_A}?recorded=1")
        assert wait_id(d, "notice").is_displayed()
        rows = d.find_elements(By.CSS_SELECTOR, "#history tr[data-type='happybaby.contact']")
        assert len(rows) == 1 and "2025-09-30" in rows[0].text and "c01" in rows[0].text, \
            [r.text for r in rows]
        new = export()[len(before):].splitlines()
        assert len(new) == 1, new
        ev = json.loads(new[0])
        assert ev["type"] == "happybaby.contact" and ev["actor"] == "c01" \
            and ev["data"] == {"mode": "home"} and ev["occurred"] == "2025-09-30", ev
        shot(d, "case-recorded")

    @step("the no-happybaby flag is gone from her day")
    def _():
        d.find_element(By.LINK_TEXT, "My day").click()
        wait_url(d, URL + "/")
        row = myday_row(d)
        assert "No happy baby contact" not in row.text, row.text
        shot(d, "myday-after")

    @step("a date later than today: the browser refuses it, and so does the server, at the field; nothing stored")
    def _():
        before = export()
        d.get(f"{URL}/cases/{CASE_A}")
        form = d.find_element(By.ID, "form-interview.8month")
        d.execute_script("arguments[0].parentNode.open = true", form)
        date = d.find_element(By.ID, "f-interview-8month-occurred")
        d.execute_script("arguments[0].value = '2099-01-01'", date)
        Select(d.find_element(By.ID, "f-interview-8month-mode")).select_by_value("group")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        # The browser's own check (max=today) keeps the form here.
        assert d.current_url == f"{URL}/cases/{CASE_A}", d.current_url
        assert d.execute_script("return arguments[0].validity.rangeOverflow", date)
        # A browser without the check: the server says the same, next to the field.
        d.execute_script("arguments[0].noValidate = true", form)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_url(d, f"{URL}/cases/{CASE_A}/events")
        err = wait_id(d, "f-interview-8month-occurred-err")
        assert "later than today" in err.text, err.text
        date = d.find_element(By.ID, "f-interview-8month-occurred")
        assert date.get_attribute("aria-invalid") == "true"
        assert date.get_attribute("aria-describedby") == "f-interview-8month-occurred-err"
        # The message sits in the form, right before its field.
        assert d.execute_script("return arguments[0].nextElementSibling === arguments[1]", err, date)
        assert d.find_element(By.ID, "form-errors").is_displayed()
        assert export() == before
        shot(d, "case-error")
        sign_out(d)

    @step("an auditor sees no names anywhere")
    def _():
        sign_in(d, "a1")
        for path, name in (("/", "auditor-myday"), ("/risk", "auditor-risk"),
                           (f"/cases/{CASE_A}", "auditor-case")):
            d.get(URL + path)
            shot(d, name)
            src = d.page_source
            assert NAME not in src and KANA not in src, path
            assert not d.find_elements(By.ID, "person"), path
        sign_out(d)

    @step("the annual page's numbers are those of oyako annual --format json, with charts and downloads")
    def _():
        sign_in(d, "ad")
        d.get(URL + "/annual?fy=2025")
        shot(d, "annual")
        no_page_overflow(d, "the annual page")
        want = json.loads(subprocess.run(["oyako", "annual", "-J", J, "--fy", "2025", "--format", "json"],
                                         check=True, capture_output=True, text=True).stdout)
        flat = {"handbook_meetings": want["handbook_meetings"], "checkups_held": want["checkups_held"]}
        for k in ("interviews_8month", "happybaby"):
            for mode, n in want[k].items():
                flat[f"{k}.{mode}"] = n
        for room in want["maternity_classes"]:
            for m in ("groups", "participants", "couples"):
                flat[f"maternity_classes.{room['room']}.{m}"] = room[m]
        got = {e.get_attribute("data-key"): int(e.text)
               for e in d.find_elements(By.CSS_SELECTOR, "[data-key]")}
        assert got == flat, (got, flat)
        assert want["happybaby"]["home"] == 1, want
        assert len(d.find_elements(By.CSS_SELECTOR, "figure.chart svg")) == 3
        for kind in ("html", "xlsx", "csv"):
            link = d.find_element(By.ID, "dl-" + kind)
            assert link.get_attribute("href") == f"{URL}/download/annual.{kind}?fy=2025"


if __name__ == "__main__":
    try:
        main()
    except Exception:
        failed += 1
        print("not ok - the browser session", flush=True)
        for line in traceback.format_exc().splitlines()[-12:]:
            print(f"#   {line}", flush=True)
    sys.exit(1 if failed else 0)
