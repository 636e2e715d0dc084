"""The commission's event stream, end to end against real servers.

On SQLite one app process serves everyone (the in-memory hub). On PostgreSQL two app
processes share one database: a delegate follows the stream of process A while another acts
through process B, and the change still arrives (LISTEN/NOTIFY carries it across).
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.conftest import empty_postgres_database, is_postgres
from tests.servers import COMMISSION, HOST, app_environment, run_cli, served_app

PASSWORD = "demo-password"


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    if not is_postgres():
        yield f"sqlite:///{Path(tempfile.mkdtemp(prefix='commission-stream-')) / 'stream.db'}"
        return
    url = empty_postgres_database("stream")
    yield url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="module")
def servers(database_url: str) -> Iterator[list[str]]:
    """Two app processes on PostgreSQL, one on SQLite, all on the demo data."""
    env = app_environment(database_url, SECRET_KEY="stream-test-secret-" + "z" * 32)
    run_cli(["demo", "--no-serve"], env, timeout=120)
    with ExitStack() as stack:
        apps = [stack.enter_context(served_app(env)) for _ in range(2 if is_postgres() else 1)]
        yield [a.base_url for a in apps]


class Delegate:
    """A signed-in person driving the pages with plain form posts, as a browser without JS."""

    def __init__(self, base: str, username: str) -> None:
        self.client = httpx.Client(base_url=base, follow_redirects=False, timeout=10)
        token = self.csrf("/sign-in")
        response = self.client.post(
            "/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 303, response.text

    def csrf(self, page: str) -> str:
        match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', self.client.get(page).text)
        assert match
        return match.group(1)

    def post(self, page: str, target: str, /, **data: str) -> httpx.Response:
        return self.client.post(target, data={**data, "csrf_token": self.csrf(page)})

    def participant_id(self, proposal_url: str, name: str) -> str:
        match = re.search(
            rf'<option value="(\d+)">{re.escape(name)} ', self.client.get(proposal_url).text
        )
        assert match, name
        return match.group(1)


def proposal_in_debate(base: str) -> str:
    lab, chips, chair = (
        Delegate(base, "us-lab"),
        Delegate(base, "prc-chips"),
        Delegate(base, "us-state"),
    )
    group = "/commissions/1/groups/frontier-technology"
    created = lab.post(
        group,
        group + "/proposals",
        title="Shared red-team results",
        text="Both sides share red-team findings.",
    )
    assert created.status_code == 303, created.text
    url = created.headers["location"]
    assert (
        lab.post(
            url, url + "/sponsors", participant_id=lab.participant_id(url, "Chen Jie")
        ).status_code
        == 303
    )
    assert chips.post(url, url + "/sponsorship", answer="accept").status_code == 303
    assert lab.post(url, url + "/stage", action="table").status_code == 303
    assert chair.post(url, url + "/stage", action="open_debate").status_code == 303
    return url


def follow(base: str, username: str, wanted: str, found: list[str], ready: threading.Event) -> None:
    """Read the stream until an event named `wanted` arrives (its data goes in `found`), or
    until nothing has come for a few seconds."""
    delegate = Delegate(base, username)
    try:
        with delegate.client.stream(
            "GET", "/commissions/1/events", timeout=httpx.Timeout(10, read=6)
        ) as stream:
            event = None
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                    if event == "connected":
                        ready.set()
                elif line.startswith("data: ") and event == wanted:
                    found.append(line.removeprefix("data: "))
                elif line == "" and found:
                    return
    except (httpx.ReadTimeout, httpx.RemoteProtocolError):
        return  # quiet for a while, or the server stopped at the end of the module


def test_an_argument_reaches_a_delegate_following_another_process(servers: list[str]) -> None:
    reader_base, writer_base = servers[0], servers[-1]
    url = proposal_in_debate(writer_base)
    proposal_id = url.rsplit("/", 1)[1]
    found: list[str] = []
    ready = threading.Event()
    reader = threading.Thread(
        target=follow,
        args=(reader_base, "prc-mfa", f"proposal-{proposal_id}-argument", found, ready),
        daemon=True,
    )
    reader.start()
    assert ready.wait(10), "the stream did not open"
    speaker = Delegate(writer_base, "prc-pla")
    posted = speaker.post(
        url, url + "/arguments", stance="support", body="Red-teams find what audits miss."
    )
    assert posted.status_code == 303
    reader.join(timeout=15)
    html = "".join(found)
    assert "Red-teams find what audits miss." in html
    assert 'class="argument"' in html


def test_a_caucus_message_reaches_its_delegation_and_never_the_other(servers: list[str]) -> None:
    readers = {}
    for username in ("us-lab", "prc-mfa"):
        found: list[str] = []
        ready = threading.Event()
        thread = threading.Thread(
            target=follow, args=(servers[0], username, "caucus-1-1", found, ready), daemon=True
        )
        thread.start()
        assert ready.wait(10)
        readers[username] = (thread, found)
    us = Delegate(servers[-1], "us-cyber")
    room = "/commissions/1/caucus/frontier-technology"
    assert us.post(room, room, body="Do not concede inspections.").status_code == 303
    readers["us-lab"][0].join(timeout=15)
    assert "Do not concede inspections." in "".join(readers["us-lab"][1])
    readers["prc-mfa"][0].join(timeout=2)
    assert readers["prc-mfa"][1] == []


def vote_on(base: str, url: str) -> str:
    """Open the vote on a proposal in debate; the ballot form's address."""
    chair = Delegate(base, "us-state")
    assert chair.post(url, url + "/stage", action="open_vote").status_code == 303
    match = re.search(
        r'action="(/proposals/\d+/votes/\d+/ballot)"', Delegate(base, "us-lab").client.get(url).text
    )
    assert match, "the ballot form is not on the page"
    return match.group(1)


