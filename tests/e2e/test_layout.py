"""The instructor's working pages at desktop and phone widths: layout, and no CSP violation.

The demo commission is given a proposal in debate with a long argument first (through the
API), so the dashboard has a "Latest arguments" list to lay out. Screenshots land in
test-artifacts/ as layout-<page>-<width>.png.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect

from app.demo import DEMO_COMMISSION_TITLE
from tests.e2e.conftest import (
    ARTIFACTS,
    AXE,
    AXE_TAGS,
    DEMO_PASSWORD,
    DESKTOP,
    PHONE,
    check_accessibility,
    sign_in,
)
from tests.e2e.test_proposals import LIVE_PROBE, LIVE_TIMEOUT
from tests.servers import api_token, page_sign_in

WIDTHS = (DESKTOP["width"], PHONE["width"])
ARGUMENT = (
    "Both delegations publish an annual register of frontier training runs above an agreed "
    "compute threshold, with a named point of contact in each capital who answers within a week."
)

# Collects every Content-Security-Policy violation of the page, whatever caused it; installed
# through the DevTools protocol before any page script, so the CSP does not apply to it.
CSP_PROBE = """
window.__cspViolations = [];
window.__settles = 0;
document.addEventListener("htmx:afterSettle", () => { window.__settles += 1; });
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} at ${event.sourceFile}:${event.lineNumber} on ${event.documentURI}`
  );
}, true);
"""

# What password managers, writing aids and Playwright's own screenshots do to form fields: set
# a property through the CSSOM (which the CSP allows), leaving a style="" attribute behind.
TOUCH_INPUT_STYLES = (
    "document.querySelectorAll('input, textarea').forEach(f => f.style.caretColor = 'auto')"
)


def api_as(server: str, username: str) -> httpx.Client:
    with httpx.Client(base_url=server, timeout=30) as browser:
        page_sign_in(browser, username, DEMO_PASSWORD)
        token = api_token(browser)
    return httpx.Client(
        base_url=server + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def ok(response: httpx.Response, status: int = 200) -> dict[str, object]:
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    return dict(response.json()) if response.content else {}


def demo_seats(instructor: httpx.Client) -> tuple[int, dict[str, int]]:
    """The demo commission's id and its participants' ids by username, as its instructor
    reads them through the API."""
    commissions = instructor.get("/commissions").json()
    cid = next(c["id"] for c in commissions if c["title"] == DEMO_COMMISSION_TITLE)
    participants = instructor.get(f"/commissions/{cid}/participants").json()
    return int(cid), {p["username"]: p["id"] for p in participants}


@pytest.fixture(scope="module")
def demo(server: str) -> dict[str, int]:
    """The demo commission's id, and a proposal of its own in debate with one long argument."""
    with api_as(server, "instructor") as instructor:
        cid, seats = demo_seats(instructor)
        with api_as(server, "us-lab") as author, api_as(server, "prc-tsinghua") as sponsor:
            title = f"A register of training runs {uuid.uuid4().hex[:6]}"
            proposal = ok(
                author.post(
                    f"/commissions/{cid}/groups/FT/proposals",
                    json={"title": title, "text": "- Publish the register.\n- Name a contact."},
                ),
                201,
            )
            pid = int(str(proposal["id"]))
            ok(
                author.post(
                    f"/proposals/{pid}/sponsors", json={"participant_id": seats["prc-tsinghua"]}
                )
            )
            ok(sponsor.post(f"/proposals/{pid}/sponsorship", json={"accept": True}))
            ok(author.post(f"/proposals/{pid}/stage", json={"action": "table"}))
            ok(instructor.post(f"/proposals/{pid}/stage", json={"action": "open_debate"}))
            ok(
                sponsor.post(
                    f"/proposals/{pid}/arguments", json={"stance": "support", "body": ARGUMENT}
                ),
                201,
            )
    return {"commission": int(cid), "proposal": pid}


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=str(ARTIFACTS / f"layout-{name}-{width}.png"), full_page=True)


def at_width(page: Page, width: int) -> None:
    page.set_viewport_size(ViewportSize(width=width, height=DESKTOP["height"]))


def assert_no_sideways_scroll(page: Page, name: str) -> None:
    sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], f"{name} scrolls sideways: {sizes[0]} px wide in {sizes[1]} px"


def serious_axe_violations(page: Page) -> list[str]:
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]


def lines_of(page: Page, selector: str) -> list[int]:
    """How many lines each element's text is laid out on (a Range has one box per line)."""
    return list(
        page.eval_on_selector_all(
            selector,
            """els => els.map(el => {
                 const range = document.createRange();
                 range.selectNodeContents(el);
                 return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
               })""",
        )
    )


def assert_each_fits(page: Page, codes: Locator, where: str) -> None:
    """Whole and in view: not cut off at the edge, not scrolled inside its box, in its row."""
    for code in codes.all():
        fits = code.evaluate(
            """el => {
                 const box = el.getBoundingClientRect();
                 const row = el.closest("tr").getBoundingClientRect();
                 return el.scrollWidth <= el.clientWidth && box.right <= window.innerWidth
                   && box.left >= row.left && box.right <= row.right;
               }"""
        )
        assert fits, f"{code.inner_text()} does not fit {where}"


def test_the_instructor_pages_fit_desktop_and_phone(page: Page, demo: dict[str, int]) -> None:
    cid = demo["commission"]
    page.context.add_init_script(CSP_PROBE)
    sign_in(page, "instructor")
    pages = {
        "dashboard": f"/commissions/{cid}/dashboard",
        "console": f"/commissions/{cid}/manage",
        "account": "/account",
    }
    for name, url in pages.items():
        for width in WIDTHS:
            at_width(page, width)
            page.goto(url)
            shot(page, name)
            assert_no_sideways_scroll(page, f"{url} at {width} px")
            assert page.evaluate("window.__cspViolations") == []

    # "Latest arguments" reads as prose at 1280 px, not one word a line.
    at_width(page, DESKTOP["width"])
    page.goto(pages["dashboard"])
    argument = page.locator(".feed li", has_text=ARGUMENT[:40]).first.locator(
        "p", has_text=ARGUMENT[:40]
    )
    expect(argument).to_be_visible()
    box = argument.bounding_box()
    assert box is not None and box["width"] >= 400, box
    assert lines_of(page, f".feed p:has-text('{ARGUMENT[:40]}')")[0] <= 3
    check_accessibility(page, "dashboard-with-arguments")


def test_the_credential_sheet_keeps_every_name_and_password_whole(
    page: Page, demo: dict[str, int], tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:4]
    roster = tmp_path / "roster.csv"
    roster.write_text(
        f"name,delegation,sector\n"
        f"Maximiliana Wolfeschlegel {tag},United States,Government\n"
        f"Bo Li {tag},People's Republic of China,Academia\n"
    )
    page.context.add_init_script(CSP_PROBE)
    sign_in(page, "instructor")
    page.goto(f"/commissions/{demo['commission']}/manage")
    page.get_by_label("CSV file (UTF-8, at most 1 MB)").set_input_files(str(roster))
    page.get_by_role("button", name="Enrol and print credentials").click()
    expect(page.get_by_role("heading", name=re.compile("Credentials for"))).to_be_visible()
    credentials = page.locator("code.credential")
    expect(credentials).to_have_count(4)
    assert re.fullmatch(r"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}", credentials.nth(1).inner_text())

    for width in WIDTHS:
        at_width(page, width)
        shot(page, "credentials")
        assert_no_sideways_scroll(page, f"the credential sheet at {width} px")
        assert lines_of(page, "code.credential") == [1, 1, 1, 1], f"broken at {width} px"
        assert_each_fits(page, credentials, f"at {width} px")
    # On a phone each row is a card, still checked by axe.
    assert serious_axe_violations(page) == []

    # On paper (an A4 page's printable width at 96 dpi is about 720 px), rows stay whole too.
    page.emulate_media(media="print")
    at_width(page, 720)
    shot(page, "credentials-print")
    assert_no_sideways_scroll(page, "the printed credential sheet")
    assert lines_of(page, "code.credential") == [1, 1, 1, 1]
    assert_each_fits(page, credentials, "on paper")
    expect(page.locator(".site-header nav")).to_be_hidden()
    page.emulate_media(media="screen")
    at_width(page, DESKTOP["width"])
    assert page.evaluate("window.__cspViolations") == []


def test_live_and_restored_pages_trip_no_csp(page: Page, server: str, demo: dict[str, int]) -> None:
    """No inline style reaches the page, even after a script has touched the form fields.

    htmx settles a swapped element by copying the old element's "style" attribute onto the
    new one, and restores a page from its history cache by re-parsing the saved HTML: either
    re-inserts the style="" that a CSSOM change left, and the CSP refuses it. Chromium says
    "Applying inline style violates ... style-src 'self'", read at first as htmx's indicator
    style (that one is off: includeIndicatorStyles false). base.html configures htmx not to
    settle "style" and to load a page afresh on Back instead of from its cache.
    """
    cid, pid = demo["commission"], demo["proposal"]
    page.context.add_init_script(CSP_PROBE)
    page.context.add_init_script(LIVE_PROBE)
    sign_in(page, "instructor")

    # The dashboard swaps in a group's board when an argument arrives.
    page.goto(f"/commissions/{cid}/dashboard")
    page.wait_for_function("() => window.__sseConnected > 0", timeout=LIVE_TIMEOUT)
    page.evaluate(TOUCH_INPUT_STYLES)
    settles = page.evaluate("window.__settles")
    late = f"A late argument {uuid.uuid4().hex[:6]}"
    with api_as(server, "prc-tsinghua") as sponsor:
        ok(
            sponsor.post(f"/proposals/{pid}/arguments", json={"stance": "question", "body": late}),
            201,
        )
    expect(page.locator(".feed li", has_text=late)).to_be_visible(timeout=LIVE_TIMEOUT)
    # htmx copies the settled attributes a moment after the swap.
    page.wait_for_function(f"() => window.__settles > {settles}", timeout=LIVE_TIMEOUT)
    assert page.evaluate("window.__cspViolations") == []

    # From the console to the dashboard (a boosted link) and Back.
    page.goto(f"/commissions/{cid}/manage")
    page.evaluate(TOUCH_INPUT_STYLES)
    page.get_by_role("link", name="Live dashboard").click()
    expect(page.get_by_role("heading", name="Live dashboard")).to_be_visible()
    page.go_back()
    expect(page.get_by_role("heading", name="Live dashboard")).to_be_hidden()
    page.wait_for_load_state()
    assert page.url.endswith(f"/commissions/{cid}/manage")
    assert page.evaluate("window.__cspViolations") == []
    # Nothing of the pages (a credential sheet, a private brief) is kept in the tab's storage.
    assert page.evaluate("sessionStorage.getItem('htmx-history-cache')") is None


def test_a_diff_keeps_the_lines_of_the_text(page: Page, server: str, demo: dict[str, int]) -> None:
    before = "Both sides agree to:\n\n- publish a **register**\n- name a contact\n\n## Review"
    after = before.replace("a **register**", "a **public register**") + "\n\nEvery two years."
    after = after.replace("- name a contact", "- name a contact\n- answer within a week")
    with api_as(server, "us-lab") as author:
        created = ok(
            author.post(
                f"/commissions/{demo['commission']}/groups/FT/proposals",
                json={"title": "Diff lines", "text": before},
            ),
            201,
        )
        pid = created["id"]
        ok(author.patch(f"/proposals/{pid}", json={"title": "Diff lines", "text": after}))
    sign_in(page, "us-lab")
    for width in WIDTHS:
        at_width(page, width)
        page.goto(f"/proposals/{pid}/diff?from=1&to=2")
        shot(page, "diff")
        assert_no_sideways_scroll(page, f"the diff at {width} px")
        items = page.locator(".diff__line--item")
        expect(items).to_have_text(
            ["- publish a **public register**", "- name a contact", "- answer within a week"]
        )
        tops = [box["y"] for box in (item.bounding_box() for item in items.all()) if box]
        assert tops == sorted(set(tops)) and len(tops) == 3, tops
        expect(page.locator(".diff__line--heading")).to_have_text("## Review")
        expect(page.locator(".diff ins").first).to_have_text("public ")
