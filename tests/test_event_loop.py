"""No route does blocking work on the event loop: while an instructor enrols a class or uploads
a scenario, every live stream keeps delivering.

The app runs under a real uvicorn (in a thread of this process, on a database of its own), so
that a slow step of a route can be held until the test has seen a stream deliver: if the
route ran on the event loop, nothing could be delivered and the test fails after its wait.
"""

from __future__ import annotations

import inspect
import os
import queue
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.routing import APIRoute
from sqlalchemy import select

from app.config import get_settings
from app.db import get_engine, session_scope
from app.demo import DEMO_PASSWORD, ensure_demo
from app.injects import service as injects
from app.injects.models import Inject
from app.instructor import enrolment
from app.live.broker import LiveEvent
from app.main import create_app
from app.scenarios import service as scenario_service
from app.scenarios.models import ScenarioWorkingGroup
from tests.servers import HOST, free_port, page_sign_in, submit_form

WAIT_S = 20.0  # a bound on waiting for something that must happen, never a speed target

# Async endpoints allowed, each with why it never blocks the loop.
ASYNC_ENDPOINTS = {
    "api_docs": "returns a fixed HTML page; no database, no hashing",
}


def test_every_async_route_is_known_not_to_block() -> None:
    app = create_app()
    async_routes = {
        route.endpoint.__name__
        for route in app.routes
        if isinstance(route, APIRoute) and inspect.iscoroutinefunction(route.endpoint)
    }
    assert async_routes <= set(ASYNC_ENDPOINTS), (
        f"async routes {sorted(async_routes - set(ASYNC_ENDPOINTS))} run on the event loop: "
        "make them plain `def` (FastAPI runs those in the threadpool)"
    )


@dataclass
class LiveApp:
    base_url: str
    app: Any
    commission_id: int
    inject_id: int
    scenario_id: int


@pytest.fixture(scope="module")
def live_app() -> Iterator[LiveApp]:
    """The demo on a fresh SQLite file, served by uvicorn in a thread of this process."""
    from app.cli import upgrade_database

    path = Path(tempfile.mkdtemp(prefix="commission-loop-")) / "loop.db"
    previous = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    get_settings.cache_clear()
    try:
        upgrade_database()
        with session_scope() as session:
            commission, _logins = ensure_demo(session)
            inject = session.scalars(
                select(Inject).where(Inject.commission_id == commission.id).order_by(Inject.id)
            ).first()
            assert inject is not None
            injects.publish(session, inject, actor_id=None)
            owner = commission.created_by_id
            builtin = scenario_service.find_scenario_by_slug(session, "cooling-off")
            assert builtin is not None
            from app.accounts.models import User

            user = session.get(User, owner)
            assert user is not None
            copy = scenario_service.clone_scenario(session, builtin, user)
            ids = (commission.id, inject.id, copy.id)
        app = create_app()
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                app, host=HOST, port=port, log_level="warning", timeout_graceful_shutdown=1
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        started = threading.Event()
        for _ in range(int(WAIT_S * 10)):
            if server.started:
                started.set()
                break
            threading.Event().wait(0.1)
        assert started.is_set(), "uvicorn did not start"
        yield LiveApp(f"http://{HOST}:{port}", app, *ids)
        server.should_exit = True
        thread.join(timeout=WAIT_S)
    finally:
        get_engine(get_settings().database_url).dispose()
        os.environ["DATABASE_URL"] = previous
        get_settings.cache_clear()


def follow(base_url: str, cookies: httpx.Cookies, path: str, events: queue.Queue[str]) -> None:
    """Read a commission's event stream, putting each event's name on `events`, until the
    server goes away (it cuts open streams when the module's server stops)."""
    with httpx.Client(base_url=base_url, cookies=cookies, timeout=WAIT_S * 3) as client:
        try:
            with client.stream("GET", path) as response:
                for line in response.iter_lines():
                    if line.startswith("event:"):
                        events.put(line.removeprefix("event:").strip())
        except httpx.RemoteProtocolError:
            return


def next_event(events: queue.Queue[str], wanted: str) -> bool:
    try:
        while True:
            if events.get(timeout=WAIT_S) == wanted:
                return True
    except queue.Empty:
        return False


