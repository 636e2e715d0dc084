"""Browser tests for the life of a proposal: draft, sponsor, table, debate, amend, vote, adopt.

All e2e tests share one server and database (the demo commission), so every test creates its
own proposals under a unique title and never assumes counts, ids or norm numbers.

Live updates are checked in a page that stays put: a probe installed before any page script
counts the SSE streams that reached the server's "connected" event, and a marker set on
`window` (plus text typed into a form) proves the page was neither reloaded nor re-rendered.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any, Protocol

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Error,
    Locator,
    Page,
    ViewportSize,
    expect,
)

from tests.e2e.conftest import DESKTOP, check_accessibility, sign_in

COMMISSION = "/commissions/1"
US = "United States"
PRC = "People's Republic of China"
LIVE_TIMEOUT = 8_000  # ms: an SSE fragment waits ~0.25 s to coalesce, then renders per viewer

# Runs before any page script through the DevTools protocol, so the CSP does not apply.
# It wraps EventSource to count streams that have reached the server ("connected").
LIVE_PROBE = """
(() => {
  const Native = window.EventSource;
  if (!Native || Native.__probed) { return; }
  window.__sseConnected = 0;
  class Probed extends Native {
    constructor(url, options) {
      super(url, options);
      this.addEventListener("connected", () => { window.__sseConnected += 1; });
    }
  }
  Probed.__probed = true;
  window.EventSource = Probed;
})();
"""


class Open(Protocol):
    def __call__(self, username: str, *, javascript: bool = True) -> Page: ...


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:6]}"


@pytest.fixture
def people(browser: Browser, server: str) -> Iterator[Open]:
    """Open a signed-in browser context per delegate; any console error fails the test."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def watch(page: Page, who: str) -> None:
        def on_console(message: Any) -> None:
            # A refused form (400/404/409) is logged as a failed load; that is expected here.
            if message.type == "error" and not message.text.startswith("Failed to load resource"):
                errors.append(f"{who}: {message.text}")

        def on_response(response: Any) -> None:
            if "/static/" in response.url and response.status >= 400:
                errors.append(f"{who}: {response.status} {response.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: errors.append(f"{who}: {error}"))
        page.on("response", on_response)

    def open_as(username: str, *, javascript: bool = True) -> Page:
        context = browser.new_context(
            base_url=server,
            viewport=ViewportSize(width=DESKTOP["width"], height=DESKTOP["height"]),
            java_script_enabled=javascript,
        )
        context.add_init_script(LIVE_PROBE)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        watch(page, username)
        sign_in(page, username)
        return page

    yield open_as
    for context in contexts:
        context.close()
    assert errors == [], errors


# --- steps, as a delegate takes them ---------------------------------------------------------


def open_live(page: Page, url: str) -> None:
    """Load a page afresh and wait until its live stream is subscribed on the server."""
    page.goto(url)
    page.wait_for_function("() => window.__sseConnected > 0", timeout=LIVE_TIMEOUT)


def settle(page: Page) -> None:
    """After a boosted form on a live page: wait until the page has a live stream and stays put.

    (Today static/js/live.js reloads a live page once more after every boosted navigation; see
    test_an_action_on_a_live_page_does_not_reload_it. This wait holds with or without that.)
    """
    for _ in range(5):
        try:
            page.wait_for_function("() => window.__sseConnected > 0", timeout=LIVE_TIMEOUT)
            page.evaluate("window.__settled = true")
            page.wait_for_timeout(300)
            if page.evaluate("window.__settled === true"):
                return
        except Error:
            continue  # the document was replaced while we looked: look again
    raise AssertionError(f"{page.url} never settled")


def mark_page(page: Page) -> None:
    page.evaluate("window.__stillHere = 'no reload'")


def assert_not_reloaded(page: Page, url_path: str) -> None:
    assert page.evaluate("window.__stillHere") == "no reload", "the page was reloaded"
    assert page.url.endswith(url_path), page.url


def draft(page: Page, pillar: str, title: str, text: str, rationale: str = "") -> int:
    page.goto(f"{COMMISSION}/groups/{pillar}")
    form = page.get_by_role("region", name="Draft a proposal")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Text of the norm").fill(text)
    if rationale:
        form.get_by_label("Rationale (optional)").fill(rationale)
    form.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/proposals/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".stage-line .badge")).to_have_text("Draft")
    settle(page)
    return int(page.url.rsplit("/", 1)[1])


