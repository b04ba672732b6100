"""tests/serve_browser.py - the page of `fakejob serve` in a real browser (headless Chromium
through chromium-driver and Selenium): a Chinese and an English posting submitted from the
form show a verdict, flags and evidence highlighted in place; a posting made of HTML and script
shows as text and executes nothing; a screenshot is saved (tests/artifacts/serve-page.png).

Exit 77 (skipped) when chromium, chromedriver or python3-selenium is not installed. Run by
tests/serve_browser.sh with FAKEJOB_CLI and FAKEJOB_SRCDIR set.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
CLI = os.environ.get("FAKEJOB_CLI", "./fakejob")
ARTIFACTS = os.environ.get("FAKEJOB_ARTIFACTS", os.path.join("tests", "artifacts"))

try:
    from selenium import webdriver
    from selenium.common.exceptions import NoAlertPresentException, TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    print("SKIP: python3-selenium is not installed")
    sys.exit(SKIP)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
if not CHROMIUM or not DRIVER:
    print("SKIP: chromium and chromium-driver are not installed")
    sys.exit(SKIP)

ZH = {"title": "手机打字员 在家兼职 日结",
      "company": "某某科技有限公司",
      "description": "在家用手机打字，每天一小时，日结300元。入职前需缴纳培训费168元，加微信：abc_8888 了解详情。"}
EN = {"title": "Work from home data entry",
      "company": "Global Solutions Inc",
      "description": "Earn $900 per week from home typing forms. You must pay a $75 registration fee "
                     "for the training kit before you start. Contact us on WhatsApp +1 (555) 010-4477, "
                     "only a few spots left!"}
XSS = {"title": "<img src=x onerror=\"window.__xss=1;alert(1)\">",
       "company": "\"><svg onload=\"window.__xss=2\">",
       "description": "<script>window.__xss=3;alert(3)</script> Apply now <b>bold</b> "
                      "<iframe src=\"javascript:window.__xss=4\"></iframe> pay the deposit first"}


def start_server(tmp):
    log = open(os.path.join(tmp, "serve.log"), "w+b")
    proc = subprocess.Popen([CLI, "serve", "--listen", "127.0.0.1:0", "--threads", "1"],
                            stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 60
    while time.time() < deadline:
        with open(log.name, "rb") as f:
            m = re.search(rb'"event":"listening","address":"([^"]+)"', f.read())
        if m:
            return proc, log, "http://" + m.group(1).decode()
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise SystemExit("FAIL: the service did not start")


def browser(tmp):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--no-first-run", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--window-size=1280,1400",
              "--user-data-dir=" + os.path.join(tmp, "profile")):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service(DRIVER), options=opts)


def fill(d, posting):
    for f in ("title", "company", "description"):
        e = d.find_element(By.ID, f)
        e.clear()
        e.send_keys(posting.get(f, ""))


def submit(d):
    before = int(d.find_element(By.TAG_NAME, "body").get_attribute("data-scored") or 0)
    d.find_element(By.ID, "submit").click()
    WebDriverWait(d, 30).until(
        lambda d: int(d.find_element(By.TAG_NAME, "body").get_attribute("data-scored") or 0) > before
        or d.find_element(By.ID, "error").text)
    err = d.find_element(By.ID, "error").text
    if err:
        raise AssertionError("the page shows an error: " + err)


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def no_alert(d):
    try:
        text = d.switch_to.alert.text
    except NoAlertPresentException:
        return
    raise AssertionError("an alert was opened: %r" % text)


def check_scored(d, posting, verdicts):
    verdict = d.find_element(By.ID, "verdict")
    expect(verdict.get_attribute("class") in verdicts, "verdict %r" % verdict.get_attribute("class"))
    expect(verdict.text.strip(), "no verdict text")
    marks = d.find_elements(By.CSS_SELECTOR, "#posting mark")
    expect(marks, "no evidence is highlighted")
    shown = d.find_element(By.ID, "posting").text
    for m in marks:
        expect(m.text and m.text in shown, "a highlight outside the posting text")
    # the highlights are pieces of what was typed, in place
    typed = " ".join(posting.values())
    expect(any(m.text in typed for m in marks), "highlights are not the posting's words")
    flags = d.find_elements(By.CSS_SELECTOR, "#flags li")
    expect(flags and flags[0].text, "no red flags listed")
    return marks, flags


def main():
    tmp = tempfile.mkdtemp(prefix="fj-browser-")
    proc, log, url = start_server(tmp)
    d = None
    try:
        d = browser(tmp)
        d.set_page_load_timeout(30)
        d.get(url + "/")
        WebDriverWait(d, 20).until(lambda d: d.find_element(By.ID, "submit").text)
        # Chinese UI, Chinese posting
        d.find_element(By.ID, "lang-zh").click()
        expect(d.find_element(By.ID, "submit").text == "检测", "the Chinese UI")
        fill(d, ZH)
        submit(d)
        marks, flags = check_scored(d, ZH, ("fraud", "suspicious"))
        expect(any("付费" in f.text for f in flags), "the fee flag's Chinese label: %r" % [f.text for f in flags])
        expect(any("培训费" in m.text for m in marks), "the fee is highlighted: %r" % [m.text for m in marks])
        reasons = [c.text for c in d.find_elements(By.CSS_SELECTOR, "#reasons td")]
        expect(any("要求求职者付费" in c for c in reasons), "the fee reason's Chinese label: %r" % reasons)
        expect(not any(" / " in c for c in reasons), "a reason shown in both languages: %r" % reasons)
        print("PASS: Chinese posting: %s, %d highlights, %d flags" % (
            d.find_element(By.ID, "verdict").text, len(marks), len(flags)))
        # English UI, English posting
        d.find_element(By.ID, "lang-en").click()
        expect(d.find_element(By.ID, "submit").text == "Check", "the English UI")
        fill(d, EN)
        submit(d)
        marks, flags = check_scored(d, EN, ("fraud", "suspicious"))
        expect(any("Asks the applicant to pay" in f.text for f in flags), "the fee flag's English label")
        reasons = [c.text for c in d.find_elements(By.CSS_SELECTOR, "#reasons td")]
        expect(any(c.startswith("Asks the applicant to pay") for c in reasons),
               "the fee reason's English label: %r" % reasons)
        print("PASS: English posting: %s, %d highlights, %d flags" % (
            d.find_element(By.ID, "verdict").text, len(marks), len(flags)))
        os.makedirs(ARTIFACTS, exist_ok=True)
        shot = os.path.abspath(os.path.join(ARTIFACTS, "serve-page.png"))
        d.save_screenshot(shot)
        print("screenshot: %s" % shot)
        # hostile posting: shown as text, nothing runs
        d.execute_script("window.__xss = undefined;")
        fill(d, XSS)
        submit(d)
        time.sleep(0.5)
        no_alert(d)
        expect(d.execute_script("return window.__xss;") is None, "script from the posting ran")
        shown = d.find_element(By.ID, "posting").text
        expect("<script>window.__xss=3;alert(3)</script>" in shown, "the script tag is not shown as text")
        expect("<img src=x onerror=" in shown, "the img tag is not shown as text")
        for tag in ("img", "script", "svg", "iframe", "b"):
            expect(not d.find_elements(By.CSS_SELECTOR, "#result " + tag), "a <%s> element was created" % tag)
        d.save_screenshot(os.path.join(ARTIFACTS, "serve-page-xss.png"))
        print("PASS: hostile posting shown as text, nothing executed")
        return 0
    except (AssertionError, TimeoutException) as e:
        print("FAIL: %s" % e)
        if d:
            os.makedirs(ARTIFACTS, exist_ok=True)
            d.save_screenshot(os.path.join(ARTIFACTS, "serve-page-failure.png"))
        return 1
    finally:
        if d:
            d.quit()
        proc.terminate()
        rc = proc.wait(30)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)
        if rc != 0:
            print("FAIL: the service exited with %d" % rc)


if __name__ == "__main__":
    sys.exit(main())
