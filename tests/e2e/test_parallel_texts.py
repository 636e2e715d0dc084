"""Parallel texts in the browser: an English and a Chinese text side by side at 1280 px and
stacked at 375 px, on the proposal page, the norm page and the charter; out of step after an
amendment to the Chinese text, confirmed by an author in the page, then adopted.

The proposal is made through the API on the shared demo commission (see test_layout). The
screenshots land in test-artifacts/ as parallel-<page>-<width>.png.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, check_accessibility, sign_in
from tests.e2e.test_layout import CSP_PROBE, api_as, demo_seats, ok

ZH_TITLE = "人工智能生成的政治内容须加标识"
ZH_TEXT = (
    "双方对其官方媒体发布的人工智能生成的政治内容加注标识，标识应清晰可见，"
    "并以机器可读的方式保存，以便研究人员和公众核查。"
)
ZH_AMENDED = ZH_TEXT.replace("加注标识", "明确加注标识")
EN_TEXT = (
    "Each side labels the AI-generated political content that its state media publish. The "
    "labels are plainly visible and kept in a machine-readable form, so that researchers and "
    "the public can check them."
)
VOTERS = ("us-lab", "us-state", "us-scholar", "prc-tsinghua", "prc-mfa", "prc-ngo")


@pytest.fixture(scope="module")
def bilingual(server: str) -> dict[str, Any]:
    """A proposal in debate with two texts whose Chinese one was amended: out of step."""
    with api_as(server, "instructor") as instructor:
        cid, seats = demo_seats(instructor)
        title = f"Labels on AI-generated political content {uuid.uuid4().hex[:6]}"
        with api_as(server, "us-lab") as author, api_as(server, "prc-tsinghua") as sponsor:
            created = author.post(
                f"/commissions/{cid}/groups/DI/proposals",
                json={
                    "title": title,
                    "text": EN_TEXT,
                    "parallel": {"title": ZH_TITLE, "text": ZH_TEXT},
                },
            )
            pid = int(str(ok(created, 201)["id"]))
            ok(
                author.post(
                    f"/proposals/{pid}/sponsors", json={"participant_id": seats["prc-tsinghua"]}
                )
            )
            ok(sponsor.post(f"/proposals/{pid}/sponsorship", json={"accept": True}))
            ok(author.post(f"/proposals/{pid}/stage", json={"action": "table"}))
            ok(instructor.post(f"/proposals/{pid}/stage", json={"action": "open_debate"}))
            amendment = ok(
                sponsor.post(
                    f"/proposals/{pid}/amendments",
                    json={"text": ZH_AMENDED, "language": "zh_CN"},
                ),
                201,
            )
            ok(author.post(f"/proposals/{pid}/amendments/{amendment['id']}/accept"))
    return {"commission": cid, "proposal": pid, "title": title}


def at_width(page: Page, width: int) -> None:
    page.set_viewport_size(ViewportSize(width=width, height=DESKTOP["height"]))


def boxes(page: Page, selector: str) -> list[dict[str, float]]:
    found = page.eval_on_selector_all(
        selector,
        """els => els.map(el => {
             const b = el.getBoundingClientRect();
             return {left: b.left, right: b.right, top: b.top + window.scrollY,
                     bottom: b.bottom + window.scrollY, width: b.width};
           })""",
    )
    return list(found)


def assert_side_by_side_then_stacked(page: Page, selector: str, name: str) -> None:
    """Two texts in one row at 1280 px, each a fair share of it; one above the other at 375 px,
    neither wider than the screen. A screenshot at each width."""
    ARTIFACTS.mkdir(exist_ok=True)
    at_width(page, DESKTOP["width"])
    page.wait_for_timeout(100)
    english, chinese = boxes(page, selector)
    assert abs(english["top"] - chinese["top"]) < 2, (english, chinese)
    assert english["right"] <= chinese["left"], (english, chinese)
    assert min(english["width"], chinese["width"]) >= 300, (english, chinese)
    page.screenshot(path=str(ARTIFACTS / f"parallel-{name}-1280.png"), full_page=True)
    at_width(page, PHONE["width"])
    page.wait_for_timeout(100)
    english, chinese = boxes(page, selector)
    assert chinese["top"] >= english["bottom"], (english, chinese)
    assert max(english["right"], chinese["right"]) <= PHONE["width"], (english, chinese)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / f"parallel-{name}-375.png"), full_page=True)
    at_width(page, DESKTOP["width"])


def test_two_texts_side_by_side_out_of_step_until_an_author_confirms(
    page: Page, bilingual: dict[str, Any], server: str
) -> None:
    pid, cid = bilingual["proposal"], bilingual["commission"]
    page.context.add_init_script(CSP_PROBE)
    sign_in(page, "instructor")
    page.goto(f"/proposals/{pid}")
    stage = page.locator(".stage-panel")
    expect(stage).to_contain_text("Texts out of step")
    expect(stage).to_contain_text("The Chinese text changed after the last revision")
    expect(stage.get_by_role("button", name="Open the vote")).to_have_count(0)
    texts = page.locator(".panel--parallel .parallel-text")
    expect(texts).to_have_count(2)
    expect(texts.nth(0).locator('[lang="en"]')).to_contain_text("state media")
    expect(texts.nth(1).locator('[lang="zh-CN"]')).to_contain_text("明确加注标识")
    assert_side_by_side_then_stacked(page, ".panel--parallel .parallel-text", "proposal")
    check_accessibility(page, "parallel-proposal")
    assert page.evaluate("window.__cspViolations") == []

    # The author confirms in the page; the chair may then open the vote.
    author = page.context.browser.new_context(base_url=server, viewport=DESKTOP).new_page()  # type: ignore[union-attr]
    sign_in(author, "us-lab")
    author.goto(f"/proposals/{pid}")
    author.get_by_role("button", name="Confirm both texts agree").click()
    expect(author.locator(".texts-step")).to_contain_text("Texts in step")
    expect(author.locator(".stage-panel")).not_to_contain_text("Texts out of step")
    author.context.close()
    page.goto(f"/proposals/{pid}")
    expect(page.locator(".stage-panel").get_by_role("button", name="Open the vote")).to_be_visible()

    # Adopted, the norm keeps both texts: its page and the charter set them side by side.
    with api_as(server, "instructor") as instructor:
        ok(instructor.post(f"/proposals/{pid}/stage", json={"action": "open_vote"}))
        vote = instructor.get(f"/proposals/{pid}/vote").json()
        for username in VOTERS:
            with api_as(server, username) as voter:
                ok(
                    voter.post(
                        f"/proposals/{pid}/votes/{vote['id']}/ballots", json={"choice": "yes"}
                    ),
                    201,
                )
        ok(instructor.post(f"/proposals/{pid}/votes/{vote['id']}/close"))
        code = instructor.get(f"/proposals/{pid}").json()["norm_code"]
    assert code and code.startswith("DI-")
    page.goto(f"/norms/{cid}/{code}")
    expect(page.locator(".parallel-text")).to_have_count(2)
    expect(page.locator('.parallel-text [lang="zh-CN"]')).to_contain_text(ZH_TITLE)
    assert_side_by_side_then_stacked(page, ".parallel-text", "norm")
    check_accessibility(page, "parallel-norm")
    page.goto(f"/commissions/{cid}/charter")
    norm = page.locator(f'section.norm[aria-labelledby="norm-{code}"] .parallel-text')
    expect(norm).to_have_count(2)
    assert_side_by_side_then_stacked(
        page, f'section.norm[aria-labelledby="norm-{code}"] .parallel-text', "charter"
    )
    assert page.evaluate("window.__cspViolations") == []


def test_drafting_both_texts_in_the_form_and_editing_them_side_by_side(
    page: Page, bilingual: dict[str, Any]
) -> None:
    """The draft form takes the Chinese text beside the English one; the edit form shows the
    two side by side (stacked on a phone), and saving only the Chinese one puts them out of
    step."""
    cid = bilingual["commission"]
    page.context.add_init_script(CSP_PROBE)
    sign_in(page, "us-scholar")
    page.goto(f"/commissions/{cid}/groups/disinformation")
    form = page.get_by_role("region", name="Draft a proposal")
    title = f"Election labels {uuid.uuid4().hex[:6]}"
    form.get_by_label("Title").fill(title)
    form.get_by_label("Text of the norm").fill(EN_TEXT)
    form.get_by_text("Add the text in the other language").click()
    form.get_by_label("Heading in the other language").fill(ZH_TITLE)
    form.get_by_label("Wording of the norm in the other language").fill(ZH_TEXT)
    form.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".texts-step")).to_contain_text("Texts in step")
    page.get_by_role("link", name="Edit text").click()
    expect(page.get_by_role("heading", name="Edit proposal")).to_be_visible()
    assert_side_by_side_then_stacked(page, "fieldset.parallel-text", "edit")
    check_accessibility(page, "parallel-edit")
    page.get_by_label("Wording of the norm in Chinese").fill(ZH_AMENDED)
    page.get_by_role("button", name="Save revision").click()
    expect(page.locator(".stage-panel")).to_contain_text("Texts out of step")
    page.get_by_role("button", name="Confirm both texts agree").click()
    expect(page.locator(".texts-step")).to_contain_text("Texts in step")
    assert page.evaluate("window.__cspViolations") == []
