"""Notices under `commission serve` on the demo data: a delegate asks another to sponsor through
the API; the invited delegate's pages count it, /notices lists it, and it goes once accepted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from app.demo import DEMO_PASSWORD
from tests.notices.helpers import header_count
from tests.seminar import Seminar, ok
from tests.servers import (
    ServedApp,
    page_sign_in,
    submit_form,
)

TITLE = "Shared registry of frontier training runs"


@pytest.fixture
def demo_app(served_demo: ServedApp) -> ServedApp:
    """The suite's shared served demo (tests/conftest.py); this test opens what it needs."""
    return served_demo


@contextmanager
def browser(app: ServedApp, username: str) -> Iterator[httpx.Client]:
    """A signed-in browser, without the browser: cookies, forms and CSRF tokens."""
    with app.client() as client:
        page_sign_in(client, username, DEMO_PASSWORD)
        yield client


def test_an_invitation_through_the_api_reaches_the_invited_delegates_pages(
    demo_app: ServedApp,
) -> None:
    seminar = Seminar(demo_app)
    commission_id = seminar.commission_id()
    seats = seminar.participant_ids(commission_id)
    with browser(demo_app, "prc-tsinghua") as invited, browser(demo_app, "us-ngo") as colleague:
        before = header_count(invited.get("/").text)
        colleague_before = header_count(colleague.get("/").text)

        with seminar.api("us-lab") as api:
            proposal = ok(
                api.post(
                    f"/commissions/{commission_id}/groups/FT/proposals",
                    json={
                        "title": TITLE,
                        "text": "Each side registers training runs above a size.",
                    },
                ),
                201,
            )
            ok(
                api.post(
                    f"/proposals/{proposal['id']}/sponsors",
                    json={"participant_id": seats["prc-tsinghua"]},
                )
            )

        pid = proposal["id"]
        for page in ("/", "/norms", f"/commissions/{commission_id}", f"/proposals/{pid}"):
            response = invited.get(page)
            assert response.status_code == 200, page
            assert header_count(response.text) == before + 1, page
        listing = invited.get("/notices")
        assert listing.status_code == 200
        assert TITLE in listing.text
        assert f'href="/proposals/{pid}#people-heading"' in listing.text

        # The drafter's colleague may not read the draft: no count, no title, no link.
        others = colleague.get("/notices").text
        assert header_count(others) == colleague_before
        assert TITLE not in others and f"/proposals/{pid}" not in others

        accepted = submit_form(
            invited, f"/proposals/{pid}", f"/proposals/{pid}/sponsorship", {"answer": "accept"}
        )
        assert accepted.status_code == 303, accepted.text
        after = invited.get("/notices").text
        assert header_count(after) == before
        assert TITLE not in after
    assert "Traceback" not in demo_app.log()