def ask_to_sponsor(page: Page, display_name: str) -> None:
    choice = page.get_by_label("Ask a delegate to sponsor or co-author")
    value = choice.locator("option", has_text=display_name).get_attribute("value")
    assert value, f"{display_name} is not offered as a sponsor"
    choice.select_option(value)
    page.get_by_role("button", name="Ask to sponsor").click()
    expect(people_list(page)).to_contain_text(f"{display_name}")
    expect(people_list(page).locator("li", has_text=display_name)).to_contain_text("asked")
    settle(page)


def accept_sponsorship(page: Page, proposal_id: int, display_name: str) -> None:
    page.goto(f"/proposals/{proposal_id}")
    expect(page.get_by_text("The authors ask you to sponsor this proposal.")).to_be_visible()
    page.get_by_role("button", name="Sponsor it").click()
    expect(page.get_by_text("You sponsor this proposal.")).to_be_visible()
    expect(people_list(page).locator("li", has_text=display_name)).to_contain_text("sponsors")
    settle(page)


def people_list(page: Page) -> Locator:
    return page.get_by_role("region", name="Authors and sponsors").locator(".people-list")


def stage_action(page: Page, button: str, badge: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator(".stage-line .badge")).to_have_text(badge)
    settle(page)


def vote_panel(page: Page, proposal_id: int) -> Locator:
    return page.locator(f"#proposal-{proposal_id}-vote")


def cast(page: Page, proposal_id: int, choice: str, *, live: bool = True) -> None:
    page.goto(f"/proposals/{proposal_id}")
    vote_panel(page, proposal_id).get_by_role("button", name=choice, exact=True).click()
    expect(vote_panel(page, proposal_id)).to_contain_text(f"You voted: {choice}.")
    if live:
        settle(page)


def vote_as(people: Open, username: str, proposal_id: int, choice: str) -> None:
    """A delegate who only comes in to vote, in a browser without JavaScript: forms still work."""
    voter = people(username, javascript=False)
    cast(voter, proposal_id, choice, live=False)
    voter.context.close()


def delegation_legend(page: Page, proposal_id: int, delegation: str) -> Locator:
    row = vote_panel(page, proposal_id).locator(".tally-row", has_text=delegation)
    return row.locator(".tally__legend")


# --- 1. the whole journey, with two delegates watching each other live ------------------------


