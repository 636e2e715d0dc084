"""Browser tests: the real app under uvicorn on a fresh SQLite database, in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from app.config import ROOT_DIR
from tests.servers import app_environment, run_cli, served_app, sqlite_url

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ARTIFACTS = ROOT_DIR / "test-artifacts"
DEMO_PASSWORD = "demo-password"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
PHONE: ViewportSize = {"width": 375, "height": 740}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; install Debian's chromium package")
    workdir = Path(tempfile.mkdtemp(prefix="commission-e2e-"))
    env = app_environment(sqlite_url(workdir, "e2e.db"), SECRET_KEY="e2e-secret-" + "y" * 32)
    run_cli(["demo", "--no-serve"], env, timeout=120)
    with served_app(env, log_dir=workdir) as app:
        yield app.base_url
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=server, viewport=DESKTOP)
    new_page = context.new_page()
    errors: list[str] = []

    def on_console(message: Any) -> None:
        # A form answered 400 is logged as a failed load; missing assets are caught below.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def on_response(response: Any) -> None:
        if "/static/" in response.url and response.status >= 400:
            errors.append(f"{response.status} {response.url}")

    new_page.on("console", on_console)
    new_page.on("pageerror", lambda error: errors.append(str(error)))
    new_page.on("response", on_response)
    yield new_page
    context.close()
    # A CSP violation, a script error or a missing asset fails the test.
    assert errors == []


def sign_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/sign-in")
    page.get_by_label("Sign-in name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def check_accessibility(page: Page, name: str) -> None:
    """axe-core in the page: no serious or critical violation; screenshots at two widths."""
    # Evaluated through the DevTools protocol: the page's CSP forbids injected inline script.
    page.evaluate(AXE.read_text())
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-desktop.png"), full_page=True)
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(ARTIFACTS / f"{name}-phone.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    if size:
        page.set_viewport_size(size)
    assert bad == [], bad
    assert not overflow, f"{name}: the page scrolls sideways on a phone"
