"""Ceiling: how many requests a second the main pages serve, against the same stack's floor.

One run builds a fresh database (a temporary SQLite file, or with `--db postgres` the
PostgreSQL database of `--url`, dropped and recreated), migrates it with `commission db
upgrade` and seeds it: the demo (app.demo: "Cooling Off" in session, an instructor, ten
delegates with their briefs, and a concluded past seminar with a public charter), and in the
demo commission a proposal in debate with `--arguments` arguments (Markdown, both delegations,
every stance, one in four a reply), two amendments, ten more proposals in the group, two
published injects, and `--norms` adopted norms (written in bulk, with the registry's index) in
a charter the class may read. One delegate (us-scholar) is signed in (a session cookie made as
the sign-in form makes one) and has an API token.

It then serves, side by side, `commission serve` on that database and bench/floor/fortunes.py under
uvicorn (a bare Starlette `/plaintext` route, and TechEmpower's "fortunes": one ORM query of
twelve rows and a Jinja template, on FastAPI, SQLAlchemy and the app's own engine settings),
each one process on a port from tests/servers.py's free_port (TEST_PORT_RANGE). Each page is
checked once (status 200, and what it must show), then loaded for `--duration` seconds at
`--connections` open connections, page after page, for `--rounds` rounds, so that every page
meets the same machine load as the fortunes page it is divided by. The load comes from wrk when
it is on PATH (one thread), else from a Python client (httpx, asyncio), which costs the machine
more than the server it measures: its figures are lower, the ratios still comparable.

    .venv/bin/python bench/ceiling.py                      # SQLite
    .venv/bin/python bench/ceiling.py --db postgres        # …/commission_bench_pages
    .venv/bin/python bench/ceiling.py --duration 2 --rounds 1 --arguments 50   # a quick look

The pages, as the signed-in delegate: `proposal` (/proposals/{id}, the one with the
arguments), `overview` (/commissions/{id}), `group` (/commissions/{id}/groups/frontier-tech),
`registry` (/norms?q=notify: twenty hits of the search), `charter`
(/commissions/{id}/charter), and `me` (/api/v1/me with the bearer token). The output ends with
one line per page, in this fixed form:

ceiling db=sqlite page=proposal rps=123.4 fortunes_rps=987.6 ratio=0.125

* rps: the page's requests per second, the median over the rounds.
* fortunes_rps: the fortunes page's, the median over the same rounds.
* ratio: the median over the rounds of (page / fortunes in that round).

Goals (issue 12): overview, group, registry and charter ≥ 0.5; proposal with 200 arguments
≥ 0.1 (it draws ~17 times the rows of fortunes); me ≥ 0.8. The exit status is 1 when a page
answered anything but 200 during the run (wrk's non-2xx count, or the client's), else 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository's tests/

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app import models  # noqa: F401 - every mapper registered before the first query
from app.accounts import service as accounts
from app.accounts.auth import SESSION_COOKIE, session_cookie_value
from app.accounts.models import User
from app.commissions import service as commissions
from app.commissions.models import Participant, WorkingGroup
from app.config import ROOT_DIR, Settings, normalize_database_url
from app.demo import ensure_demo
from app.injects.models import Inject
from app.injects.service import publish
from app.norms import search_index
from app.norms.models import Norm
from app.proposals import amendments
from app.proposals import service as proposals
from app.proposals.acting import acting_on, seat_of
from app.proposals.models import Proposal, ProposalAuthor, Revision
from bench.vote_storm import cheap_password_hashing, fresh_database, migrate
from tests.servers import HOST, app_environment, free_port, stop

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/commission_bench_pages"
SECRET_KEY = "ceiling-bench-secret-" + "c" * 32
READER = "us-scholar"
GROUP_CODE = "FT"
QUERY = "notify"
STANCES = ("support", "oppose", "question", "note")
FLOOR = ("plaintext", "fortunes")
PAGES = ("proposal", "overview", "group", "registry", "charter", "me")
GOALS = {"proposal": 0.1, "overview": 0.5, "group": 0.5, "registry": 0.5, "charter": 0.5}
GOALS["me"] = 0.8
READY_TIMEOUT_S = 60.0


class BenchError(RuntimeError):
    """The run could not be set up, or a page did not answer as it should."""


# --- the data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    commission_id: int
    proposal_id: int
    pillar: str
    cookie: str  # the reader's signed session cookie
    token: str  # the reader's API token


def argument_body(i: int) -> str:
    """Markdown as delegates write it: a sentence or two, emphasis, now and then a list or link."""
    body = (
        f"Point {i}: the **notification window** should stay at 72 hours, because a shorter "
        f"one would be missed by a ministry on a holiday, and a longer one would let *rumours* "
        f"run ahead of the facts."
    )
    if i % 3 == 0:
        body += "\n\n- name the contact point\n- publish the `register`\n- review it each year"
    if i % 5 == 0:
        body += "\n\nSee [the 2023 incident report](https://example.org/report) for the timing."
    return body


def norm_text(i: int) -> str:
    return (
        f"## Article {i}\n\nEach side shall **notify** the other of incidents of kind {i} within "
        f"72 hours, through the contact points of Annex {i % 4 + 1}.\n\n"
        "1. The notice names the system involved.\n2. It says what is known of the cause.\n"
        "3. A follow-up comes within *thirty days*."
    )


def seed(url: str, n_arguments: int, n_norms: int) -> Seeded:
    engine = create_engine(normalize_database_url(url))
    try:
        with (
            cheap_password_hashing(),
            Session(engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            return _seed(session, n_arguments, n_norms)
    finally:
        engine.dispose()


def _seed(session: Session, n_arguments: int, n_norms: int) -> Seeded:
    commission, _logins = ensure_demo(session)
    commission.charter_visibility = "class"
    users = {u.username: u for u in session.scalars(select(User))}
    group = session.scalar(
        select(WorkingGroup).where(
            WorkingGroup.commission_id == commission.id, WorkingGroup.code == GROUP_CODE
        )
    )
    if group is None:
        raise BenchError(f"the demo commission has no {GROUP_CODE} working group")
    group.sponsorship = "none"  # tabled without asking the other delegation first
    session.flush()
    delegates = [u for name, u in users.items() if name.startswith(("us-", "prc-"))]

    def draft(author: User, title: str, text: str) -> Proposal:
        participant = commissions.participant_for(
            session, commission.id, author, with_delegation=True
        )
        assert participant is not None
        return proposals.create_proposal(
            session,
            participant,
            seat_of(session, participant, group),
            group,
            title=title,
            text=text,
            rationale="Seeded by bench/ceiling.py: *why* it matters, in a line or two.",
        )

    author, instructor = users["us-lab"], users["instructor"]
    proposal = draft(
        author,
        "Notify before testing frontier models near each other's networks",
        "Each side notifies the other **72 hours** before such a test.\n\n"
        "1. The notice names the site.\n2. It gives the window.\n\n"
        "> A test nobody was told of looks like an attack.",
    )
    proposals.move_stage(session, acting_on(session, proposal.id, author), "table")
    proposals.move_stage(session, acting_on(session, proposal.id, instructor), "open_debate")
    for i, text in enumerate(("48 hours", "96 hours")):
        amendments.propose_amendment(
            session,
            acting_on(session, proposal.id, delegates[(i * 5 + 1) % len(delegates)]),
            text=f"Each side notifies the other **{text}** before such a test.",
            rationale=f"Amendment {i + 1}: a window the ministries can keep.",
        )
    roots: list[int] = []
    for i in range(n_arguments):
        writer = delegates[i % len(delegates)]
        parent = roots[-1 - (i % 3)] if i % 4 == 3 and len(roots) >= 3 else None
        argument = proposals.post_argument(
            session,
            acting_on(session, proposal.id, writer),
            stance=STANCES[i % len(STANCES)],
            body=argument_body(i),
            parent_id=parent,
        )
        if parent is None:
            roots.append(argument.id)
    for i in range(10):
        writer = delegates[i % len(delegates)]
        other = draft(
            writer,
            f"Proposal {i + 1}: a hotline for incidents of kind {i + 1}",
            f"A standing line between the two capitals for incidents of kind {i + 1}.",
        )
        if i % 3:
            proposals.move_stage(session, acting_on(session, other.id, writer), "table")
    for inject in session.scalars(
        select(Inject).where(Inject.commission_id == commission.id).order_by(Inject.id).limit(2)
    ):
        publish(session, inject, actor_id=None)
    _adopted_norms(session, commission.id, delegates, n_norms)

    reader = users[READER]
    signed_in = accounts.start_session(session, reader, Settings(secret_key=SECRET_KEY), "bench")
    _record, token = accounts.create_api_token(session, reader, "ceiling bench")
    return Seeded(
        commission_id=commission.id,
        proposal_id=proposal.id,
        pillar=group.pillar,
        cookie=session_cookie_value(signed_in.token, SECRET_KEY),
        token=token,
    )


def _adopted_norms(session: Session, commission_id: int, delegates: list[User], n: int) -> None:
    """N norms adopted over the past hours, spread over the groups, with the registry's index.

    Written as rows, not voted through: the pages read a norm, never how it was adopted."""
    groups = list(
        session.scalars(select(WorkingGroup).where(WorkingGroup.commission_id == commission_id))
    )
    seats = {
        p.user_id: p.id
        for p in session.scalars(
            select(Participant).where(Participant.commission_id == commission_id)
        )
    }
    now = datetime.now(UTC)
    norms: list[Norm] = []
    for i in range(n):
        group = groups[i % len(groups)]
        number = i // len(groups) + 1
        title = f"Incident notice, kind {i + 1}"
        proposal = Proposal(
            commission_id=commission_id, working_group_id=group.id, title=title, stage="adopted"
        )
        session.add(proposal)
        session.flush()
        author = seats[delegates[i % len(delegates)].id]
        revision = Revision(
            proposal_id=proposal.id, number=1, title=title, text=norm_text(i), author_id=author
        )
        session.add_all([ProposalAuthor(proposal_id=proposal.id, participant_id=author), revision])
        session.flush()
        norm = Norm(
            commission_id=commission_id,
            working_group_id=group.id,
            proposal_id=proposal.id,
            revision_id=revision.id,
            number=number,
            code=f"{group.code}-{number}",
            title=title,
            text=revision.text,
            tally={},
            adopted_at=now - timedelta(minutes=n - i),
        )
        session.add(norm)
        norms.append(norm)
    session.flush()
    search_index.write(session.connection(), [search_index.IndexedNorm.of(n) for n in norms])


# --- the servers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    base_url: str
    pid: int  # one process (no workers): the one whose CPU time settle() watches


@contextmanager
def serving(command: list[str], env: dict[str, str], ready: str, log_dir: Path) -> Iterator[Server]:
    """`command` (with `{port}` filled in) until the block ends, once `ready` answers 200.
    Stopped with its whole process group (tests.servers.stop)."""
    port = free_port()
    log_path = log_dir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [part.format(port=port) for part in command],
            cwd=ROOT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base_url = f"http://{HOST}:{port}"
            deadline = time.monotonic() + READY_TIMEOUT_S
            while True:
                try:
                    if httpx.get(base_url + ready, timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise BenchError(
                        f"{command[2]} did not start:\n{log_path.read_text(errors='replace')}"
                    )
                time.sleep(0.2)
            yield Server(base_url, process.pid)
        finally:
            stop(process)


@dataclass(frozen=True)
class Target:
    name: str
    server: Server
    path: str
    headers: dict[str, str]
    must_show: str  # a piece of the answer that proves the page is the one meant

    @property
    def url(self) -> str:
        return self.server.base_url + self.path


def targets(app: Server, floor: Server, seeded: Seeded, n_arguments: int) -> list[Target]:
    cookie = {"Cookie": f"{SESSION_COOKIE}={seeded.cookie}"}
    bearer = {"Authorization": f"Bearer {seeded.token}"}
    cid = seeded.commission_id
    last_argument = f'id="argument-{n_arguments}"' if n_arguments else "Debate"
    return [
        Target("plaintext", floor, "/plaintext", {}, "Hello, World!"),
        Target("fortunes", floor, "/fortunes", {}, "&lt;script&gt;"),
        Target("proposal", app, f"/proposals/{seeded.proposal_id}", cookie, last_argument),
        Target("overview", app, f"/commissions/{cid}", cookie, "Your private brief"),
        Target("group", app, f"/commissions/{cid}/groups/{seeded.pillar}", cookie, "Proposal"),
        Target("registry", app, f"/norms?q={QUERY}", cookie, "registry-hit"),
        Target("charter", app, f"/commissions/{cid}/charter", cookie, "Article"),
        Target("me", app, "/api/v1/me", bearer, READER),
    ]


def check(target: Target) -> int:
    """One request: it must answer 200 and show what it should; returns the answer's size."""
    response = httpx.get(target.url, headers=target.headers, timeout=30)
    if response.status_code != 200 or target.must_show not in response.text:
        raise BenchError(
            f"{target.name} ({target.url}) answered {response.status_code} without "
            f"{target.must_show!r}:\n{response.text[:1000]}"
        )
    return len(response.content)