def test_us_and_prc_take_a_proposal_from_draft_to_norm(people: Open) -> None:
    us = people("us-lab")  # Sam Whitaker, an author with no chair
    prc = people("prc-mfa")  # Li Wei, head of the PRC delegation and FT co-chair
    title = unique("Human oversight of frontier AI evaluations")
    pid = draft(
        us,
        "frontier-technology",
        title,
        "Each side commits to human review of every dangerous-capability evaluation.",
        "Both sides want to know that a person, not a script, signs off on risky results.",
    )
    url = f"/proposals/{pid}"

    # Tabling needs a PRC sponsor: the page says what is missing.
    expect(us.locator(".shortfall")).to_be_visible()
    ask_to_sponsor(us, "Li Wei")
    accept_sponsorship(prc, pid, "Li Wei")

    # The co-chair's open page learns of the tabling live and offers to open debate.
    open_live(prc, url)
    mark_page(prc)
    us.goto(url)
    expect(us.locator(".shortfall")).to_have_count(0)
    stage_action(us, "Table the proposal", "Tabled")
    expect(prc.locator(".stage-line .badge")).to_have_text("Tabled", timeout=LIVE_TIMEOUT)
    assert_not_reloaded(prc, url)
    stage_action(prc, "Open debate", "In debate")

    # The US delegate is typing an argument of their own when the PRC argument arrives.
    open_live(us, url)
    mark_page(us)
    us.get_by_label("Your argument").fill("Half-typed thought that must survive")
    argument = "Would the review cover models that are only fine-tuned, not trained anew?"
    prc.get_by_role("radio", name="Question").check()
    prc.get_by_label("Your argument").fill(argument)
    prc.get_by_role("button", name="Post argument").click()
    expect(prc.locator(".argument-list")).to_contain_text(argument)
    settle(prc)

    arguments = us.locator(f"#proposal-{pid}-arguments")
    expect(arguments).to_contain_text(argument, timeout=LIVE_TIMEOUT)
    expect(arguments.locator(".argument", has_text=argument).locator(".tag")).to_have_text(
        "Question"
    )
    expect(us.get_by_label("Your argument")).to_have_value("Half-typed thought that must survive")
    assert_not_reloaded(us, url)

    # The US author replies; the reply lands, indented, under the argument on the PRC page.
    # The pushed reply form was drawn once for everyone who may reply: the page gave it its token.
    thread = us.locator(".argument-list > .argument", has_text=argument)
    pushed_token = thread.locator('input[name="csrf_token"]').first.input_value()
    page_token = us.locator('form[action="/sign-out"] input[name="csrf_token"]').input_value()
    assert pushed_token and pushed_token == page_token
    thread.get_by_text("Reply", exact=True).click()
    thread.get_by_label("Stance").select_option("support")
    thread.get_by_label("Your reply").fill("Yes: fine-tuning can add the very capability at issue.")
    thread.get_by_role("button", name="Post reply").click()
    replies = prc.locator(".argument-list > .argument", has_text=argument).locator(
        ".argument-replies"
    )
    expect(replies.first).to_contain_text("fine-tuning can add", timeout=LIVE_TIMEOUT)
    open_live(us, url)
    mark_page(us)

    # The PRC side proposes an amendment; the author sees it arrive and accepts it as friendly.
    prc.goto(url)
    prc.get_by_text("Propose an amendment").click()
    prc.get_by_label("New text").fill(
        "Each side guarantees human review of every dangerous-capability evaluation, "
        "including fine-tuned models, and reports the reviews yearly."
    )
    prc.get_by_role("button", name="Propose amendment").click()
    expect(prc.locator(".amendment")).to_contain_text("proposed")
    settle(prc)

    friendly = us.get_by_role("button", name="Accept as friendly")
    expect(friendly).to_be_visible(timeout=LIVE_TIMEOUT)
    assert_not_reloaded(us, url)
    friendly.click()
    expect(us.locator(".amendment")).to_contain_text("accepted as friendly")
    expect(us.locator(".proposal-text")).to_contain_text("including fine-tuned models")
    settle(us)
    check_accessibility(us, "proposal-debate")

    us.goto(f"{url}/diff?from=1&to=2")
    inserted = us.locator(".diff ins")
    expect(inserted.first).to_be_visible()
    assert "fine-tuned" in " ".join(inserted.all_inner_texts())
    expect(us.locator(".diff del")).to_have_text("commits to")
    check_accessibility(us, "proposal-diff")

    # The co-chair opens the vote; the author votes, then watches the PRC vote arrive live.
    prc.goto(url)
    stage_action(prc, "Open the vote", "Voting")
    cast(us, pid, "Yes")
    open_live(us, url)
    mark_page(us)
    expect(delegation_legend(us, pid, PRC)).to_contain_text("Yes 0")
    # The co-chair has the page open in a second tab too: their own ballot reaches it live.
    prc_tab = prc.context.new_page()
    open_live(prc_tab, url)
    cast(prc, pid, "Yes")
    expect(delegation_legend(us, pid, PRC)).to_contain_text("Yes 1", timeout=LIVE_TIMEOUT)
    expect(vote_panel(prc_tab, pid)).to_contain_text("You voted: Yes.", timeout=LIVE_TIMEOUT)
    expect(vote_panel(us, pid)).to_contain_text("You voted: Yes.")  # the US ballot, untouched
    prc_tab.close()
    expect(us.locator(".turnout")).to_contain_text(re.compile(r"^2 of \d+ eligible"))
    assert_not_reloaded(us, url)

    # Enough others vote for quorum (one half) and a majority in each delegation.
    vote_as(people, "us-state", pid, "Yes")
    vote_as(people, "us-ngo", pid, "Abstain")
    vote_as(people, "prc-chips", pid, "Yes")
    vote_as(people, "prc-ngo", pid, "No")
    expect(delegation_legend(us, pid, US)).to_contain_text("Yes 2", timeout=LIVE_TIMEOUT)
    expect(delegation_legend(us, pid, US)).to_contain_text("Abstain 1")
    expect(delegation_legend(us, pid, PRC)).to_contain_text("Yes 2")
    expect(delegation_legend(us, pid, PRC)).to_contain_text("No 1")
    expect(us.locator(".tally-explanation")).to_contain_text(US)
    expect(us.locator(".tally-explanation")).to_contain_text("China")
    assert_not_reloaded(us, url)
    check_accessibility(us, "proposal-voting")

    # The chair closes; the author's page turns to "Adopted" without a reload.
    prc.goto(url)
    prc.get_by_role("button", name="Close the vote").click()
    expect(prc.locator(".stage-line .badge")).to_have_text("Adopted")
    settle(prc)
    expect(us.locator(".stage-line .badge")).to_have_text("Adopted", timeout=LIVE_TIMEOUT)
    assert_not_reloaded(us, url)

    us.goto(url)
    expect(us.locator(".stage-line")).to_contain_text("Adopted")
    check_accessibility(us, "proposal-adopted")
    expect(us.locator("main"), "the adopted proposal names its norm code").to_contain_text(
        re.compile(r"\bFT-\d+\b")
    )