def held(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> tuple[Any, Any]:
    """Replace owner.name by a version that waits for `release` before doing its work."""
    entered, release = threading.Event(), threading.Event()
    original: Callable[..., Any] = getattr(owner, name)

    def waiting(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(timeout=WAIT_S * 2)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, waiting)
    return entered, release


ROSTER = "name,delegation,sector\n" + "".join(
    f"Student {n:02d},{'US' if n % 2 else 'PRC'},{'academia' if n % 3 else 'ngo'}\n"
    for n in range(30)
)


def enrol_thirty(client: httpx.Client, live: LiveApp) -> httpx.Response:
    manage = f"/commissions/{live.commission_id}/manage"
    return submit_form(
        client,
        manage,
        f"{manage}/roster",
        {},
        files={"file": ("class.csv", ROSTER.encode(), "text/csv")},
    )


def upload_scenario(client: httpx.Client, live: LiveApp) -> httpx.Response:
    with session_scope(write=False) as session:
        scenario = scenario_service.load_scenario(session, live.scenario_id)
        assert scenario is not None
        text = scenario_service.dump_scenario_file(scenario_service.scenario_to_file(scenario))
    return submit_form(
        client,
        "/instructor",
        "/instructor/scenarios",
        {},
        files={
            "file": ("scenario.yaml", text.replace("slug: ", "slug: up-").encode(), "text/yaml")
        },
    )


def edit_group(client: httpx.Client, live: LiveApp) -> httpx.Response:
    with session_scope(write=False) as session:
        group = session.scalars(
            select(ScenarioWorkingGroup).where(ScenarioWorkingGroup.scenario_id == live.scenario_id)
        ).first()
        assert group is not None
        group_id = group.id
    page = f"/scenarios/{live.scenario_id}"
    form = {
        "name": "Frontier technology",
        "mandate": "A sharper mandate.",
        "voting_rule": "double_majority",
        "quorum_percent": "50",
        "ballot_unit": "delegate",
        "ballot_type": "roll_call",
        "sponsorship": "every_member_delegation",
        "chairs_move_stages": "true",
    }
    return submit_form(client, page, f"{page}/working_groups/{group_id}", form)


CASES = {
    "enrol a class of 30": (enrolment, "enrol", enrol_thirty),
    "upload a scenario file": (scenario_service, "import_for", upload_scenario),
    "edit a scenario's working group": (scenario_service, "update_part", edit_group),
}


@pytest.mark.parametrize("case", list(CASES))
def test_streams_keep_delivering_while_an_instructor_works(
    live_app: LiveApp, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    owner, name, act = CASES[case]
    entered, release = held(monkeypatch, owner, name)
    instructor = httpx.Client(base_url=live_app.base_url, timeout=WAIT_S * 3)
    page_sign_in(instructor, "instructor", DEMO_PASSWORD)
    answers: queue.Queue[httpx.Response | BaseException] = queue.Queue()

    def work() -> None:
        try:
            answers.put(act(instructor, live_app))
        except BaseException as error:
            answers.put(error)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    try:
        if not entered.wait(timeout=WAIT_S):
            worker.join(timeout=WAIT_S)
            answer = answers.get_nowait() if not answers.empty() else None
            text = answer.text[:2000] if isinstance(answer, httpx.Response) else answer
            raise AssertionError(f"the route never reached its slow step: {text}")
        # The route is in its slow step. A stream opened now must connect, and an event
        # published now must reach it.
        events: queue.Queue[str] = queue.Queue()
        stream = f"/commissions/{live_app.commission_id}/events"
        threading.Thread(
            target=follow,
            args=(live_app.base_url, instructor.cookies, stream, events),
            daemon=True,
        ).start()
        connected = next_event(events, "connected")
        live_app.app.state.broker.publish(
            [
                LiveEvent(
                    commission_id=live_app.commission_id,
                    kind="inject",
                    subject_id=live_app.inject_id,
                )
            ]
        )
        delivered = next_event(events, "inject")
    finally:
        release.set()
        worker.join(timeout=WAIT_S * 3)
    assert connected, f"{case}: a stream could not even connect while the route worked"
    assert delivered, f"{case}: a stream delivered nothing while the route worked"
    answer = answers.get(timeout=WAIT_S)
    assert isinstance(answer, httpx.Response), answer
    assert answer.status_code in (200, 303), answer.text[:500]
    if case == "enrol a class of 30":
        assert answer.text.count("Student ") >= 30