def watch(base: str, username: str, wanted: str) -> tuple[threading.Thread, list[str]]:
    found: list[str] = []
    ready = threading.Event()
    thread = threading.Thread(
        target=follow, args=(base, username, wanted, found, ready), daemon=True
    )
    thread.start()
    assert ready.wait(10), "the stream did not open"
    return thread, found


def a_ballot_reaches_the_room(reader_base: str, writer_base: str) -> tuple[str, str]:
    """A ballot cast through the page form on one process, watched from another: what another
    delegation's watcher received of the tally, and what the voter's own other stream did of
    their ballot."""
    url = proposal_in_debate(writer_base)
    proposal_id = url.rsplit("/", 1)[1]
    ballot = vote_on(writer_base, url)
    other, other_found = watch(reader_base, "prc-mfa", f"proposal-{proposal_id}-tally")
    own, own_found = watch(reader_base, "us-lab", f"proposal-{proposal_id}-ballot")
    voter = Delegate(writer_base, "us-lab")
    assert voter.post(url, ballot, choice="yes").status_code == 303
    other.join(timeout=15)
    own.join(timeout=15)
    return "".join(other_found), "".join(own_found)


def assert_drawn_for_each(tally: str, own: str) -> None:
    """The watcher has the new count and nobody's ballot buttons; the voter, their ballot."""
    assert "1 of" in tally and "eligible have voted" in tally
    assert 'name="choice"' not in tally
    assert "You voted: Yes." in own


def test_a_ballot_reaches_every_watcher_across_processes(servers: list[str]) -> None:
    tally, own = a_ballot_reaches_the_room(servers[0], servers[-1])
    assert tally and own, "nothing arrived"
    assert_drawn_for_each(tally, own)


@pytest.mark.skipif(not is_postgres(), reason="several processes need PostgreSQL")
def test_commission_serve_with_two_workers_carries_a_ballot_to_every_stream(
    database_url: str,
) -> None:
    env = app_environment(database_url, SECRET_KEY="stream-test-secret-" + "z" * 32)
    command = [COMMISSION, "serve", "--host", HOST, "--port", "{port}", "--workers", "2"]
    with served_app(env, command=command) as served:
        tally, own = a_ballot_reaches_the_room(served.base_url, served.base_url)
        assert served.started_processes(2) == 2
    assert tally and own, "nothing arrived"
    assert_drawn_for_each(tally, own)


def test_commission_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    env = app_environment(f"sqlite:///{tmp_path / 'one.db'}")
    result = run_cli(["serve", "--workers", "2", "--port", "1"], env, timeout=60, check=False)
    assert result.returncode == 2
    assert "Several processes need PostgreSQL" in result.stderr
