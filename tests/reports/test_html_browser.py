"""The HTML report in a real headless Chromium: it renders, filters, and fetches nothing."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.findings import RunResult, Severity
from auditor.reports import html_report
from tests.reports.sample_runs import code_finding, many_findings_run, sample_runs

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is not installed (apt-get install chromium chromium-driver)",
    ),
    pytest.mark.timeout(180),
]

if CHROMIUM.exists():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.ui import Select

PAGE_LOAD_SECONDS = 30


def start_chromium(profile: Path, *, javascript: bool = True) -> WebDriver:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1280,1000",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    # an explicit driver path: Selenium Manager would otherwise try to download one
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(PAGE_LOAD_SECONDS)
    driver.set_script_timeout(10)
    return driver


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    profile = Path(tempfile.mkdtemp(prefix="dokeos-audit-chromium-"))
    driver = start_chromium(profile)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(html_report.render(sample_runs(), title="ACME integrations"), "utf-8")
    return path


def open_page(driver: WebDriver, path: Path) -> None:
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get_log("performance")
    driver.get(path.as_uri())


def visible_findings(driver: WebDriver) -> int:
    count: int = driver.execute_script(
        "return document.querySelectorAll('li.finding:not([hidden])').length"
    )
    return count


def requests_sent(driver: WebDriver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message: dict[str, Any] = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_the_report_renders_its_verdicts_with_its_own_styles(
    browser: WebDriver, report_file: Path
) -> None:
    open_page(browser, report_file)
    assert browser.title == "ACME integrations"
    rows = browser.find_elements(By.CSS_SELECTOR, "table.verdicts tbody tr")
    # the sample runs each have an unreadable input: every verdict says it is partial
    assert [r.find_element(By.CSS_SELECTOR, ".verdict").text for r in rows] == [
        "Needs work, partial",
        "Needs work, partial",
        "Needs work, partial",
        "Ready, partial",
        "Needs work, partial",
        "Needs work, partial",
        "Ready, partial",
        "Needs work, partial",
    ]
    # the inline stylesheet ran under the CSP (its hash is right): badges are coloured
    badge = browser.find_element(By.CSS_SELECTOR, ".verdict.v-needs-work")
    assert badge.value_of_css_property("background-color") == "rgba(253, 236, 234, 1)"
    assert browser.find_element(By.ID, "filters").is_displayed()  # the script ran too
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []


def test_the_report_fetches_nothing(browser: WebDriver, report_file: Path) -> None:
    open_page(browser, report_file)
    resources = browser.execute_script("return performance.getEntriesByType('resource').length")
    assert resources == 0
    assert requests_sent(browser) == [report_file.as_uri()]
    csp = browser.find_element(By.CSS_SELECTOR, "meta[http-equiv='Content-Security-Policy']")
    assert (csp.get_attribute("content") or "").startswith("default-src 'none';")


def test_hostile_content_stays_text(browser: WebDriver, report_file: Path) -> None:
    open_page(browser, report_file)
    browser.find_element(By.CSS_SELECTOR, "[data-action=expand]").click()
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.execute_script("return document.images.length") == 0
    assert browser.execute_script("return document.scripts.length") == 1
    page_text = browser.find_element(By.TAG_NAME, "main").text
    assert "<img src=x onerror=window.__pwned=2>" in page_text
    assert "</script><script>window.__pwned=1</script>" in page_text


def test_filters_narrow_the_findings_by_rule_severity_and_integration(
    browser: WebDriver, report_file: Path
) -> None:
    open_page(browser, report_file)
    status = browser.find_element(By.ID, "filter-status")
    assert visible_findings(browser) == 11
    assert status.text == "11 things to fix"
    participations = browser.find_element(By.CSS_SELECTOR, "#change-participations .shown-total")
    assert participations.text == "2 errors, 1 warning"

    Select(browser.find_element(By.NAME, "rule")).select_by_value("DK004")
    assert visible_findings(browser) == 3
    assert status.text == "Showing 3 of 11 things to fix"
    # the section's own count follows the filter, and so does its number of files
    assert participations.text == "Shown: 1 warning"
    where = browser.find_element(By.CSS_SELECTOR, "#change-participations .shown-groups")
    assert where.text == "1 file or capture"
    # groups without a match disappear; a change without any says so
    v1 = browser.find_element(By.ID, "change-v1")
    assert v1.find_element(By.CSS_SELECTOR, ".none-match").is_displayed()
    assert not v1.find_elements(By.CSS_SELECTOR, "details.group:not([hidden])")

    Select(browser.find_element(By.NAME, "integration")).select_by_visible_text("nightly capture")
    assert visible_findings(browser) == 1
    Select(browser.find_element(By.NAME, "rule")).select_by_value("")
    Select(browser.find_element(By.NAME, "severity")).select_by_value("error")
    assert visible_findings(browser) == 2

    browser.find_element(By.CSS_SELECTOR, "#filters button[type=reset]").click()
    deadline = time.monotonic() + 5
    while visible_findings(browser) != 11 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert status.text == "11 things to fix"
    assert participations.text == "2 errors, 1 warning"


def test_groups_start_collapsed_and_open_on_click(browser: WebDriver, report_file: Path) -> None:
    open_page(browser, report_file)
    group = browser.find_element(By.CSS_SELECTOR, "#change-participations details.group")
    assert group.get_attribute("open") is None
    finding = group.find_element(By.CSS_SELECTOR, "li.finding")
    assert not finding.is_displayed()
    group.find_element(By.TAG_NAME, "summary").click()
    assert finding.is_displayed()


def test_printing_hides_the_controls_and_opens_the_groups(
    browser: WebDriver, report_file: Path
) -> None:
    open_page(browser, report_file)
    browser.execute_script("window.dispatchEvent(new Event('beforeprint'))")
    assert browser.execute_script(
        "return Array.from(document.querySelectorAll('details.group'))"
        ".filter(d => !d.classList.contains('unreadable')).every(d => d.open)"
    )
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not browser.find_element(By.ID, "filters").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_the_page_reads_without_javascript(report_file: Path, tmp_path: Path) -> None:
    driver = start_chromium(tmp_path / "profile", javascript=False)
    try:
        driver.get(report_file.as_uri())
        assert not driver.find_element(By.ID, "filters").is_displayed()
        assert len(driver.find_elements(By.CSS_SELECTOR, "table.verdicts tbody tr")) == 8
        group = driver.find_element(By.CSS_SELECTOR, "#change-users details.group")
        group.find_element(By.TAG_NAME, "summary").click()
        assert group.find_element(By.CSS_SELECTOR, "li.finding").is_displayed()
    finally:
        driver.quit()


def test_ten_thousand_findings_open_and_filter_fast(browser: WebDriver, tmp_path: Path) -> None:
    path = tmp_path / "big.html"
    started = time.monotonic()
    path.write_text(html_report.render([many_findings_run(10_000)]), "utf-8")
    rendered = time.monotonic() - started
    started = time.monotonic()
    open_page(browser, path)
    loaded = time.monotonic() - started
    # generous bounds for a shared CI machine; on a laptop both take about two seconds
    assert rendered < 20, rendered
    assert loaded < 20, loaded
    assert browser.execute_script("return document.querySelectorAll('details[open]').length") == 0
    started = time.monotonic()
    Select(browser.find_element(By.NAME, "rule")).select_by_value("DK005")
    assert visible_findings(browser) == 3333
    assert time.monotonic() - started < 5


def test_screenshot_for_a_human_look(browser: WebDriver, report_file: Path, tmp_path: Path) -> None:
    open_page(browser, report_file)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(int(height), 4000))
    try:
        shot = tmp_path / "report.png"
        assert browser.save_screenshot(str(shot))
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        keep = os.environ.get("DOKEOS_AUDIT_SCREENSHOTS")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, Path(keep) / "report.png")
    finally:
        browser.set_window_size(1280, 1000)


def long_names_run() -> RunResult:
    """A run with a long integration name and a code line far wider than the page."""
    source = [f"line {n}" for n in range(1, 20)]
    source[7] = "    rows = session.get(" + "BASE_URL + '/participations', " * 12 + "params=p)"
    run = RunResult(
        "services/learning-platform/integrations/dokeos-participations-nightly-export",
        "code",
        files_scanned=3,
        extra={
            "endpoints_seen": ["GET /participations"],
            "integration": "learning-platform-dokeos-participations-nightly-export-job",
        },
    )
    run.findings = [
        code_finding(
            "DK004", Severity.WARNING, "export.py", 8, "first page only",
            "GET /participations", source, column=12, end_column=30,
        ),
        code_finding(
            "DK003", Severity.ERROR, "export.py", 8, "too many ids",
            "GET /participations", source, column=12, end_column=30,
        ),
    ]  # fmt: skip
    return run


@pytest.fixture(scope="module")
def long_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("long") / "report.html"
    path.write_text(html_report.render([*sample_runs(), long_names_run()]), "utf-8")
    return path


def test_a_jump_to_a_heading_lands_below_the_sticky_filter_bar(
    browser: WebDriver, report_file: Path
) -> None:
    open_page(browser, report_file)
    browser.find_element(By.CSS_SELECTOR, "table.verdicts a[href='#change-users']").click()
    time.sleep(0.3)
    bar_bottom = browser.execute_script(
        "return document.getElementById('filters').getBoundingClientRect().bottom"
    )
    heading_top = browser.execute_script(
        "return document.getElementById('change-users-title').getBoundingClientRect().top"
    )
    assert heading_top >= bar_bottom, (heading_top, bar_bottom)


def test_long_code_lines_wrap_instead_of_being_clipped(
    browser: WebDriver, long_report: Path
) -> None:
    open_page(browser, long_report)
    browser.find_element(By.CSS_SELECTOR, "[data-action=expand]").click()
    widths = browser.execute_script(
        "var pre = document.querySelector('details[data-integration^=learning] pre.snippet');"
        "return [pre.scrollWidth, pre.clientWidth];"
    )
    assert widths[0] <= widths[1] + 1, widths


def test_two_findings_on_one_line_show_the_snippet_once(
    browser: WebDriver, long_report: Path
) -> None:
    open_page(browser, long_report)
    group = browser.find_element(By.CSS_SELECTOR, "details[data-integration^=learning]")
    assert len(group.find_elements(By.CSS_SELECTOR, "pre.snippet")) == 1
    assert len(group.find_elements(By.CSS_SELECTOR, "p.msg")) == 2


def test_the_integration_menu_shows_whole_names(browser: WebDriver, long_report: Path) -> None:
    open_page(browser, long_report)
    fits = browser.execute_script(
        "var select = document.querySelector('#filters select[name=integration]');"
        "var ctx = document.createElement('canvas').getContext('2d');"
        "ctx.font = getComputedStyle(select).font;"
        "var longest = Math.max.apply(null, Array.from(select.options).map("
        "  function (o) { return ctx.measureText(o.text).width; }));"
        "return [longest, select.getBoundingClientRect().width];"
    )
    assert fits[0] <= fits[1], fits


def test_printed_every_group_shows_and_screen_only_words_are_gone(
    browser: WebDriver, report_file: Path
) -> None:
    open_page(browser, report_file)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        # closed on screen, printed all the same (without the script's help)
        group = browser.find_element(By.CSS_SELECTOR, "#change-participations details.group")
        assert group.get_attribute("open") is None
        height = browser.execute_script(
            "return document.querySelector('#change-participations details.group li.finding')"
            ".getBoundingClientRect().height"
        )
        assert height > 0
        assert not browser.find_element(By.CSS_SELECTOR, ".screen-only").is_displayed()
        breaks = browser.execute_script(
            "return getComputedStyle(document.getElementById('change-users-title')).breakAfter"
        )
        assert breaks == "avoid"
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_the_printed_sample_report_is_short(browser: WebDriver, report_file: Path) -> None:
    import base64

    open_page(browser, report_file)
    pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {})["data"])
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert 1 <= pages <= 8, pages


def test_the_top_names_where_to_start_and_the_integrations(
    browser: WebDriver, report_file: Path
) -> None:
    open_page(browser, report_file)
    urgent = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "ol.urgent li")]
    assert len(urgent) == 3
    assert urgent[0].startswith("ERROR billing-sync still asks for version 1 in 1 place")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.integrations tbody th")
    assert [r.text for r in rows] == ["billing-sync", "nightly capture", "crm-connector"]
    assert "Made " in browser.find_element(By.CSS_SELECTOR, ".top").text