# --- 2. drafts are private --------------------------------------------------------------------


def test_a_draft_stays_hidden_until_its_reader_is_asked_to_sponsor(people: Open) -> None:
    author = people("us-scholar")
    title = unique("No covert AI personas in the other side's elections")
    group_url = f"{COMMISSION}/groups/disinformation"
    author.goto(group_url)
    check_accessibility(author, "working-group")
    pid = draft(
        author,
        "disinformation",
        title,
        "Neither state runs or pays for networks of AI-generated personas aimed at the "
        "other's voters.",
    )
    check_accessibility(author, "proposal-draft")

    outsider = people("prc-ngo")
    response = outsider.goto(f"/proposals/{pid}")
    assert response is not None and response.status == 404
    expect(outsider.locator("main")).not_to_contain_text(title)
    outsider.goto(group_url)
    expect(outsider.locator("#group-proposals")).not_to_contain_text(title)

    ask_to_sponsor(author, "Zhou Lan")
    response = outsider.goto(f"/proposals/{pid}")
    assert response is not None and response.status == 200
    expect(outsider.get_by_role("heading", level=1)).to_have_text(title)
    expect(outsider.get_by_role("button", name="Sponsor it")).to_be_visible()

    # Someone not asked still cannot see it, nor its diff.
    bystander = people("us-ngo")
    for path in (f"/proposals/{pid}", f"/proposals/{pid}/diff?from=1&to=1"):
        response = bystander.goto(path)
        assert response is not None and response.status == 404, path
        expect(bystander.locator("main")).not_to_contain_text(title)


# --- 3. a rejected proposal is revised and tabled for a second round --------------------------


def test_a_rejected_proposal_is_revised_and_tabled_again(people: Open) -> None:
    author = people("us-lab")
    chair = people("prc-pla")  # Zhang Min, CY co-chair (consensus: one "No" blocks)
    title = unique("No cyber operations against civilian power grids")
    pid = draft(
        author,
        "cybersecurity",
        title,
        "Neither side conducts or tolerates cyber operations against the other's power grid.",
    )
    url = f"/proposals/{pid}"
    ask_to_sponsor(author, "Zhang Min")
    accept_sponsorship(chair, pid, "Zhang Min")
    author.goto(url)
    stage_action(author, "Table the proposal", "Tabled")
    chair.goto(url)
    stage_action(chair, "Open debate", "In debate")
    stage_action(chair, "Open the vote", "Voting")

    cast(author, pid, "Yes")
    cast(chair, pid, "No")
    for username in ("us-cyber", "us-state", "prc-chips", "prc-mfa"):
        vote_as(people, username, pid, "Yes")
    chair.goto(url)
    chair.get_by_role("button", name="Close the vote").click()
    expect(chair.locator(".stage-line .badge")).to_have_text("Rejected")
    settle(chair)
    expect(chair.locator(".tally-explanation")).to_contain_text("no")

    # The authors revise the text and table it again: round 2, with a fresh vote.
    author.goto(url)
    expect(author.locator(".stage-line")).to_contain_text("table it again")
    author.get_by_role("link", name="Edit text").click()
    expect(author.get_by_role("heading", name="Edit proposal")).to_be_visible()
    check_accessibility(author, "proposal-edit")
    author.get_by_label("Text of the norm").fill(
        "Neither side conducts cyber operations against the other's civilian power grid "
        "in peacetime, and each names a contact point for incidents."
    )
    author.get_by_role("button", name="Save revision").click()
    author.wait_for_url(re.compile(rf"/proposals/{pid}$"))
    expect(author.locator(".proposal-text")).to_contain_text("contact point")
    settle(author)
    stage_action(author, "Table the proposal", "Tabled")
    expect(author.locator(".page-header")).to_contain_text("round 2")

    chair.goto(url)
    stage_action(chair, "Open debate", "In debate")
    stage_action(chair, "Open the vote", "Voting")
    author.goto(url)
    # The round-1 ballot does not count in round 2: the author may vote again.
    expect(vote_panel(author, pid).get_by_role("button", name="Yes", exact=True)).to_be_visible()
    expect(vote_panel(author, pid).locator(".turnout")).to_contain_text(re.compile(r"^0 of"))

    group = people("us-ngo")
    group.goto(f"{COMMISSION}/groups/cybersecurity")
    expect(group.locator("#group-proposals .card", has_text=title)).to_contain_text("round 2")


