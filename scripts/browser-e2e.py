"""End-to-end test of the web application in headless Chromium (selenium, offline).

Two controleurs and a superviseur log in through the login page; claire pulls a dossier with the
keyboard shortcut `n` and closes it with an indu, marc pulls one and closes it overriding the
selection with a reason; claire cannot open marc's item by its URL; the superviseur's dashboard
shows both closes and marc's reason. Screenshots of claire's dossier page on a phone-sized window
and of the dashboard are written to OUTPUT.

Usage: python browser-e2e.py BASE_URL PASSWORD OUTPUT_DIR
Exit status 0 when every check holds; each failed check is printed.
"""
import os
import sys

os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not reach the network.
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

base, password, output = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def browser(width, height):
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={width},{height}"):
        options.add_argument(flag)
    binary = "/usr/bin/chromium"
    if os.path.exists(binary):
        options.binary_location = binary
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def login(driver, user):
    driver.get(base + "/connexion")
    driver.find_element(By.ID, "user").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password + Keys.ENTER)
    WebDriverWait(driver, 10).until(lambda d: "/connexion" not in d.current_url)


def pull_with_keyboard(driver):
    driver.get(base + "/dossiers")
    driver.find_element(By.TAG_NAME, "body").send_keys("n")
    WebDriverWait(driver, 10).until(lambda d: "/dossiers/" in d.current_url)
    return driver.current_url


def close(driver, indu, months, judgement, reason=""):
    driver.find_element(By.ID, "indu").send_keys(indu)
    if months:
        driver.find_element(By.ID, "induMonths").send_keys(months)
    driver.find_element(By.CSS_SELECTOR, f"input[name=judgement][value={judgement}]").click()
    if reason:
        driver.find_element(By.ID, "reason").send_keys(reason)
    driver.find_element(By.CSS_SELECTOR, "form[action$=cloture] button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: "message=clos" in d.current_url or "contient des erreurs" in d.page_source)


# The server may still be starting.
import time
import urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(base + "/connexion", timeout=1)
        break
    except Exception:
        time.sleep(0.2)

claire, marc, sophie = browser(800, 900), browser(1280, 900), browser(1280, 1400)
# A phone: headless Chromium keeps windows at least 500 px wide, so the 375 px viewport is emulated.
claire.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 375, "height": 812, "deviceScaleFactor": 2, "mobile": True})
try:
    for driver, user in ((claire, "claire"), (marc, "marc"), (sophie, "sophie")):
        login(driver, user)
    check(claire.current_url.endswith("/dossiers"), "a controleur lands on Mes dossiers")
    check(sophie.current_url.endswith("/tableau"), "a superviseur lands on the dashboard")
    cookie = claire.get_cookie("__Host-ciblage-session")
    check(cookie is not None and cookie["httpOnly"] and cookie["secure"] and cookie.get("sameSite") == "Strict",
          "the session cookie is __Host-, HttpOnly, Secure, SameSite=Strict")

    claire_item = pull_with_keyboard(claire)
    page = claire.page_source
    check("Pourquoi ce dossier" in page and "R311-3-1-2" in page and "Bail restant" in page,
          "the dossier page shows the reasons, the R311-3-1-2 notice and the lease")
    width = claire.execute_script("return document.documentElement.scrollWidth")
    check(width <= 375, f"the dossier page fits a 375 px window (scroll width {width})")
    os.makedirs(output, exist_ok=True)
    claire.save_screenshot(os.path.join(output, "dossier-375px.png"))
    claire.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 375, "height": 2000, "deviceScaleFactor": 1, "mobile": True})
    claire.save_screenshot(os.path.join(output, "dossier-375px-full.png"))
    claire.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 375, "height": 812, "deviceScaleFactor": 2, "mobile": True})

    # A refused form names its field, then the close goes through.
    close(claire, "-5", "", "agree")
    check("le montant ne peut pas être négatif" in claire.page_source, "a negative indu is refused with the field named")
    claire.get(claire_item)
    close(claire, "1250", "7", "agree")
    check("Dossier clôturé" in claire.page_source, "claire closes her dossier")

    marc_item = pull_with_keyboard(marc)
    close(marc, "0", "", "override", "Dossier déjà régularisé <b>hier</b>")
    check("Dossier clôturé" in marc.page_source, "marc closes his dossier, overriding the selection")

    claire.get(marc_item)
    check("Introuvable" in claire.page_source and "Dossier D" not in claire.page_source,
          "claire cannot open marc's item by its URL (404)")

    sophie.get(base + "/tableau")
    page = sophie.page_source
    check("Dossier déjà régularisé &lt;b&gt;hier&lt;/b&gt;" in page, "the dashboard lists marc's override, its reason escaped")
    check("claire" in page and "marc" in page, "the dashboard shows each controller's workload")
    sophie.get(base + "/tableau?vue=euros")
    check("1\u202f250,00\u00a0€" in sophie.page_source or "1\u202f250,00 €" in sophie.page_source, "the euros view counts claire's indu")
    sophie.save_screenshot(os.path.join(output, "tableau.png"))
finally:
    for driver in (claire, marc, sophie):
        driver.quit()

print(f"{len(failures)} failed check(s)")
sys.exit(1 if failures else 0)
