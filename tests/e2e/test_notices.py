"""The header's notices indicator and the notices page, in Chromium at desktop and phone widths.

The e2e server is shared: other tests leave open votes and invitations behind, so counts are
read before and compared after, never assumed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, check_accessibility, sign_in
from tests.e2e.test_proposals import LIVE_PROBE, ask_to_sponsor, draft

INVITED = "prc-ngo"
INVITED_NAME = "Zhou Lan"


ERRORS: list[str] = []


@pytest.fixture
def contexts(browser: Browser, server: str) -> Iterator[list[BrowserContext]]:
    """The browser contexts a test opens; a script error or CSP violation in any fails it."""
    opened: list[BrowserContext] = []
    ERRORS.clear()
    yield opened
    for context in opened:
        context.close()
    assert ERRORS == []


def open_as(
    browser: Browser, server: str, opened: list[BrowserContext], username: str, **options: bool
) -> Page:
    context = browser.new_context(base_url=server, viewport=DESKTOP, **options)  # type: ignore[arg-type]
    context.add_init_script(LIVE_PROBE)
    opened.append(context)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("pageerror", lambda error: ERRORS.append(f"{username}: {error}"))
    page.on(
        "console",
        lambda message: (
            ERRORS.append(f"{username}: {message.text}")
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    sign_in(page, username)
    return page


def indicator(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Main").locator("a.notices-link")


def waiting(page: Page) -> int:
    """The count the indicator announces (its accessible name), 0 when it reads "Notices"."""
    label = " ".join((indicator(page).text_content() or "").split())
    if label == "Notices":
        return 0
    match = re.fullmatch(r"Notices: (\d+) waiting", label)
    assert match, label
    return int(match.group(1))


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def pill_contrast(page: Page) -> float:
    """The contrast of the pill's text on its own background, with no pointer over it.

    axe reports a pill's colours as undecidable rather than failing them, so this checks them.
    """
    page.mouse.move(0, page.viewport_size["height"] - 1 if page.viewport_size else 0)
    text, background = indicator(page).evaluate(
        "a => [getComputedStyle(a).color, getComputedStyle(a).backgroundColor]"
    )
    light, dark = sorted((_luminance(text), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_an_invitation_shows_in_the_header_and_on_the_notices_page(
    browser: Browser, server: str, contexts: list[BrowserContext]
) -> None:
    title = f"Notice me {uuid.uuid4().hex[:6]}"
    invited = open_as(browser, server, contexts, INVITED)
    before = waiting(invited)

    author = open_as(browser, server, contexts, "us-lab")
    pid = draft(author, "frontier-technology", title, "Both sides notice each other in time.")
    ask_to_sponsor(author, INVITED_NAME)

    invited.goto("/")
    expect(indicator(invited)).to_have_text(f"Notices: {before + 1} waiting")
    # Screen readers hear "Notices: N waiting"; the pill shows "N waiting".
    expect(invited.get_by_role("link", name=f"Notices: {before + 1} waiting")).to_be_visible()
    expect(indicator(invited)).to_have_class(re.compile("notices-link--waiting"))
    assert pill_contrast(invited) >= 4.5
    ARTIFACTS.mkdir(exist_ok=True)
    invited.locator(".site-header").screenshot(path=str(ARTIFACTS / "notices-header-desktop.png"))
    invited.set_viewport_size(PHONE)
    expect(indicator(invited)).to_be_visible()
    assert pill_contrast(invited) >= 4.5
    box = indicator(invited).bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    invited.locator(".site-header").screenshot(path=str(ARTIFACTS / "notices-header-phone.png"))
    invited.set_viewport_size(DESKTOP)
    check_accessibility(invited, "home-with-notices")

    indicator(invited).click()
    invited.wait_for_url(re.compile(r"/notices$"))
    expect(invited.get_by_role("heading", level=1)).to_have_text("Notices")
    notice = invited.locator(".notice", has_text=title)
    expect(notice).to_contain_text("The authors ask you to sponsor this draft.")
    expect(indicator(invited)).to_have_attribute("aria-current", "page")
    assert pill_contrast(invited) >= 4.5  # also while it marks the current page
    check_accessibility(invited, "notices")

    notice.get_by_role("link", name=title).click()
    invited.wait_for_url(re.compile(rf"/proposals/{pid}#people-heading$"))
    invited.get_by_role("button", name="Sponsor it").click()
    expect(invited.get_by_text("You sponsor this proposal.")).to_be_visible()
    invited.goto("/notices")
    expect(invited.locator(".notice", has_text=title)).to_have_count(0)
    assert waiting(invited) == before


def test_the_notices_page_works_without_javascript(
    browser: Browser, server: str, contexts: list[BrowserContext]
) -> None:
    title = f"Quiet notice {uuid.uuid4().hex[:6]}"
    author = open_as(browser, server, contexts, "us-lab")
    pid = draft(author, "cybersecurity", title, "Both sides answer within a day.")
    ask_to_sponsor(author, INVITED_NAME)

    invited = open_as(browser, server, contexts, INVITED, java_script_enabled=False)
    invited.goto("/notices")
    count = waiting(invited)
    assert count >= 1
    invited.locator(".notice", has_text=title).get_by_role("link", name=title).click()
    invited.wait_for_url(re.compile(rf"/proposals/{pid}"))
    invited.get_by_role("button", name="Decline").click()
    invited.wait_for_url(re.compile(rf"/proposals/{pid}$"))
    invited.goto("/notices")
    expect(invited.locator(".notice", has_text=title)).to_have_count(0)
    assert waiting(invited) == count - 1
