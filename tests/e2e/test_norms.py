"""The registry, a norm's page, the printed charter, the report and the comparison, in Chromium.

The demo includes a concluded class ("spring seminar") whose charter is public: three norms,
one of them in Chinese and English, and a proposal that failed.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ARTIFACTS, DESKTOP, check_accessibility, sign_in
from tests.seminar import DEMO_NAMES


def test_a_visitor_searches_the_registry_as_they_type(page: Page) -> None:
    page.goto("/norms")
    results = page.locator("#registry-results")
    expect(results.get_by_role("heading", level=2)).to_have_text("3 norms.")
    page.evaluate("window.stillTheSamePage = true")
    box = page.get_by_label("Search the text of norms")
    box.press_sequentially("critical infra", delay=40)
    expect(results).to_contain_text("1 norm matches your search.")
    expect(results).to_contain_text("No peacetime cyber operations against critical infrastructure")
    expect(results).not_to_contain_text("Joint notification")
    expect(page).to_have_url(re.compile(r"/norms\?q=critical\+infra"))
    assert page.evaluate("window.stillTheSamePage") is True  # swapped in, not reloaded
    box.fill("人类控制")
    expect(results).to_contain_text("Human control over military AI")
    expect(results.get_by_role("listitem")).to_have_count(1)
    box.fill("")
    page.get_by_label("Working group").select_option(label="Cybersecurity (CY)")
    expect(results.get_by_role("listitem")).to_have_count(1)
    check_accessibility(page, "registry")


def test_the_registry_is_a_plain_form_without_javascript(browser: Browser, server: str) -> None:
    context = browser.new_context(base_url=server, viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    page.goto("/norms")
    page.get_by_label("Search the text of norms").fill("incidents notification")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"q=incidents\+notification"))
    expect(page.locator("#registry-results")).to_contain_text("Joint notification")
    expect(page.get_by_label("Search the text of norms")).to_have_value("incidents notification")
    context.close()


def test_a_norm_page_and_the_printed_charter(page: Page) -> None:
    page.goto("/norms?q=notification")
    page.get_by_role("link", name=re.compile("Joint notification of serious AI incidents")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Joint notification of serious AI incidents"
    )
    expect(page.get_by_role("table")).to_contain_text("United States")
    expect(page.locator("body")).to_contain_text("Sponsors: People's Republic of China")
    expect(page.get_by_role("link", name="Read the debate")).to_have_count(0)  # a visitor
    check_accessibility(page, "norm")
    page.get_by_role("link", name=re.compile("Charter of")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("spring seminar")
    check_accessibility(page, "charter")
    page.emulate_media(media="print")
    expect(page.locator(".site-header nav")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.locator(".charter__exports")).to_be_hidden()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "charter-print.png"), full_page=True)
    pdf = page.pdf(path=str(ARTIFACTS / "charter.pdf"), format="A4")
    assert pdf.startswith(b"%PDF")


def test_a_visitor_reads_a_norms_history_by_delegation_and_sector(page: Page) -> None:
    """Students' names stay in the class: the norm's drafter and every revision are seats."""
    page.goto("/norms?q=notification")
    page.get_by_role("link", name=re.compile("Joint notification of serious AI incidents")).click()
    body = page.locator("body")
    expect(body).to_contain_text("Drafted by: United States · Private sector.")
    history = page.get_by_role("region", name="How the text came to be")
    expect(history).to_contain_text("Revision 1, by United States · Private sector")
    expect(history).to_contain_text("People are named by delegation and sector.")
    text = body.inner_text()
    assert [name for name in DEMO_NAMES if name in text] == []
    check_accessibility(page, "norm-visitor")


def test_the_instructor_reads_the_report_and_compares_classes(page: Page) -> None:
    sign_in(page, "instructor")
    page.get_by_role("link", name=re.compile("spring seminar")).first.click()
    page.get_by_role("link", name="After-action report").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("After-action report")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    expect(page.locator("#participation")).to_contain_text("Li Wei")
    check_accessibility(page, "report")
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / "report-print.png"), full_page=True)
    page.emulate_media(media="screen")

    page.goto(page.url.replace("/report", "/charter"))
    page.get_by_role("link", name="Compare with other classes on this scenario").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Cooling Off"))
    classes = page.get_by_role("group", name=re.compile("Classes to compare"))
    # The instructor reads both demo classes (and any class another test concluded).
    expect(classes.get_by_role("checkbox", name=re.compile("demo seminar"))).to_have_count(1)
    expect(classes.get_by_role("checkbox", name=re.compile("spring seminar"))).to_have_count(1)
    expect(page.locator("body")).to_contain_text("No similar norm adopted.")
    check_accessibility(page, "comparison")
