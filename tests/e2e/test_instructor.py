"""An instructor goes from nothing to an open commission with a seated student, in a browser."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import PHONE, check_accessibility, sign_in


def test_instructor_opens_a_commission_and_seats_a_student_who_sees_it_live(
    browser: Browser, server: str, page: Page
) -> None:
    title = f"IR 342 {uuid.uuid4().hex[:6]}"
    sign_in(page, "instructor")
    page.get_by_role("link", name="Instructor").click()
    expect(page.get_by_role("heading", name="Open a commission")).to_be_visible()
    check_accessibility(page, "instructor-home")
    # From a fresh scenario: clone the built-in one and sharpen a brief for this class.
    page.get_by_role("link", name="Cooling Off", exact=True).click()
    page.get_by_role("button", name="Clone").click()
    expect(page.get_by_role("button", name="Save the whole scenario")).to_be_visible()
    first_brief = page.locator("li.card", has=page.locator("form[action*='/briefs/']")).first
    first_brief.locator("summary").click()
    first_brief.get_by_label("Red lines").fill("- Never accept inspections of military AI.")
    first_brief.get_by_role("button", name=re.compile("Save brief")).click()
    page.wait_for_url(re.compile(r"/scenarios/\d+"))
    clone_title = page.get_by_role("heading", level=1).inner_text()
    page.goto("/instructor")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Scenario", exact=True).select_option(label=clone_title)
    page.get_by_role("button", name="Open commission").click()
    page.wait_for_url(re.compile(r"/commissions/\d+/manage$"))
    console = page.url
    code = page.locator(".join-code").first.inner_text()
    check_accessibility(page, "instructor-console")

    page.get_by_role("link", name="Show it on the projector").click()
    expect(page.locator(".join-code")).to_have_text(code)
    check_accessibility(page, "join-code-projector")
    page.goto(console)

    # A student joins from a phone and waits on the overview.
    phone = browser.new_context(base_url=server, viewport=PHONE)
    student = phone.new_page()
    student.goto("/join")
    student.get_by_label("Join code").fill(code)
    student.get_by_label("Your name").fill("Robin Student")
    name = f"robin-{uuid.uuid4().hex[:6]}"
    student.get_by_label("Choose a sign-in name").fill(name)
    student.get_by_label("Choose a password").fill("a long enough password")
    student.get_by_role("button", name="Join").click()
    student.wait_for_url(re.compile(r"/commissions/\d+$"))
    seat = student.get_by_role("region", name="Your seat", exact=True)
    expect(seat).to_contain_text("has not seated you")
    student.evaluate("window.__stayed = true")

    # The instructor seats the student; the student's page changes without a reload.
    page.reload()
    card = page.locator("li.seat-card", has_text="Robin Student")
    card.get_by_label("Delegation", exact=True).select_option(label="People's Republic of China")
    card.get_by_label("Sector", exact=True).select_option(label="Academia")
    card.get_by_role("button", name=re.compile("Save seat")).click()
    page.wait_for_url(re.compile(r"/manage"))
    expect(seat).to_contain_text("People's Republic of China", timeout=10_000)
    expect(seat).to_contain_text("Academia")
    assert student.evaluate("window.__stayed") is True

    # A crisis inject written on the spot reaches the student at once, as a banner.
    page.goto(console + "#injects")
    page.get_by_label("Headline").fill("Typhoon closes the port")
    page.get_by_label("What happened").fill("All shipping halted for 48 hours.")
    page.get_by_label("Publish at once").check()
    page.get_by_role("button", name="Save inject").click()
    page.wait_for_url(re.compile(r"/manage"))
    expect(student.locator(".banner--inject")).to_contain_text(
        "Typhoon closes the port", timeout=10_000
    )
    assert student.evaluate("window.__stayed") is True
    check_accessibility(student, "overview-with-inject")
    phone.close()


def test_a_bad_roster_file_is_explained_by_line(page: Page, tmp_path: object) -> None:
    from pathlib import Path

    sign_in(page, "instructor")
    page.goto("/instructor")
    page.get_by_role("link", name=re.compile("demo seminar")).click()
    page.wait_for_url(re.compile(r"/manage$"))
    bad = Path(str(tmp_path)) / "roster.csv"
    bad.write_text("name,email\nAda,ada@example.edu\n=cmd|' /C calc'!A0,x@example.edu\n")
    page.get_by_label("CSV file (UTF-8, at most 1 MB)").set_input_files(str(bad))
    page.get_by_role("button", name="Enrol and print credentials").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Nothing was imported")
    expect(alert).to_contain_text("Line 3")
    check_accessibility(page, "instructor-roster-error")
    good = Path(str(tmp_path)) / "good.csv"
    good.write_text(f"name\nKai {uuid.uuid4().hex[:4]}\n")
    page.get_by_label("CSV file (UTF-8, at most 1 MB)").set_input_files(str(good))
    page.get_by_role("button", name="Enrol and print credentials").click()
    expect(page.get_by_role("heading", name=re.compile("Credentials for"))).to_be_visible()
    check_accessibility(page, "instructor-credentials")


def test_the_dashboard_and_conclusion_pages_are_accessible(page: Page) -> None:
    sign_in(page, "instructor")
    page.goto("/instructor")
    page.get_by_role("link", name=re.compile("demo seminar")).click()
    page.wait_for_url(re.compile(r"/manage$"))
    page.get_by_role("link", name="Live dashboard").click()
    expect(page.get_by_role("heading", name="Live dashboard")).to_be_visible()
    check_accessibility(page, "instructor-dashboard")
    page.go_back()
    page.get_by_role("link", name=re.compile("Conclude the commission")).click()
    expect(page.get_by_role("heading", name="What will close")).to_be_visible()
    check_accessibility(page, "instructor-conclude")
    manage_url = page.url.split("/manage")[0]
    page.goto(manage_url + "/charter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Charter of")
    check_accessibility(page, "charter")


def test_scenario_pages_are_accessible_and_clone(page: Page) -> None:
    sign_in(page, "instructor")
    page.goto("/instructor")
    page.get_by_role("link", name="Cooling Off", exact=True).click()
    expect(page.get_by_role("heading", name="Private role briefs")).to_be_visible()
    check_accessibility(page, "scenario-built-in")
    page.get_by_role("button", name="Clone").click()
    expect(page.get_by_role("button", name="Save the whole scenario")).to_be_visible()
    check_accessibility(page, "scenario-editable")
