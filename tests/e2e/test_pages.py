"""Walk the foundation's pages as people do, and check each with axe-core."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import DESKTOP, check_accessibility, sign_in


def join_code_of_demo(page: Page) -> str:
    sign_in(page, "instructor")
    page.goto("/")
    page.get_by_role("link", name=re.compile("demo seminar")).click()
    code = page.locator(".join-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    return code


def test_visitor_home_and_sign_in_page(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("commission")
    check_accessibility(page, "home-visitor")
    page.get_by_role("link", name="Sign in").first.click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    check_accessibility(page, "sign-in")


def test_bad_sign_in_keeps_the_name_and_explains(page: Page) -> None:
    page.goto("/sign-in")
    page.get_by_label("Sign-in name").fill("us-state")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    expect(page.get_by_label("Sign-in name")).to_have_value("us-state")
    check_accessibility(page, "sign-in-error")


def test_delegate_reads_overview_and_only_their_own_brief(page: Page) -> None:
    sign_in(page, "us-state")
    check_accessibility(page, "home-delegate")
    page.get_by_role("link", name=re.compile("demo seminar")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cooling Off")
    seat = page.get_by_role("region", name="Your seat", exact=True)
    expect(seat).to_contain_text("United States")
    expect(seat.get_by_role("heading", name=re.compile("Your private brief"))).to_be_visible()
    expect(seat).to_contain_text("Your red lines")
    # Another delegate's brief (the PRC foreign ministry's) is nowhere on the page.
    expect(page.locator("body")).not_to_contain_text("Arms Control")
    expect(page.get_by_role("region", name="Roster", exact=True)).to_contain_text("Li Wei")
    check_accessibility(page, "overview-delegate")


def test_other_side_sees_its_own_brief_not_ours(page: Page) -> None:
    sign_in(page, "prc-mfa")
    page.get_by_role("link", name=re.compile("demo seminar")).click()
    seat = page.get_by_role("region", name="Your seat", exact=True)
    expect(seat).to_contain_text("People's Republic of China")
    expect(seat.get_by_role("heading", name=re.compile("Your private brief"))).to_be_visible()
    us_brief_title = "Cyberspace"
    expect(seat).not_to_contain_text(us_brief_title)


def test_instructor_sees_join_code_and_roster(page: Page) -> None:
    join_code_of_demo(page)
    expect(page.get_by_role("region", name="Roster", exact=True)).to_contain_text("Private brief")
    check_accessibility(page, "overview-instructor")
    page.goto("/account")
    check_accessibility(page, "account")


def test_student_joins_with_a_code_on_a_phone(browser: Browser, server: str, page: Page) -> None:
    code = join_code_of_demo(page)
    phone = browser.new_context(base_url=server, viewport={"width": 375, "height": 740})
    student = phone.new_page()
    student.goto("/join")
    check_accessibility(student, "join")
    student.get_by_label("Join code").fill(code.lower())
    student.get_by_label("Your name").fill("Casey Latecomer")
    student.get_by_label("Choose a sign-in name").fill("casey")
    student.get_by_label("Choose a password").fill("short")
    student.get_by_role("button", name="Join").click()
    # The bad password is explained next to its field and nothing typed is lost.
    expect(student.locator("#password-error")).to_contain_text("at least 8 characters")
    expect(student.get_by_label("Your name")).to_have_value("Casey Latecomer")
    check_accessibility(student, "join-error")
    student.get_by_label("Choose a password").fill("a long enough password")
    student.get_by_role("button", name="Join").click()
    student.wait_for_url(re.compile(r"/commissions/\d+$"))
    expect(student.get_by_role("region", name="Your seat", exact=True)).to_contain_text(
        "has not seated you"
    )
    expect(student.get_by_role("region", name="Roster", exact=True)).to_contain_text(
        "Casey Latecomer"
    )
    check_accessibility(student, "overview-new-student")
    phone.close()


def test_keyboard_user_can_skip_to_content(page: Page) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto("/sign-in")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()


def test_sign_out_ends_the_session(page: Page) -> None:
    sign_in(page, "us-cyber")
    page.get_by_role("button", name="Sign out").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")
    ).to_be_visible()
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/account"))
