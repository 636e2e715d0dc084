"""The roster in a browser: the example file, auto-assign with the groups choice, briefs running
short, a password reset, and the console after conclusion."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from app.instructor.roster import parse_roster
from tests.e2e.conftest import check_accessibility, sign_in

COOLING_OFF_BRIEFS = 12


def open_commission(page: Page) -> str:
    sign_in(page, "instructor")
    page.goto("/instructor")
    page.get_by_label("Title").fill(f"Roster {uuid.uuid4().hex[:6]}")
    page.get_by_label("Scenario", exact=True).select_option(label="Cooling Off (built-in)")
    page.get_by_role("button", name="Open commission").click()
    page.wait_for_url(re.compile(r"/commissions/\d+/manage$"))
    return page.url


def test_the_example_roster_downloads_and_auto_assign_follows_the_groups_choice(
    page: Page, tmp_path: Path
) -> None:
    console = open_commission(page)
    enrol = page.get_by_role("region", name="Enrol from a file")
    expect(enrol.locator("code.csv-header")).to_have_text("name,email,delegation,sector")

    with page.expect_download() as download_info:
        enrol.get_by_role("link", name=re.compile("Download an example file")).click()
    download = download_info.value
    assert download.suggested_filename == "roster-example.csv"
    example = Path(download.path()).read_bytes()
    rows, problems = parse_roster(
        example,
        delegations={"US": "United States", "PRC": "People's Republic of China"},
        sectors={"government": "Government", "military": "Military"},
    )
    assert problems == [] and len(rows) == 3
    # hx-boost would fetch a download link into the page instead; the archive link is one too.
    with page.expect_download() as archive_info:
        page.get_by_role("link", name="Archive (JSON, without students’ private drafts)").click()
    assert archive_info.value.suggested_filename.endswith(".json")

    # The example itself enrols three; a file of eleven more makes fourteen for twelve briefs.
    extra = tmp_path / "class.csv"
    extra.write_text("name\n" + "\n".join(f"Student {i:02d}" for i in range(11)) + "\n")
    for roster_file in (Path(download.path()), extra):
        page.get_by_label("CSV file (UTF-8, at most 1 MB)").set_input_files(str(roster_file))
        page.get_by_role("button", name="Enrol and print credentials").click()
        # Eleven Argon2 hashes at full cost take a few seconds on a busy machine.
        expect(page.get_by_role("heading", name=re.compile("Credentials for"))).to_be_visible(
            timeout=60_000
        )
        page.goto(console)

    roster = page.get_by_role("region", name=re.compile("Roster"))
    expect(roster.get_by_role("heading", level=2)).to_have_text("Roster (14 students)")
    warning = page.locator("#brief-warning")
    expect(warning).to_contain_text(
        f"There are more students to seat (14) than private briefs ({COOLING_OFF_BRIEFS})."
    )

    choice = page.get_by_role("group", name="Working groups per student")
    expect(choice.get_by_label("All 3 working groups")).to_be_checked()
    choice.get_by_label("1 working group", exact=True).check()
    page.get_by_label("Also reseat people who already have a seat").check()
    page.get_by_role("button", name="Auto-assign seats").click()

    shared = page.locator("#shared-briefs")
    expect(shared).to_contain_text("held by more than one student", timeout=30_000)
    expect(shared.locator("li")).to_have_count(14 - COOLING_OFF_BRIEFS)
    cards = page.locator("li.seat-card")
    expect(cards).to_have_count(14)
    sizes = {"FT": 0, "CY": 0, "DI": 0}
    for index in range(14):
        card = cards.nth(index)
        places = {
            label.strip()
            for label in card.locator("label.check")
            .filter(has=page.locator("input[name=group_ids]:checked"))
            .all_inner_texts()
        }
        chaired = card.locator("input[name=co_chair_group_ids]:checked").count()
        assert len(places) == max(1, chaired), places
        for place in places:
            sizes[place] += 1
    assert max(sizes.values()) - min(sizes.values()) <= 1, sizes
    check_accessibility(page, "instructor-console-auto-assigned")

    # A password reset for one of them: shown once on a page of its own.
    first = cards.first
    name = first.locator("legend").inner_text().split(" (")[0]
    first.locator("details.password-reset summary").click()
    first.get_by_role("button", name=f"Give {name} a new password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"A new password for {name}")
    expect(page.locator("code.new-password")).to_have_text(
        re.compile(r"^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$")
    )
    check_accessibility(page, "instructor-new-password")


def test_after_conclusion_the_console_is_a_record(page: Page) -> None:
    console = open_commission(page)
    page.get_by_role("button", name="Start the session").click()
    page.wait_for_url(re.compile(r"/manage$"))
    page.get_by_role("link", name=re.compile("Conclude the commission")).click()
    page.get_by_label("Only the instructors, for now").check()
    page.get_by_role("button", name="Conclude and publish the charter").click()
    page.wait_for_url(re.compile(r"/manage$"))
    page.goto(console)
    expect(page.get_by_role("button", name="Auto-assign seats")).to_have_count(0)
    expect(page.get_by_label("CSV file (UTF-8, at most 1 MB)")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Save rules"))).to_have_count(0)
    expect(page.get_by_role("button", name="Add delegation")).to_have_count(0)
    expect(page.get_by_text("nobody new is enrolled").first).to_be_visible()
    check_accessibility(page, "instructor-console-concluded")