# --- live pages stay put -----------------------------------------------------------------------


def test_an_action_on_a_live_page_does_not_reload_it(people: Open) -> None:
    """A boosted form swaps the page in place; the new live stream must not trigger a reload.

    static/js/live.js treats every stream opening after the first one in a window as a
    reconnect and reloads, but hx-boost keeps the window, so after any form on a live page the
    page loads a second time (scroll, focus and anything typed since are lost).
    """
    author = people("us-ngo")
    pid = draft(author, "frontier-technology", unique("Joint registry of AI incidents"), "Text.")
    url = f"/proposals/{pid}"
    open_live(author, url)
    mark_page(author)
    loads: list[str] = []
    author.on("load", lambda loaded: loads.append(loaded.url))
    ask_to_sponsor(author, "Chen Jie")
    author.wait_for_timeout(1_000)
    assert loads == [], f"the page loaded again after a boosted form: {loads}"
    assert_not_reloaded(author, url)


# --- 4. caucus room and the secret-ballot explainer --------------------------------------------


def test_caucus_room_is_private_and_live(people: Open) -> None:
    writer = people("us-cyber")
    reader = people("us-scholar")
    other_side = people("prc-chips")
    room = f"{COMMISSION}/caucus/cybersecurity"
    open_live(reader, room)
    mark_page(reader)

    message = unique("Let us hold the line on the grid clause:")
    writer.goto(room)
    writer.get_by_label("Message to your delegation").fill(message)
    writer.get_by_role("button", name="Send").click()
    expect(writer.locator(".caucus-feed")).to_contain_text(message)
    settle(writer)
    check_accessibility(writer, "caucus")

    expect(reader.locator(".caucus-feed")).to_contain_text(message, timeout=LIVE_TIMEOUT)
    assert_not_reloaded(reader, room)

    other_side.goto(room)
    expect(other_side.get_by_role("heading", level=1)).to_contain_text("China")
    expect(other_side.locator("main")).not_to_contain_text(message)

    other_side.goto("/secret-ballots")
    expect(other_side.get_by_role("heading", level=1)).to_contain_text("secret ballot")
    check_accessibility(other_side, "secret-ballots")


def test_the_charter_and_a_norm_page_read_well(page: Page) -> None:
    """Runs after the journey above adopted a norm in the demo commission."""
    sign_in(page, "instructor")
    page.goto("/commissions/1/charter")
    norm_link = page.get_by_role("link", name=re.compile(r"^FT-\d+"))
    expect(norm_link.first).to_be_visible()
    check_accessibility(page, "charter-with-norms")
    norm_link.first.click()
    expect(page.get_by_role("heading", name="How the text came to be")).to_be_visible()
    check_accessibility(page, "norm-page")


# --- forms inside live lists ---------------------------------------------------------------------


def assert_one_page(page: Page, url_path: str) -> None:
    """The boosted form replaced the page: one header, one main, and the page's own address."""
    expect(page.locator(".site-header")).to_have_count(1)
    expect(page.locator("main")).to_have_count(1)
    assert page.url.endswith(url_path), page.url


