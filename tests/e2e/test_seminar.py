"""A whole seminar, as its people do it, against `commission serve` in Chromium.

The instructor opens a commission from "Cooling Off", enrols four students from a CSV file,
auto-assigns their seats and makes the cybersecurity group vote by secret ballot. A US and a
PRC student, each in a browser of their own, draft, sponsor, debate (with a reply and a
friendly amendment) and vote, once by roll call and once in secret. The instructor concludes
and publishes the charter, and a visitor finds the new norms in the registry, attributed to
delegations and sectors, never to the students.

It runs on a database of its own (the other browser tests share the demo commission).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from tests.e2e.conftest import DESKTOP, PHONE, check_accessibility, sign_in
from tests.e2e.test_proposals import (
    LIVE_PROBE,
    LIVE_TIMEOUT,
    accept_sponsorship,
    ask_to_sponsor,
    assert_one_page,
    settle,
    stage_action,
    vote_panel,
)
from tests.servers import app_environment, run_cli, served_app, sqlite_url

STUDENTS = (
    ("Avery Lindqvist", "US", "private"),
    ("Jordan Marsh", "US", "government"),
    ("Mei Zhou", "PRC", "academia"),
    ("Hao Chen", "PRC", "military"),
)


@pytest.fixture(scope="module")
def seminar_server() -> Iterator[str]:
    workdir = Path(tempfile.mkdtemp(prefix="commission-seminar-"))
    env = app_environment(sqlite_url(workdir, "seminar.db"))
    run_cli(["demo", "--no-serve"], env, timeout=180)
    with served_app(env, log_dir=workdir) as app:
        yield app.base_url
    shutil.rmtree(workdir, ignore_errors=True)


class Room:
    """Browser contexts on the seminar's server; any console error fails the test."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser, self.base_url = browser, base_url
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []

    def open(self, who: str, *, phone: bool = False) -> Page:
        context = self.browser.new_context(
            base_url=self.base_url, viewport=PHONE if phone else DESKTOP
        )
        context.add_init_script(LIVE_PROBE)
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)

        def on_console(m: ConsoleMessage) -> None:
            if m.type == "error" and not m.text.startswith("Failed to load resource"):
                self.errors.append(f"{who}: {m.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda e: self.errors.append(f"{who}: {e}"))
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def room(browser: Browser, seminar_server: str) -> Iterator[Room]:
    opened = Room(browser, seminar_server)
    yield opened
    opened.close()
    assert opened.errors == [], opened.errors


def sign_in_as(page: Page, username: str, password: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Sign-in name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def redrawn_after(page: Page, click: Callable[[], None]) -> None:
    """Click, and wait until the boosted form's answer has replaced the page's content."""
    page.evaluate("document.querySelector('main').dataset.before = 'yes'")
    click()
    page.wait_for_function("() => !document.querySelector('main')?.dataset.before")


def draft_in(page: Page, group_url: str, title: str, text: str) -> int:
    page.goto(group_url)
    form = page.get_by_role("region", name="Draft a proposal")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Text of the norm").fill(text)
    form.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/proposals/\d+$"))
    settle(page)
    return int(page.url.rsplit("/", 1)[1])


def ballot(page: Page, proposal_id: int, choice: str) -> None:
    page.goto(f"/proposals/{proposal_id}")
    vote_panel(page, proposal_id).get_by_role("button", name=choice, exact=True).click()
    expect(vote_panel(page, proposal_id)).to_contain_text(
        re.compile(rf"You voted: {choice}\.|You have voted\.")
    )
    settle(page)


def test_a_whole_seminar_from_roster_to_registry(room: Room, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:6]
    prof = room.open("instructor")
    sign_in(prof, "instructor")

    # --- the day before: open, enrol from the course system's CSV, seat, set the rules ---------
    prof.goto("/instructor")
    prof.get_by_label("Title").fill(f"IR 342 seminar {tag}")
    prof.get_by_label("Scenario", exact=True).select_option(label="Cooling Off (built-in)")
    prof.get_by_role("button", name="Open commission").click()
    prof.wait_for_url(re.compile(r"/commissions/\d+/manage$"))
    console = prof.url.removeprefix(room.base_url)
    commission = console.removesuffix("/manage")

    roster = tmp_path / "class.csv"
    roster.write_text(
        "name,delegation,sector\n" + "".join(f"{n},{d},{s}\n" for n, d, s in STUDENTS),
        encoding="utf-8",
    )
    prof.get_by_label("CSV file (UTF-8, at most 1 MB)").set_input_files(str(roster))
    prof.get_by_role("button", name="Enrol and print credentials").click()
    sheet = prof.locator("table tbody tr")
    expect(sheet).to_have_count(len(STUDENTS))
    logins: dict[str, tuple[str, str]] = {}
    for row in sheet.all():
        cells = row.locator("td").all_inner_texts()
        logins[cells[0].strip()] = (cells[1].strip(), cells[2].strip())
    assert set(logins) == {s[0] for s in STUDENTS}

    prof.goto(console)
    prof.get_by_label(re.compile(r"All 3 working groups")).check()
    redrawn_after(prof, prof.get_by_role("button", name="Auto-assign seats").click)
    rules = prof.locator("fieldset", has=prof.locator("#type-CY"))
    rules.get_by_label("Ballot", exact=True).select_option("secret")
    redrawn_after(prof, rules.get_by_role("button", name=re.compile("Save rules")).click)
    expect(prof.locator("#type-CY")).to_have_value("secret")
    redrawn_after(prof, prof.get_by_role("button", name="Start the session").click)
    expect(prof.get_by_role("button", name="Start the session")).to_have_count(0)

    # --- the seminar: two sides, each in its own browser ---------------------------------------
    us = room.open("us student", phone=True)
    sign_in_as(us, *logins["Avery Lindqvist"])
    prc = room.open("prc student")
    sign_in_as(prc, *logins["Mei Zhou"])
    us_colleague = room.open("us colleague")
    sign_in_as(us_colleague, *logins["Jordan Marsh"])
    prc_colleague = room.open("prc colleague")
    sign_in_as(prc_colleague, *logins["Hao Chen"])

    title = f"Joint AI incident reporting {tag}"
    pid = draft_in(
        us,
        f"{commission}/groups/frontier-technology",
        title,
        "Each side reports serious AI incidents affecting critical infrastructure "
        f"to the other within 72 hours. Ledger {tag}.",
    )
    url = f"/proposals/{pid}"
    ask_to_sponsor(us, "Mei Zhou")
    accept_sponsorship(prc, pid, "Mei Zhou")
    us.goto(url)
    stage_action(us, "Table the proposal", "Tabled")
    prof.goto(url)
    stage_action(prof, "Open debate", "In debate")

    question = "Does critical infrastructure include undersea cables?"
    prc.goto(url)
    prc.get_by_role("radio", name="Question").check()
    prc.get_by_label("Your argument").fill(question)
    prc.get_by_role("button", name="Post argument").click()
    expect(prc.locator(".argument-list")).to_contain_text(question)
    settle(prc)

    us.goto(url)
    thread = us.locator(".argument-list > .argument", has_text=question)
    thread.get_by_text("Reply", exact=True).click()
    thread.get_by_label("Your reply").fill("Yes, and the landing stations on either shore.")
    thread.get_by_role("button", name="Post reply").click()
    expect(thread.locator(".argument-replies").first).to_contain_text("landing stations")
    settle(us)
    assert_one_page(us, url)

    prc.goto(url)
    prc.get_by_text("Propose an amendment").click()
    prc.get_by_label("New text").fill(
        "Each side reports serious AI incidents affecting power grids, water systems and "
        f"undersea cables to the other within 72 hours. Ledger {tag}."
    )
    prc.get_by_role("button", name="Propose amendment").click()
    expect(prc.locator(".amendment")).to_contain_text("proposed")
    settle(prc)
    us.goto(url)
    us.get_by_role("button", name="Accept as friendly").click()
    expect(us.locator(".proposal-text")).to_contain_text("undersea cables")
    settle(us)

    # Roll call: the tally counts up live on the PRC student's open page.
    prof.goto(url)
    stage_action(prof, "Open the vote", "Voting")
    prc.goto(url)
    settle(prc)
    prc.evaluate("window.__stillHere = 'no reload'")
    for page in (us, us_colleague, prc_colleague):
        ballot(page, pid, "Yes")
    expect(prc.locator(".turnout")).to_contain_text("3 of 4 eligible", timeout=LIVE_TIMEOUT)
    assert prc.evaluate("window.__stillHere") == "no reload"
    ballot(prc, pid, "Yes")
    prof.goto(url)
    expect(prof.locator(".everyone-voted")).to_contain_text("Everyone eligible has voted")
    prof.get_by_role("button", name="Close the vote").click()
    expect(prof.locator(".stage-line .badge")).to_have_text("Adopted")
    settle(prof)

    # Secret ballot in the cybersecurity group: only totals are kept.
    secret_title = f"No attacks on hospitals {tag}"
    sid = draft_in(
        prc,
        f"{commission}/groups/cybersecurity",
        secret_title,
        f"Neither side attacks the other's hospitals by cyber means. Ledger {tag}.",
    )
    ask_to_sponsor(prc, "Jordan Marsh")
    accept_sponsorship(us_colleague, sid, "Jordan Marsh")
    prc.goto(f"/proposals/{sid}")
    stage_action(prc, "Table the proposal", "Tabled")
    prof.goto(f"/proposals/{sid}")
    stage_action(prof, "Open debate", "In debate")
    stage_action(prof, "Open the vote", "Voting")
    expect(vote_panel(prof, sid)).to_contain_text("Secret ballot")
    for page in (us, us_colleague, prc, prc_colleague):
        ballot(page, sid, "Yes")
    expect(vote_panel(us, sid)).to_contain_text("Your choice is not stored with your name")
    prof.goto(f"/proposals/{sid}")
    # Sealed until the close: the instructor too sees the turnout, never a tally.
    expect(vote_panel(prof, sid)).to_contain_text("stay sealed until the vote closes")
    expect(vote_panel(prof, sid).locator(".tally-row")).to_have_count(0)
    prof.get_by_role("button", name="Close the vote").click()
    expect(prof.locator(".stage-line .badge")).to_have_text("Adopted")
    settle(prof)

    # --- 80-90: conclude and publish the charter to everyone ----------------------------------
    prof.goto(f"{console}/conclude")
    prof.get_by_label("Everyone, in the public registry of norms").check()
    prof.get_by_role("button", name="Conclude and publish the charter").click()
    # The conclusion lands back on the console (the conclude page's own address also holds
    # "/manage", so wait for the console's address exactly, and for its concluded state).
    prof.wait_for_url(re.compile(r"/commissions/\d+/manage$"))
    expect(prof.locator("main")).to_contain_text("The commission has concluded")

    us.goto(f"{commission}/charter")
    expect(us.locator("main")).to_contain_text(title)
    check_accessibility(us, "seminar-charter-student")
    with us.expect_download() as download:
        us.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    assert_one_page(us, f"{commission}/charter")

    # --- afterwards: a visitor from another university searches the registry ------------------
    visitor = room.open("visitor")
    visitor.goto("/norms")
    visitor.get_by_label("Search the text of norms").fill(f"ledger {tag}")
    # The page lists every norm before the search answers: wait for the answer, or the click
    # below leaves while the search is in flight (its status line then has no page to land on).
    expect(visitor.locator("#registry-count")).to_contain_text(
        re.compile(r"norms? match(es)? your search")
    )
    results = visitor.locator("#registry-results")
    expect(results).to_contain_text(title)
    expect(results).to_contain_text(secret_title)
    results.get_by_role("link", name=re.compile(re.escape(title))).first.click()
    expect(visitor.get_by_role("heading", level=1)).to_contain_text(title)
    expect(visitor.locator("main")).to_contain_text("undersea cables")
    check_accessibility(visitor, "seminar-norm-visitor")
    for surface in (visitor.url, f"{room.base_url}{commission}/charter", f"{room.base_url}/norms"):
        visitor.goto(surface)
        text = visitor.locator("body").inner_text()
        for name, _delegation, _sector in STUDENTS:
            assert name not in text, f"{name} is named on {surface}"
        for username, _password in logins.values():
            assert username not in text, f"{username} is named on {surface}"
