"""Under `commission serve`: a commission opened from "Cooling Off" sends no inject by itself,
through votes and past the sweeper's rounds; an inject the instructor arms fires on its trigger.

In a seminar, the scenario's idle inject once went out nine minutes in, nobody having armed it.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.seminar import Seminar, ok
from tests.servers import (
    ServedApp,
    api_token,
    page_sign_in,
)


def watch_seconds(app: ServedApp) -> float:
    """Three rounds of the served app's sweep for due votes and injects (app/main.py)."""
    return 3 * float(app.env.get("SWEEP_SECONDS", "5"))


@pytest.fixture
def demo_app(served_demo: ServedApp) -> ServedApp:
    """The suite's shared served demo (tests/conftest.py); this test opens what it needs."""
    return served_demo


def student_api(app: ServedApp, username: str, password: str) -> httpx.Client:
    with app.client() as browser:
        page_sign_in(browser, username, password)
        token = api_token(browser)
    return httpx.Client(
        base_url=app.base_url + "/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def open_a_vote(prof: httpx.Client, author: httpx.Client, cid: int, title: str) -> None:
    proposal = ok(
        author.post(
            f"/commissions/{cid}/groups/CY/proposals",
            json={"title": title, "text": "Both sides report attacks on ports within a day."},
        ),
        201,
    )
    ok(author.post(f"/proposals/{proposal['id']}/stage", json={"action": "table"}))
    ok(prof.post(f"/proposals/{proposal['id']}/stage", json={"action": "open_debate"}))
    ok(prof.post(f"/proposals/{proposal['id']}/stage", json={"action": "open_vote"}))


def statuses(prof: httpx.Client, cid: int) -> dict[str, str]:
    return {i["code"]: i["status"] for i in ok(prof.get(f"/commissions/{cid}/injects"))}


def test_scenario_injects_wait_for_the_instructor_then_fire_on_their_trigger(
    demo_app: ServedApp,
) -> None:
    seminar = Seminar(demo_app)
    with seminar.api("instructor") as prof:
        opened = ok(prof.post("/commissions", json={"title": "Injects under serve"}), 201)
        cid = opened["id"]
        listed: list[dict[str, Any]] = ok(prof.get(f"/commissions/{cid}/injects"))
        assert {i["status"] for i in listed} == {"draft"}
        suggested = {i["code"]: i["trigger"] for i in listed}
        assert suggested["port-ransomware"] == "on_vote_opened"
        assert suggested["cochair-deepfake"] == "on_idle"

        ok(prof.post(f"/commissions/{cid}/start"), 204)
        credentials = ok(
            prof.post(
                f"/commissions/{cid}/roster",
                json={"csv": "name,delegation,sector\nAda Port,US,private\nBo Port,PRC,academia\n"},
            ),
            201,
        )
        seats = {p["username"]: p["id"] for p in ok(prof.get(f"/commissions/{cid}/participants"))}
        for person, (delegation, sector) in zip(
            credentials, [("US", "private"), ("PRC", "academia")], strict=True
        ):
            ok(
                prof.put(
                    f"/commissions/{cid}/participants/{seats[person['username']]}/seat",
                    json={"delegation": delegation, "sector": sector, "groups": ["CY"]},
                ),
                204,
            )
        ok(
            prof.patch(
                f"/commissions/{cid}/groups/CY",
                json={
                    "voting_rule": "simple_majority",
                    "quorum_percent": 50,
                    "sponsorship": "none",
                },
            ),
            204,
        )
        ada = credentials[0]
        with student_api(demo_app, ada["username"], ada["password"]) as author:
            # A vote opens in Cybersecurity: the scenario suggests the port inject for it.
            open_a_vote(prof, author, cid, "Port attack reporting")
            started = time.monotonic()
            while time.monotonic() - started < watch_seconds(demo_app):
                assert set(statuses(prof, cid).values()) == {"draft"}, (
                    "an inject went out by itself"
                )
                time.sleep(1)
            with demo_app.client() as browser:
                page_sign_in(browser, ada["username"], ada["password"])
                overview = browser.get(f"/commissions/{cid}").text
                assert "Ransomware blackout" not in overview

            port = next(i for i in listed if i["code"] == "port-ransomware")
            armed = ok(
                prof.post(
                    f"/commissions/{cid}/injects/{port['id']}/arm",
                    json={"trigger": "on_vote_opened", "group": "CY"},
                )
            )
            assert armed["status"] == "armed"
            open_a_vote(prof, author, cid, "Port attack reporting, second try")

        after = statuses(prof, cid)
        assert after["port-ransomware"] == "published"
        assert {s for code, s in after.items() if code != "port-ransomware"} == {"draft"}
        with demo_app.client() as browser:
            page_sign_in(browser, ada["username"], ada["password"])
            assert "Ransomware blackout" in browser.get(f"/commissions/{cid}").text
        with demo_app.client() as browser:
            page_sign_in(browser, "instructor", "demo-password")
            dashboard = browser.get(f"/commissions/{cid}/dashboard").text
            fired = dashboard.split("<h3>Fired")[1].split("</div>")[0]
            assert "Ransomware blackout" in fired and "when a vote opened" in fired
