"""The language switch in a real browser: a delegate turns the commission's pages to Chinese from
the header at phone width, reads them (axe, no sideways scrolling, screenshots at 375 and 1280
px in test-artifacts/ as language-<page>-<width>.png) and turns them back at desktop width.

The Chinese words expected are read from the zh_CN catalog, not repeated here.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from app.demo import DEMO_COMMISSION_TITLE
from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, check_accessibility, sign_in
from tests.locale_catalog import chinese

# A delegate no other browser test signs in as: the language she saves is hers alone.
READER = "prc-ngo"


def switch_to(page: Page, language: str) -> None:
    """Press a language of the header's switch; the page reloads whole (not boosted)."""
    address = page.url
    with page.expect_navigation():
        page.locator("form.language-switch").get_by_role("button", name=language).click()
    expect(page).to_have_url(address)


def shoot_the_top(page: Page, name: str) -> None:
    """What a reader sees first, header and switch, at the current width (not the whole page)."""
    ARTIFACTS.mkdir(exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=str(ARTIFACTS / f"language-{name}-top-{width}.png"))


def expect_language(page: Page, html_lang: str, current: str, other: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    switch = page.locator("form.language-switch")
    expect(switch.get_by_role("button", name=current)).to_have_attribute("aria-current", "true")
    expect(switch.get_by_role("button", name=other)).not_to_have_attribute("aria-current", "true")
    # The Chinese name is marked as Chinese whatever the page's language.
    expect(switch.get_by_role("button", name="中文")).to_have_attribute("lang", "zh-CN")


def test_a_delegate_reads_the_commission_in_chinese_and_back(page: Page) -> None:
    sign_in(page, READER)
    page.get_by_role("link", name=DEMO_COMMISSION_TITLE).first.click()
    page.wait_for_url(re.compile(r"/commissions/\d+$"))
    overview = page.url
    expect_language(page, "en", "English", "中文")

    page.set_viewport_size(PHONE)
    switch_to(page, "中文")
    expect_language(page, "zh-CN", "中文", "English")
    main_nav = page.get_by_role("navigation", name=chinese("Main"))
    expect(main_nav.get_by_role("link", name=chinese("My commissions"))).to_be_visible()
    shoot_the_top(page, "zh-overview")
    page.set_viewport_size(DESKTOP)
    shoot_the_top(page, "zh-overview")  # check_accessibility shoots this width, then the phone's
    check_accessibility(page, "language-zh-overview")

    # Another page of the commission, reached by a boosted link: still Chinese.
    page.locator("main a[href*='/groups/']").first.click()
    page.wait_for_url(re.compile(r"/groups/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("link", name=chinese("Norms"))).to_be_visible()
    check_accessibility(page, "language-zh-group")

    page.goto(overview)
    switch_to(page, "English")
    expect_language(page, "en", "English", "中文")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("My commissions")
    shoot_the_top(page, "en-overview")
    check_accessibility(page, "language-en-overview")
    page.set_viewport_size(PHONE)
    shoot_the_top(page, "en-overview")


def test_a_visitor_s_choice_lasts_and_the_account_offers_the_browser_s(page: Page) -> None:
    page.goto("/norms")
    switch_to(page, "中文")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")  # the cookie remembers
    check_accessibility(page, "language-zh-home")
    switch_to(page, "English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