def test_reply_and_hide_inside_the_live_argument_list_redraw_the_page_once(
    people: Open,
) -> None:
    """The argument list appends live arguments (hx-swap="beforeend"); the reply and hide forms
    inside it once inherited that and appended a second copy of the whole page."""
    author = people("us-ngo")
    sponsor = people("prc-ngo")
    chair = people("instructor")
    pid = draft(author, "frontier-technology", unique("Shared red-team findings"), "Text.")
    url = f"/proposals/{pid}"
    ask_to_sponsor(author, "Zhou Lan")
    accept_sponsorship(sponsor, pid, "Zhou Lan")
    author.goto(url)
    stage_action(author, "Table the proposal", "Tabled")
    chair.goto(url)
    stage_action(chair, "Open debate", "In debate")

    argument = "Which findings would be shared, and with whom?"
    sponsor.goto(url)
    sponsor.get_by_role("radio", name="Question").check()
    sponsor.get_by_label("Your argument").fill(argument)
    sponsor.get_by_role("button", name="Post argument").click()
    expect(sponsor.locator(".argument-list")).to_contain_text(argument)
    settle(sponsor)

    reply = "Only findings about catastrophic misuse, with both national contact points."
    author.goto(url)
    thread = author.locator(".argument-list > .argument", has_text=argument)
    thread.get_by_text("Reply", exact=True).click()
    thread.get_by_label("Your reply").fill(reply)
    thread.get_by_role("button", name="Post reply").click()
    expect(thread.locator(".argument-replies").first).to_contain_text(reply)
    settle(author)
    assert_one_page(author, url)
    expect(author.get_by_text(reply)).to_have_count(1)

    chair.goto(url)
    thread = chair.locator(".argument-list > .argument", has_text=argument)
    thread.get_by_text("Hide this argument").first.click()
    thread.get_by_label("Reason (logged)").first.fill("Repeated question")
    thread.get_by_role("button", name="Hide", exact=True).first.click()
    expect(chair.get_by_text("Hidden by an instructor: Repeated question")).to_have_count(1)
    settle(chair)
    assert_one_page(chair, url)
    expect(chair.get_by_text(argument)).to_have_count(0)


def test_a_refused_form_leaves_the_pages_own_address_to_reload(people: Open) -> None:
    """A boosted form that is refused redraws its page with the message; the address bar
    keeps the page's address, so a reload shows the page (it once answered 405)."""
    author = people("us-scholar")
    group = f"{COMMISSION}/groups/frontier-technology"
    author.goto(group)
    form = author.get_by_role("region", name="Draft a proposal")
    form.get_by_label("Title").fill("A title with no text")
    form.get_by_label("Text of the norm").fill("   ")
    form.get_by_role("button", name="Save draft").click()
    expect(author.get_by_text("Write the text of the norm you propose.")).to_be_visible()
    expect(form.get_by_label("Title")).to_have_value("A title with no text")
    assert author.url.endswith(group), author.url
    response = author.reload()
    assert response is not None
    assert response.status == 200
    expect(author.get_by_role("region", name="Draft a proposal")).to_be_visible()
    expect(author.get_by_role("navigation", name="Main")).to_contain_text("Riley Chen")


def test_a_message_pasted_with_a_nul_character_comes_back_without_it(people: Open) -> None:
    """A NUL (U+0000), which PostgreSQL cannot store, is refused at the edge (app/edge.py):
    the room is drawn again with the text in its box, the NUL taken out, and says why; the
    address stays the room's, and sent again the message goes through."""
    writer = people("us-cyber")
    room = f"{COMMISSION}/caucus/cybersecurity"
    writer.goto(room)
    message = unique("Pasted from a PDF:")
    box = writer.get_by_label("Message to your delegation")
    box.fill(message + "\x00 the grid clause")
    writer.get_by_role("button", name="Send").click()
    expect(writer.locator(".refused-text")).to_contain_text("NUL character")
    expect(box).to_have_value(message + " the grid clause")
    assert writer.url.endswith(room), writer.url
    settle(writer)
    check_accessibility(writer, "refused-text")
    writer.get_by_role("button", name="Send").click()
    expect(writer.locator(".caucus-feed")).to_contain_text(message + " the grid clause")
    expect(writer.locator(".refused-text")).to_have_count(0)
