"""An instructor arms, edits, disarms, cancels and publishes injects on the console, and the live
dashboard lists what fired and what is waiting, redrawn as it changes."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import DESKTOP, check_accessibility, sign_in

PORT = "FLASH: Ransomware blackout in a Pacific port city"
TALK = "Capitals react: 'a talking shop'"
INDIA = "India asks for observer status; Brussels is watching"
QUANTUM = "Quantum result sparks calls for new limits"


def inject_card(page: Page, title: str) -> Locator:
    return page.locator("li.inject-card", has=page.get_by_role("heading", name=title, exact=True))


def test_instructor_manages_injects_and_the_dashboard_follows(
    browser: Browser, server: str, page: Page
) -> None:
    sign_in(page, "instructor")
    page.goto("/instructor")
    page.get_by_label("Title").fill(f"Injects {uuid.uuid4().hex[:6]}")
    page.get_by_label("Scenario", exact=True).select_option(label="Cooling Off (built-in)")
    page.get_by_role("button", name="Open commission").click()
    page.wait_for_url(re.compile(r"/commissions/\d+/manage$"))
    console = page.url
    dashboard = console.replace("/manage", "/dashboard")

    # Copied from the scenario, nothing is armed: the trigger is only a suggestion.
    port = inject_card(page, PORT)
    expect(port.locator(".badge")).to_have_text("not armed")
    expect(port).to_contain_text("suggested: when a vote opens in Cybersecurity")

    # Arm it for a vote in Cybersecurity.
    port.locator("summary").click()
    port.get_by_label("Fire when").select_option(label="a vote opens")
    port.get_by_label("in", exact=True).select_option(label="Cybersecurity")
    port.get_by_role("button", name="Arm", exact=True).click()
    page.wait_for_url(re.compile(r"/manage(#.*)?$"))
    port = inject_card(page, PORT)
    expect(port.locator(".badge")).to_have_text("armed")
    expect(port).to_contain_text("fires when a vote opens in Cybersecurity")

    # Edit it: a new headline, only for the PRC delegation; it stays armed.
    port.get_by_role("link", name=re.compile("^Edit")).click()
    page.wait_for_url(re.compile(r"/injects/\d+/edit$"))
    expect(page.get_by_role("heading", name="Edit the inject")).to_be_visible()
    check_accessibility(page, "inject-edit")
    # axe leaves empty style attributes behind, which htmx would copy when it settles the
    # refused form over these same elements (a CSP report): start from a clean page.
    page.reload()
    page.get_by_label("Headline").fill("Ransomware blackout in Busan")
    page.get_by_label("Only to one delegation").select_option(label="People's Republic of China")
    # Waiting for a quiet group needs the number of quiet minutes: refused, the typing kept.
    page.get_by_label("Fires").select_option(label="when a group is quiet")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was changed")
    expect(page.get_by_text("Say after how many quiet minutes (1 to 600).")).to_be_visible()
    expect(page.get_by_label("Headline")).to_have_value("Ransomware blackout in Busan")
    check_accessibility(page, "inject-edit-refused")
    page.get_by_label("Fires").select_option(label="when a vote opens")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"/manage(#.*)?$"))
    busan = inject_card(page, "Ransomware blackout in Busan")
    expect(busan.locator(".badge")).to_have_text("armed")
    expect(busan).to_contain_text("only to People's Republic of China")

    # Disarm it: back to waiting for the instructor.
    busan.get_by_role("button", name=re.compile("^Disarm")).click()
    page.wait_for_url(re.compile(r"/manage(#.*)?$"))
    busan = inject_card(page, "Ransomware blackout in Busan")
    expect(busan.locator(".badge")).to_have_text("not armed")
    expect(busan.get_by_role("button", name=re.compile("^Disarm"))).to_have_count(0)

    # Cancel one, schedule one, publish one.
    inject_card(page, TALK).get_by_role("button", name=re.compile("^Cancel this inject")).click()
    page.wait_for_url(re.compile(r"/manage(#.*)?$"))
    talk = inject_card(page, TALK)
    expect(talk.locator(".badge")).to_have_text("cancelled")
    expect(talk.get_by_role("button", name=re.compile("^Restore"))).to_be_visible()
    quantum = inject_card(page, QUANTUM)
    quantum.locator("summary").click()
    quantum.get_by_label("In minutes").fill("45")
    quantum.get_by_role("button", name="Schedule", exact=True).click()
    page.wait_for_url(re.compile(r"/manage(#.*)?$"))
    expect(inject_card(page, QUANTUM).locator(".badge")).to_have_text("scheduled")
    india = inject_card(page, INDIA)
    india.locator("summary").click()
    india.get_by_role("button", name="Publish now").click()
    page.wait_for_url(re.compile(r"/manage(#.*)?$"))
    india = inject_card(page, INDIA)
    expect(india.locator(".badge")).to_have_text("published")
    expect(india.get_by_role("link", name=re.compile("^Edit"))).to_have_count(0)
    expect(india.get_by_role("button", name=re.compile("^Cancel"))).to_have_count(0)
    page.locator("#injects").scroll_into_view_if_needed()
    check_accessibility(page, "inject-console")

    # The dashboard lists what fired and what waits, with the trigger and the time.
    page.goto(dashboard)
    panel = page.get_by_role("region", name="Crisis injects")
    fired = panel.locator("div", has=page.get_by_role("heading", name=re.compile("^Fired")))
    waiting = panel.locator("div", has=page.get_by_role("heading", name=re.compile("^Waiting")))
    expect(panel.get_by_role("heading", name="Fired (1)")).to_be_visible()
    expect(fired.last).to_contain_text(INDIA)
    expect(fired.last).to_contain_text("published by hand at")
    expect(waiting.last).to_contain_text("Ransomware blackout in Busan")
    expect(waiting.last).to_contain_text("goes out at")
    expect(panel).not_to_contain_text(TALK)
    check_accessibility(page, "inject-dashboard")

    # Published from another window, the inject moves to "Fired" without a reload.
    page.evaluate("window.__stayed = true")
    other = browser.new_context(base_url=server, viewport=DESKTOP)
    second = other.new_page()
    sign_in(second, "instructor")
    second.goto(console)
    busan = inject_card(second, "Ransomware blackout in Busan")
    busan.locator("summary").click()
    busan.get_by_role("button", name="Publish now").click()
    second.wait_for_url(re.compile(r"/manage(#.*)?$"))
    other.close()
    expect(panel.get_by_role("heading", name="Fired (2)")).to_be_visible(timeout=10_000)
    expect(fired.last).to_contain_text("Ransomware blackout in Busan")
    assert page.evaluate("window.__stayed") is True