# --- the load ----------------------------------------------------------------------------------

TICK_S = 1 / os.sysconf("SC_CLK_TCK")
QUIET_S = 0.2


def cpu_seconds(pid: int) -> float:
    """The process's user and system CPU time so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * TICK_S


def settle(pid: int, timeout: float = 300.0) -> tuple[float, float]:
    """Wait until the server has finished what the load left it, and say when that was.

    A closed-loop load stops with a request waiting on every connection, and the server
    serves those anyway; with pages that take long, they share the CPU and end together well
    after the load's end. Done is when the process's CPU time stops growing (by more than a
    clock tick in QUIET_S); returns that moment (perf_counter) and the CPU time then."""
    deadline = time.perf_counter() + timeout
    last_cpu, last_change = cpu_seconds(pid), time.perf_counter()
    while time.perf_counter() < deadline:
        time.sleep(0.02)
        now, cpu = time.perf_counter(), cpu_seconds(pid)
        if cpu - last_cpu > TICK_S:
            last_cpu, last_change = cpu, now
        elif now - last_change >= QUIET_S:
            return last_change, last_cpu
    raise BenchError(f"the server (pid {pid}) did not go quiet within {timeout:.0f} s")


@dataclass(frozen=True)
class Load:
    served: int  # requests answered, including those left in flight when the client stopped
    failed: int  # answers other than 200, and errors


@dataclass(frozen=True)
class Measured:
    rps: float
    cpu_ms: float  # the server's CPU time per request
    failed: int


WRK_DONE = re.compile(r"^\s*(\d+) requests in ", re.M)
WRK_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
WRK_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def wrk_load(target: Target, duration: float, connections: int) -> Load:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout"]
    command.append("120s")
    for name, value in target.headers.items():
        command += ["-H", f"{name}: {value}"]
    result = subprocess.run(
        [*command, target.url], capture_output=True, text=True, timeout=duration + 60, check=False
    )
    done = WRK_DONE.search(result.stdout)
    if result.returncode != 0 or done is None:
        raise BenchError(f"wrk failed on {target.name}:\n{result.stdout}\n{result.stderr}")
    failed = sum(int(n) for n in WRK_NON_2XX.findall(result.stdout))
    # Read errors are the connections closed when wrk stops; connect, write and timeout errors
    # are requests that were not served.
    if errors := WRK_ERRORS.search(result.stdout):
        failed += int(errors[1]) + int(errors[3]) + int(errors[4])
    # wrk stops with a request sent on each connection: the server answers those after it.
    return Load(int(done[1]) + connections, failed)


def python_load(target: Target, duration: float, connections: int) -> Load:
    """Like wrk, from httpx: each connection asks again as soon as it has its answer; at the end
    each waits for the answer it is owed. One client per connection: a pool shared by all
    spends more on its own bookkeeping than the server on the request."""

    async def run() -> Load:
        done, failed = 0, 0
        one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        clients = [
            httpx.AsyncClient(headers=target.headers, limits=one, timeout=120)
            for _ in range(connections)
        ]
        end = time.perf_counter() + duration

        async def one_connection(client: httpx.AsyncClient) -> None:
            nonlocal done, failed
            async with client:
                while time.perf_counter() < end:
                    try:
                        ok = (await client.get(target.url)).status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    done += ok
                    failed += not ok

        await asyncio.gather(*(one_connection(client) for client in clients))
        return Load(done + failed, failed)

    return asyncio.run(run())


def measure_one(
    target: Target, load: Callable[[Target, float, int], Load], duration: float, connections: int
) -> Measured:
    """The target's rate from an idle server until it is idle again: every request it served
    in that time, over that time (so the answers still owed when the load stops count too)."""
    settle(target.server.pid)
    started, cpu_before = time.perf_counter(), cpu_seconds(target.server.pid)
    result = load(target, duration, connections)
    ended, cpu_after = settle(target.server.pid)
    served = max(result.served, 1)
    return Measured(
        served / (ended - started), (cpu_after - cpu_before) * 1000 / served, result.failed
    )


def measure(
    all_targets: list[Target],
    load: Callable[[Target, float, int], Load],
    *,
    duration: float,
    rounds: int,
    connections: int,
    log: Callable[[str], None],
) -> tuple[dict[str, list[Measured]], int]:
    """Every target in turn, `rounds` times: what each round measured per target, and failures."""
    for target in all_targets:  # warm: imports, templates compiled, caches, the pool filled
        load(target, 1.0, connections)
    measured: dict[str, list[Measured]] = {t.name: [] for t in all_targets}
    failed = 0
    for number in range(1, rounds + 1):
        for target in all_targets:
            result = measure_one(target, load, duration, connections)
            measured[target.name].append(result)
            failed += result.failed
            if result.failed:
                log(f"  {target.name}: {result.failed} requests failed")
        log(
            f"round {number}: "
            + " ".join(
                f"{name}={m[-1].rps:.1f}/s,{m[-1].cpu_ms:.1f}ms" for name, m in measured.items()
            )
        )
    return measured, failed


def ratio(measured: dict[str, list[Measured]], name: str) -> float:
    """The median over the rounds of the page's rate over the fortunes page's in that round."""
    pairs = zip(measured[name], measured["fortunes"], strict=True)
    return statistics.median(page.rps / floor.rps for page, floor in pairs)


def lines(db: str, measured: dict[str, list[Measured]]) -> list[str]:
    fortunes = statistics.median(m.rps for m in measured["fortunes"])
    return [
        f"ceiling db={db} page={name} rps={statistics.median(m.rps for m in rounds):.1f} "
        f"fortunes_rps={fortunes:.1f} ratio={ratio(measured, name):.3f}"
        for name, rounds in measured.items()
    ]


# --- the run -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--url", default=DEFAULT_POSTGRES_URL, help="PostgreSQL database to use")
    parser.add_argument("--arguments", type=int, default=200, help="on the proposal page")
    parser.add_argument("--norms", type=int, default=40, help="adopted, in the charter")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per page per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--client", choices=("auto", "wrk", "python"), default="auto", help="what makes the load"
    )
    parser.add_argument("--keep", action="store_true", help="leave the database and logs")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
    load = wrk_load if client == "wrk" else python_load
    work = Path(tempfile.mkdtemp(prefix="commission-ceiling-"))
    url = args.url if args.db == "postgres" else f"sqlite:///{work / 'ceiling.db'}"
    try:
        fresh_database(url)
        migrate(url, timeout=300)
        seeded = seed(url, args.arguments, args.norms)
        env = app_environment(url, SECRET_KEY=SECRET_KEY, PYTHONUNBUFFERED="1")
        uvicorn = [sys.executable, "-m", "uvicorn", "bench.floor.fortunes:app"]
        with (
            serving(
                [sys.executable, "-m", "app.cli", "serve", "--host", HOST, "--port", "{port}"],
                env,
                "/sign-in",
                work,
            ) as app,
            serving(
                [*uvicorn, "--host", HOST, "--port", "{port}"], env, "/plaintext", work
            ) as floor,
        ):
            all_targets = targets(app, floor, seeded, args.arguments)
            for target in all_targets:
                log(f"{target.name}: {target.url} ({check(target)} bytes)")
            log(f"load: {client}, {args.connections} connections, {args.duration:g} s per page")
            measured, failed = measure(
                all_targets,
                load,
                duration=args.duration,
                rounds=args.rounds,
                connections=args.connections,
                log=log,
            )
    except BenchError as error:
        log(f"ceiling: {error}")
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"kept: {work}")
    log(
        "server CPU per request (median ms): "
        + " ".join(f"{n}={statistics.median(m.cpu_ms for m in r):.2f}" for n, r in measured.items())
    )
    for name, goal in GOALS.items():
        met = "met" if ratio(measured, name) >= goal else "NOT met"
        log(f"goal {name}: ratio ≥ {goal} {met}")
    for line in lines(args.db, measured):
        print(line, flush=True)
    if failed:
        log(f"ceiling: {failed} requests failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
