"""Vote storm: N delegates cast their ballots at the same instant, over HTTP, against uvicorn.

Each run builds a fresh database (a temporary SQLite file, or a PostgreSQL database dropped and
recreated), migrates it with `commission db upgrade`, seeds a commission opened from "Cooling
Off" with an instructor and N delegates (half United States, half China, all in the Frontier
Technology working group, whose sponsorship rule is set to "none"), one proposal put to the vote
(and another, to warm up on), one API token and one session cookie per delegate. It then starts
the app in a subprocess (`commission serve`, or `uvicorn app.main:create_app --factory --workers
W` when W > 1) with SERVER_TIMING=1, waits until it answers, casts a few ballots in the other
vote along the same path (the server's first calls are not the storm's), and releases N clients
at once (one httpx.AsyncClient each, made beforehand, all waiting on one asyncio.Event),
choosing yes, no and abstain in turn, along one of two paths (`--via`; `--path` is the same):

* `page` (the default; what students do): each client is signed in (a session as the sign-in
  form makes one) and has the proposal page open, fetched before the release, with its CSRF
  token; at the release it submits the ballot form (`POST /proposals/{id}/votes/{vote}/ballot`,
  form fields and token), then loads the page the answer redirects to, as a browser does; that
  page is loaded once every ballot is answered (on a new connection), so that the storm's
  figures are the ballots' alone. Latency is the form post; `page_p50_ms`/`page_p99_ms` add the
  page it lands on.
* `api`: `POST /api/v1/proposals/{id}/votes/{vote}/ballots` with a bearer token.

Both paths run the same ballot code (app/voting/ballot.py). With `--watchers W`, W members (the
instructor, a few observers, delegates of both delegations) follow the commission live during
the storm, each on its own `/commissions/{id}/events` stream read off a plain socket (a minimal
HTTP/1.1 and SSE reader, cheap enough for hundreds in one process). With `--retry-duplicates`
each client then sends a second ballot ("no"), once every first one is answered, which must be
refused with 409 (a JSON `detail`, or the page with its message). Afterwards the bench reads
the database, stops the server (always, also on errors and Ctrl-C) and, unless
`--floor-requests 0`, serves bench/floor_app.py on the same database with the same workers and
loads its fortunes page with as many clients at a time as there were voters. Only 127.0.0.1 is
contacted.

Run it from the repository root:

    .venv/bin/python bench/vote_storm.py --db sqlite --n 200 --watchers 200
    .venv/bin/python bench/vote_storm.py --db postgres --n 200 --watchers 200 --workers 2
    .venv/bin/python bench/vote_storm.py --db sqlite --n 50 --n 500 --via both
    .venv/bin/python bench/vote_storm.py --db sqlite --n 200 --via api --retry-duplicates

`--url` names the PostgreSQL database to (re)create, by default
postgresql://postgres@127.0.0.1:5432/commission_bench. `--keep` leaves the last database and
the server logs behind for inspection. `--timeout` bounds each run (default 120 s). `--profile
FILE` samples the server with py-spy (`pip install py-spy`) during each storm and writes the
collapsed stacks to FILE. The exit status is 0 only when every run stored every ballot with no
loss, doubling or error, and every watcher saw the final count.

The output ends with one line per run, in this fixed form so that runs can be compared:

vote_storm db=sqlite via=page workers=1 n=200 stored=200 lost=0 doubled=0 errors=0 p50_ms=12.3
  p99_ms=45.6 page_p50_ms=20.1 page_p99_ms=80.2 rps=789.0 server_cpu_ms_per_ballot=4.10
  server_p99_ms=30.2 fortunes_cpu_ms=0.30 ratio=13.67 watchers=200/200 watcher_last_ms=310.2
(on one line; page_… only for the page path, fortunes_… and ratio with the floor, watchers=…
with --watchers)

* stored:  roll-call ballot rows stored for the vote (the summary above the lines also gives
  the receipts, and the count the app itself reports).
* lost:    clients that got 201 whose ballot is not stored as sent: no receipt, no ballot row,
  or a ballot with another choice.
* doubled: extra rows: receipts minus distinct voters, plus ballots minus distinct voters
  (the database's unique constraints should keep it at 0).
* errors:  first attempts that were not accepted (API: 201; page: 303 back to the proposal, and
  the page it leads to: 200), other status, exception, or the run's timeout; with
  --retry-duplicates also second attempts not refused (API: 409 with a JSON `detail`; page:
  409 with the page and its message).
* p50_ms, p99_ms: latency of the first attempts, from the common release to the response.
* rps:     first attempts completed per second, from the release to the last response.
* server_cpu_ms_per_ballot: the server processes' CPU time (user + system, workers included,
  from /proc) from the release until every ballot is answered (and, with watchers, every
  watcher has the final count), less what they spend idle for as long, divided by N: the
  ballot and, with watchers, its share of telling them.
* server_p99_ms: the app's own time per ballot (request in, response out, its `Server-Timing`
  header): what the client's own cost on this machine does not blur.
* fortunes_cpu_ms: server CPU per request of the fortunes page (bench/floor_app.py) on the same
  stack and database; ratio = server_cpu_ms_per_ballot / fortunes_cpu_ms.
* watchers, watcher_last_ms: watchers that received the tally showing all N ballots ("N of N
  eligible have voted"), and for the slowest of them how long after the last ballot's answer.

Targets (issue 12): zero lost, doubled or failed ballots; server CPU per ballot at most twice
a fortunes request; at N = 200 with 200 watchers, client p99 under 1 s, server-side p99 under
300 ms and the final count on every watcher's screen within 1 s of the last ballot, on SQLite
with one process and on PostgreSQL with two. Client and server share the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository's tests/

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import models  # noqa: F401 - every mapper registered before the first query
from app.accounts import service as accounts
from app.accounts.models import User
from app.commissions import service as commissions
from app.commissions.models import Delegation, WorkingGroup, WorkingGroupMembership
from app.config import ROOT_DIR, normalize_database_url
from app.proposals import service as proposals
from app.proposals.acting import acting_on, seat_of
from app.scenarios import service as scenarios
from app.voting import service as voting
from app.voting.models import BallotReceipt, RollCallBallot
from bench.floor_app import FLOOR_REQUESTS, FloorFigures, measure_floor
from tests.servers import free_port

DEFAULT_NS = (50, 200, 500)
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/commission_bench"
RUN_TIMEOUT_S = 120.0
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
HOST = "127.0.0.1"
GROUP_CODE = "FT"
CHOICES = ("yes", "no", "abstain")
PASSWORD = "vote storm password"
Log = Callable[[str], None]


class StormError(RuntimeError):
    """The run could not be set up (migration, seeding, server start) or ran out of time."""


# --- the database ------------------------------------------------------------------------------


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql", "postgres"))


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise StormError("the run's time limit was reached")
    return left


def fresh_database(url: str) -> None:
    """An empty database at `url`: a SQLite file removed, or a PostgreSQL database recreated."""
    if is_postgres(url):
        target = make_url(normalize_database_url(url))
        name = target.database or ""
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or name == "postgres":
            raise StormError(f"refusing to recreate the PostgreSQL database {name!r}")
        admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        return
    path = sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def drop_database(url: str) -> None:
    if is_postgres(url):
        target = make_url(normalize_database_url(url))
        admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        finally:
            admin.dispose()
        return
    path = sqlite_path(url)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise StormError("the vote storm needs a SQLite file, not an in-memory database")
    return Path(database)


# The served app signs session cookies with this; the bench signs the voters' cookies with it.
SECRET_KEY = "vote-storm-secret-" + "v" * 32
PATHS = ("page", "api")


def server_env(url: str) -> dict[str, str]:
    """The environment for the app's subprocesses: ours, with DATABASE_URL pointing at `url`."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "ENVIRONMENT": "development",
        "PYTHONUNBUFFERED": "1",
        "SERVER_TIMING": "1",  # each response says how long the app took (Server-Timing)
    }


def migrate(url: str, timeout: float) -> None:
    """`commission db upgrade` against `url`, in a subprocess (no in-process settings touched)."""
    try:
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", "db", "upgrade"],
            cwd=ROOT_DIR,
            env=server_env(url),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise StormError("`commission db upgrade` timed out") from error
    if result.returncode != 0:
        raise StormError(f"`commission db upgrade` failed:\n{result.stderr[-2000:]}")


@dataclass(frozen=True)
class Voter:
    participant_id: int
    token: str  # a personal API token
    cookie: str  # a signed session cookie, as the sign-in form sets it
    choice: str


@dataclass(frozen=True)
class Member:
    """Someone of the commission who may follow it live: a signed session cookie and a role."""

    participant_id: int
    cookie: str
    role: str  # instructor | observer | delegate


@dataclass(frozen=True)
class Electorate:
    commission_id: int
    proposal_id: int
    vote_id: int
    voters: list[Voter]
    instructor: Member
    observers: tuple[Member, ...] = ()
    # Another proposal put to the vote (proposal id, vote id), where a few ballots and an
    # argument warm the server up before anything is measured: its first calls compile SQL,
    # load templates, build validators.
    warmup: tuple[int, int] = (0, 0)

    def warmup_path(self, via: str) -> str:
        """Where a ballot of the warm-up vote goes, by the page's form or by the API."""
        proposal, vote = self.warmup
        if via == "api":
            return f"/api/v1/proposals/{proposal}/votes/{vote}/ballots"
        return f"/proposals/{proposal}/votes/{vote}/ballot"

    @property
    def events_path(self) -> str:
        return f"/commissions/{self.commission_id}/events"

    @property
    def argument_path(self) -> str:
        return f"/proposals/{self.proposal_id}/arguments"

    def members(self, count: int) -> list[Member]:
        """`count` members to follow the commission live: the instructor, the observers, then
        delegates of both delegations spread evenly (the first half of the voters sit for the
        United States, the second for China)."""
        delegates = [Member(v.participant_id, v.cookie, "delegate") for v in self.voters]
        chosen = [self.instructor, *self.observers][:count]
        wanted = count - len(chosen)
        if wanted > len(delegates):
            raise StormError(f"{count} members wanted, the commission has fewer")
        return chosen + [delegates[(i * len(delegates)) // wanted] for i in range(wanted)]

    @property
    def ballot_path(self) -> str:
        return f"/api/v1/proposals/{self.proposal_id}/votes/{self.vote_id}/ballots"

    @property
    def page_path(self) -> str:
        return f"/proposals/{self.proposal_id}"

    @property
    def form_path(self) -> str:
        return f"/proposals/{self.proposal_id}/votes/{self.vote_id}/ballot"


@contextmanager
def cheap_password_hashing() -> Iterator[None]:
    """Real argon2 with tiny costs while seeding, so 500 accounts take a second, not a minute."""
    original = accounts.password_hasher
    accounts.password_hasher = PasswordHash(
        (Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),)
    )
    try:
        yield
    finally:
        accounts.password_hasher = original


def observers_for(members: int, delegates: int) -> int:
    """Observers to seat so that `members` following live are a mix of roles: the instructor,
    one in fifty an observer (at least two), delegates for the rest (or more observers, when
    there are not enough delegates)."""
    if members <= 1:
        return 0
    few = min(members - 1, max(2, members // 50))
    return max(few, members - 1 - delegates)


def seed(url: str, n: int, *, observers: int = 0) -> Electorate:
    """A commission in session, N seated delegates with API tokens, a proposal in voting (its
    debate still open: arguments are taken while a proposal is voted on), and `observers`
    observers (no delegation, no vote); everyone, the instructor too, with a session cookie."""
    engine = create_engine(normalize_database_url(url))
    try:
        with (
            cheap_password_hashing(),
            Session(engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            return _seed(session, n, observers)
    finally:
        engine.dispose()


def _seed(session: Session, n: int, observers: int) -> Electorate:
    from app.accounts.auth import session_cookie_value
    from app.config import Settings

    settings = Settings(secret_key=SECRET_KEY)

    def cookie_of(user: User) -> str:
        # Signing N people in through the form would time argon2, not ballots: their sessions
        # are made as the sign-in form makes them, and their cookies signed the same way.
        signed_in = accounts.start_session(session, user, settings, "vote storm")
        return session_cookie_value(signed_in.token, SECRET_KEY)

    scenarios.ensure_builtin_scenarios(session)
    scenario = scenarios.find_scenario_by_slug(session, "cooling-off")
    if scenario is None:
        raise StormError("the built-in scenario 'cooling-off' is missing")
    instructor = accounts.create_user(
        session,
        username="storm-instructor",
        display_name="Storm Instructor",
        password=PASSWORD,
        is_instructor=True,
    )
    commission = scenarios.open_commission(session, scenario, f"Vote storm, N={n}", instructor)
    commissions.start_session(commission)
    delegations = {
        d.code: d
        for d in session.scalars(
            select(Delegation).where(Delegation.commission_id == commission.id)
        )
    }
    group = session.scalar(
        select(WorkingGroup).where(
            WorkingGroup.commission_id == commission.id, WorkingGroup.code == GROUP_CODE
        )
    )
    if group is None or not {"US", "PRC"} <= delegations.keys():
        raise StormError("the scenario lacks the US or PRC delegation or the FT working group")
    group.sponsorship = "none"
    session.flush()

    voters: list[Voter] = []
    users = []
    for i in range(n):
        user = accounts.create_user(
            session,
            username=f"storm-{i:04d}",
            display_name=f"Storm Delegate {i}",
            password=PASSWORD,
        )
        participant = commissions.join_commission(session, commission, user)
        commissions.assign_seat(
            participant,
            delegation=delegations["US" if i < (n + 1) // 2 else "PRC"],
            sector=None,
            role_brief=None,
        )
        session.add(
            WorkingGroupMembership(participant_id=participant.id, working_group_id=group.id)
        )
        _record, token = accounts.create_api_token(session, user, "vote storm")
        voters.append(Voter(participant.id, token, cookie_of(user), CHOICES[i % len(CHOICES)]))
        users.append(user)
    watching: list[Member] = []
    for i in range(observers):
        user = accounts.create_user(
            session,
            username=f"storm-observer-{i:04d}",
            display_name=f"Storm Observer {i}",
            password=PASSWORD,
        )
        participant = commissions.join_commission(session, commission, user)
        participant.role = "observer"
        watching.append(Member(participant.id, cookie_of(user), "observer"))
    session.flush()
    chair = commissions.participant_for(session, commission.id, instructor)
    assert chair is not None

    # The first delegate drafts and tables; the instructor opens debate and the vote.
    author = commissions.participant_for(session, commission.id, users[0], with_delegation=True)
    assert author is not None

    def put_to_the_vote(title: str, text: str) -> tuple[int, int]:
        proposal = proposals.create_proposal(
            session,
            author,
            seat_of(session, author, group),
            group,
            title=title,
            text=text,
            rationale="Seeded by bench/vote_storm.py.",
        )
        proposals.move_stage(session, acting_on(session, proposal.id, users[0]), "table")
        proposals.move_stage(session, acting_on(session, proposal.id, instructor), "open_debate")
        vote = voting.open_vote(session, acting_on(session, proposal.id, instructor))
        return proposal.id, vote.id

    proposal_id, vote_id = put_to_the_vote(
        "Notify before testing frontier models near each other's networks",
        "Each side notifies the other **72 hours** before such a test.",
    )
    warmup = put_to_the_vote(
        "Share a glossary of frontier-model terms", "Both sides keep **one** glossary."
    )
    return Electorate(
        commission.id,
        proposal_id,
        vote_id,
        voters,
        instructor=Member(chair.id, cookie_of(instructor), "instructor"),
        observers=tuple(watching),
        warmup=warmup,
    )


# --- the server --------------------------------------------------------------------------------

APP = "app.main:create_app"
# The app's own answer once it reads the database: an unknown token looked up, then refused.
APP_PROBE = ("/api/v1/me", 401)


def server_command(port: int, workers: int, app: str = APP) -> list[str]:
    if workers <= 1 and app == APP:
        return [sys.executable, "-m", "app.cli", "serve", "--host", HOST, "--port", str(port)]
    return [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--proxy-headers",
    ]


@dataclass(frozen=True)
class Served:
    """A running server: its address and its processes (uvicorn's supervisor and workers)."""

    base_url: str
    port: int
    pids: tuple[int, ...]

    def cpu_seconds(self) -> float:
        """CPU time the server's processes have used so far (user + system, reaped children
        included), from /proc."""
        return sum(process_cpu_seconds(pid) for pid in self.pids)

    @property
    def workers(self) -> tuple[int, ...]:
        """The processes that serve requests: uvicorn's workers, or the one process."""
        spawned = tuple(p for p in self.pids[1:] if b"spawn_main" in _cmdline(p))
        return spawned or self.pids[:1]


@contextmanager
def serving(
    url: str,
    workers: int,
    log_dir: Path,
    ready_timeout: float,
    *,
    app: str = APP,
    env: dict[str, str] | None = None,
    probe: tuple[str, int] = APP_PROBE,
) -> Iterator[Served]:
    """Run `app` on a free port until the block ends."""
    port = free_port()
    log_path = log_dir / f"server-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            server_command(port, workers, app),
            cwd=ROOT_DIR,
            env=env or server_env(url),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in the terminal reaches us, and we stop it
        )
        try:
            base_url = f"http://{HOST}:{port}"
            _wait_until_ready(process, base_url, log_path, workers, ready_timeout, probe)
            yield Served(base_url, port, tuple(process_tree(process.pid)))
        finally:
            _stop(process)


def _log_tail(log_path: Path, chars: int = 3000) -> str:
    try:
        return log_path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def _wait_until_ready(
    process: subprocess.Popen[bytes],
    base_url: str,
    log_path: Path,
    workers: int,
    timeout: float,
    probe: tuple[str, int],
) -> None:
    """Until the probe is answered as expected (and every worker started)."""
    path, expected = probe
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise StormError(f"the server exited early:\n{_log_tail(log_path)}")
            try:
                status = client.get(path, headers={"Authorization": "Bearer cmt_unknown"})
            except httpx.HTTPError:
                status = None
            started = _log_tail(log_path, 1_000_000).count("Application startup complete")
            if status is not None and status.status_code == expected and started >= workers:
                return
            time.sleep(0.1)
    raise StormError(f"the server did not answer within {timeout:.0f} s:\n{_log_tail(log_path)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn stops its workers too); SIGKILL to its process group if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        # Not reaped yet, so the group id (the server's own pid, from start_new_session) is
        # still ours: the server and any worker it started, nothing else.
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# --- what the server spends: CPU time from /proc ----------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after the command name (which may hold spaces): field 3 onwards."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def process_cpu_seconds(pid: int) -> float:
    """utime + stime + cutime + cstime of one process (0 once it is gone)."""
    fields = _stat_fields(pid)
    return sum(int(f) for f in fields[11:15]) / CLOCK_TICKS if fields else 0.0


def process_tree(pid: int) -> list[int]:
    """`pid` and every process descending from it, from /proc (uvicorn's workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))):
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop(0))
        todo.extend(sorted(children.get(tree[-1], ())))
    return tree


async def idle_cpu_seconds(served: Served, seconds: float) -> float:
    """What the server spends doing nothing for `seconds` (keep-alives, its sweeps): the
    baseline subtracted from a measurement of the same length."""
    before = served.cpu_seconds()
    await asyncio.sleep(seconds)
    return served.cpu_seconds() - before


def streams_per_process(served: Served) -> list[int]:
    """How many established connections to the server each worker holds (/proc/net/tcp)."""
    inodes: set[str] = set()
    with suppress(OSError):
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == served.port and fields[3] == "01":
                inodes.add(fields[9])
    counts = []
    for pid in served.workers:
        held = 0
        with suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with suppress(OSError):
                    held += os.readlink(fd).removeprefix("socket:[").rstrip("]") in inodes
        counts.append(held)
    return counts


@contextmanager
def profiled(served: Served, output: Path | None) -> Iterator[None]:
    """py-spy sampling every process of the server while the block runs, its collapsed stacks
    written to `output` (py-spy's raw format, one stack and its count a line; flamegraph.pl or
    speedscope draw it). Nothing without an output."""
    if output is None:
        yield
        return
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    command = [py_spy, "record", "--pid", str(served.pids[0]), "--subprocesses"]
    command += [
        "--gil",
        "--nonblocking",
        "--rate",
        "250",
        "--format",
        "raw",
        "--output",
        str(output),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)  # until it has attached
    try:
        yield
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _out, errors = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            errors = b""
        if process.returncode not in (0, -signal.SIGINT) and not output.exists():
            raise StormError(f"py-spy failed: {errors.decode(errors='replace')[-500:]}")


# --- live streams, read off raw sockets -------------------------------------------------------


class Watch:
    """When each stream first received one event (by name, its frame passing `test`)."""

    def __init__(self, name: str, streams: int, test: Callable[[bytes], bool] | None) -> None:
        self.name = name.encode()
        self.streams = streams
        self.test = test
        self.since = time.perf_counter()
        self.arrived: dict[int, float] = {}  # stream index -> time.perf_counter()
        self.done = asyncio.Event()

    def see(self, index: int, frame: bytes, at: float) -> None:
        if index in self.arrived or (self.test is not None and not self.test(frame)):
            return
        self.arrived[index] = at
        if len(self.arrived) >= self.streams:
            self.done.set()

    async def wait(self, timeout: float) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(self.done.wait(), max(timeout, 0.0))

    def latencies_ms(self, since: float) -> list[float]:
        return [(at - since) * 1000 for at in self.arrived.values()]


class EventStream(asyncio.Protocol):
    """One member's `/commissions/{id}/events`, over a plain socket: HTTP/1.1, chunked, SSE.

    A minimal reader, so that hundreds of streams in one process cost the client next to
    nothing (no HTTP library per stream): it finds each event's name, notes when it arrived
    (when its bytes reached the client), and hands the frame to the streams' current watch.
    """

    def __init__(self, owner: EventStreams, index: int, request: bytes) -> None:
        self.owner = owner
        self.index = index
        self.request = request
        self.connected: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self._raw = bytearray()
        self._body = bytearray()
        self._head_done = False
        self._chunked = False
        self._chunk_left = 0  # bytes of the current chunk still to come
        self._chunk_end = False  # its closing CRLF still to skip

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.owner.lost += 1
        if not self.connected.done():
            self.connected.set_exception(StormError(f"stream {self.index} closed: {exc}"))

    def data_received(self, data: bytes) -> None:
        at = time.perf_counter()
        self._raw += data
        if not self._head_done:
            end = self._raw.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self._raw[:end]).lower()
            del self._raw[: end + 4]
            self._head_done = True
            self._chunked = b"transfer-encoding: chunked" in head
            if not head.startswith((b"http/1.1 200", b"http/1.0 200")):
                status = head.split(b"\r\n", 1)[0].decode(errors="replace")
                self.connected.set_exception(StormError(f"stream {self.index}: {status}"))
                assert self.transport is not None
                self.transport.close()
                return
        self._unchunk()
        while (end := self._body.find(b"\r\n\r\n")) >= 0:
            frame = bytes(self._body[:end])
            del self._body[: end + 4]
            if frame.startswith(b"event: "):
                self.owner.seen(self, frame, at)

    def _unchunk(self) -> None:
        raw = self._raw
        if not self._chunked:
            self._body += raw
            raw.clear()
            return
        while raw:
            if self._chunk_end:
                if len(raw) < 2:
                    return
                del raw[:2]
                self._chunk_end = False
            elif self._chunk_left:
                taken = raw[: self._chunk_left]
                self._body += taken
                del raw[: len(taken)]
                self._chunk_left -= len(taken)
                self._chunk_end = not self._chunk_left
            else:
                end = raw.find(b"\r\n")
                if end < 0:
                    return
                self._chunk_left = int(bytes(raw[:end]).split(b";")[0], 16)
                del raw[: end + 2]
                if not self._chunk_left:
                    raw.clear()  # the last chunk: the server ended the stream
                    return


class EventStreams:
    """Many members' live streams of one commission, and the event they wait for now."""

    def __init__(self, served: Served, path: str) -> None:
        self.served = served
        self.path = path
        self.streams: list[EventStream] = []
        self.watch: Watch | None = None
        self.lost = 0  # connections the server closed (or that failed)

    async def open(self, cookies: list[str], *, at_once: int = 16, timeout: float = 60.0) -> None:
        """One stream per cookie, a few opening at a time, each until its `connected` event."""
        loop = asyncio.get_running_loop()
        opening = asyncio.Semaphore(at_once)

        async def one(index: int, cookie: str) -> None:
            request = (
                f"GET {self.path} HTTP/1.1\r\nHost: {HOST}:{self.served.port}\r\n"
                f"Accept: text/event-stream\r\nCookie: commission_session={cookie}\r\n\r\n"
            ).encode()
            async with opening:
                _transport, stream = await loop.create_connection(
                    lambda: EventStream(self, index, request), HOST, self.served.port
                )
                self.streams.append(stream)
                await asyncio.wait_for(stream.connected, timeout)

        await asyncio.gather(*(one(i, cookie) for i, cookie in enumerate(cookies)))

    def expect(self, event: str, test: Callable[[bytes], bool] | None = None) -> Watch:
        """Watch for `event` on every stream from now on."""
        self.watch = Watch(event, len(self.streams), test)
        return self.watch

    def seen(self, stream: EventStream, frame: bytes, at: float) -> None:
        name = frame[7 : frame.find(b"\r\n")] if b"\r\n" in frame else frame[7:]
        if name == b"connected":
            if not stream.connected.done():
                stream.connected.set_result(at)
        elif self.watch is not None and name == self.watch.name:
            self.watch.see(stream.index, frame, at)

    def close(self) -> None:
        for stream in self.streams:
            if stream.transport is not None:
                stream.transport.close()


# --- the storm ---------------------------------------------------------------------------------

# After the last ballot's answer, how long the watchers may take to show the final count.
WATCH_TIMEOUT_S = 10.0
TURNOUT = re.compile(rb"(\d+) of (\d+) eligible have voted")
SERVER_TIMING = re.compile(r"\bdur=([0-9.]+)")
TLS = ssl.create_default_context()  # never used (plain HTTP); made once, not per client


@dataclass
class Attempt:
    """What one client saw. `status` None: no response (exception or the run's timeout)."""

    status: int | None = None
    latency_s: float | None = None
    page_latency_s: float | None = None  # the form post plus the page it redirects to
    server_ms: float | None = None  # the app's own time for the first attempt (Server-Timing)
    error: str | None = "the run's time limit was reached"
    second_status: int | None = None
    second_detail: str | None = None
    second_error: str | None = None


class Phases:
    """The storm's two phases: every first attempt released at once and answered (what is
    measured, the server's CPU included), then what each client does after (the page a form
    redirects to, a second attempt), released together once the first phase is over."""

    def __init__(self, clients: int) -> None:
        self.clients = clients
        self.ready = 0
        self.answered = 0
        self.go = asyncio.Event()
        self.all_answered = asyncio.Event()
        self.after = asyncio.Event()

    def answer(self) -> None:
        self.answered += 1
        if self.answered >= self.clients:
            self.all_answered.set()

    @staticmethod
    def reconnect(client: httpx.AsyncClient) -> httpx.AsyncClient:
        """A client like `client` on a new connection: the one it kept may have idled past the
        server's keep-alive timeout (5 s) while the others' ballots were answered, and a
        request sent as the server closes it would fail for no fault of the app."""
        return httpx.AsyncClient(
            base_url=client.base_url,
            timeout=client.timeout,
            cookies=client.cookies,
            verify=TLS,
        )


def server_ms(response: httpx.Response) -> float | None:
    match = SERVER_TIMING.search(response.headers.get("server-timing", ""))
    return float(match.group(1)) if match else None


def _detail(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    detail = body.get("detail") if isinstance(body, dict) else None
    return detail if isinstance(detail, str) and detail else None


async def _one_voter(
    client: httpx.AsyncClient,
    path: str,
    voter: Voter,
    attempt: Attempt,
    phases: Phases,
    twice: bool,
) -> None:
    headers = {"Authorization": f"Bearer {voter.token}"}
    body = {"choice": voter.choice}
    phases.ready += 1
    await phases.go.wait()
    started = time.perf_counter()
    try:
        try:
            response = await client.post(path, json=body, headers=headers)
        finally:
            attempt.latency_s = time.perf_counter() - started
            phases.answer()
    except httpx.HTTPError as error:
        attempt.error = f"{type(error).__name__}: {error}"
        return
    attempt.status = response.status_code
    attempt.server_ms = server_ms(response)
    attempt.error = None if response.status_code == 201 else response.text[:300]
    if not twice:
        return
    await phases.after.wait()
    attempt.second_error = "the run's time limit was reached"
    try:
        async with phases.reconnect(client) as later:
            again = await later.post(path, json={"choice": "no"}, headers=headers)
    except httpx.HTTPError as error:
        attempt.second_error = f"{type(error).__name__}: {error}"
        return
    attempt.second_status = again.status_code
    attempt.second_detail = _detail(again)
    attempt.second_error = (
        None if again.status_code == 409 and attempt.second_detail else again.text[:300]
    )


CSRF_FIELD = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
ACCEPTED = {"api": 201, "page": 303}


async def open_proposal_page(client: httpx.AsyncClient, electorate: Electorate) -> str:
    """The student has the proposal page open before the vote: its form's CSRF token."""
    response = await client.get(electorate.page_path)
    match = CSRF_FIELD.search(response.text)
    if response.status_code != 200 or match is None:
        raise StormError(f"the proposal page did not open: {response.status_code}")
    return match.group(1)


async def _one_page_voter(
    client: httpx.AsyncClient,
    electorate: Electorate,
    voter: Voter,
    token: str,
    attempt: Attempt,
    phases: Phases,
    twice: bool,
) -> None:
    """Press a ballot button (a plain form post with its CSRF token), then load the page the
    answer redirects to, as the browser does (once every ballot is answered)."""
    form = {"choice": voter.choice, "csrf_token": token}
    phases.ready += 1
    await phases.go.wait()
    started = time.perf_counter()
    try:
        try:
            response = await client.post(electorate.form_path, data=form)
        finally:
            attempt.latency_s = time.perf_counter() - started
            phases.answer()
        attempt.status = response.status_code
        attempt.server_ms = server_ms(response)
        if response.status_code != 303:
            attempt.error = response.text[:300]
            return
        attempt.error = None
        await phases.after.wait()
        async with phases.reconnect(client) as later:
            landing_started = time.perf_counter()
            landing = await later.get(response.headers["location"])
            attempt.page_latency_s = attempt.latency_s + time.perf_counter() - landing_started
            if landing.status_code != 200:
                attempt.error = f"the page after the ballot answered {landing.status_code}"
            if twice:
                attempt.second_error = "the run's time limit was reached"
                again = await later.post(electorate.form_path, data={**form, "choice": "no"})
                attempt.second_status = again.status_code
                refused = again.status_code == 409 and "voted already" in again.text
                attempt.second_detail = "the page says: voted already" if refused else None
                attempt.second_error = None if refused else again.text[:300]
    except httpx.HTTPError as error:
        failed = f"{type(error).__name__}: {error}"
        if attempt.second_error is None:
            attempt.error = failed
        else:
            attempt.second_error = failed


WARMUP_BALLOTS = 5
WARMUP_PAUSE_S = 0.5  # past the stream's coalescing (0.25 s) and its drawing


async def warm_up(served: Served, electorate: Electorate, via: str, *, argue: bool = False) -> None:
    """A few ballots in the warm-up vote along the same path (and with `argue` an argument on
    its proposal), one after another, then a pause while the stream draws them: what is then
    measured meets a server past its first calls, as a room's server is."""
    proposal_id, _vote_id = electorate.warmup
    for voter in electorate.voters[:WARMUP_BALLOTS]:
        cookies = {"commission_session": voter.cookie}
        async with httpx.AsyncClient(
            base_url=served.base_url, timeout=30.0, cookies=cookies
        ) as client:
            token = await open_proposal_page(client, electorate)
            if via == "page":
                response = await client.post(
                    electorate.warmup_path(via), data={"choice": voter.choice, "csrf_token": token}
                )
            else:
                response = await client.post(
                    electorate.warmup_path(via),
                    json={"choice": voter.choice},
                    headers={"Authorization": f"Bearer {voter.token}"},
                )
            if response.status_code != ACCEPTED[via]:
                raise StormError(f"a warm-up ballot: {response.status_code} {response.text[:300]}")
            if argue and voter is electorate.voters[0]:
                response = await client.post(
                    f"/proposals/{proposal_id}/arguments",
                    data={"stance": "support", "body": "Warming up.", "csrf_token": token},
                )
                if response.status_code != 303:
                    raise StormError(f"a warm-up argument: {response.status_code}")
    await asyncio.sleep(WARMUP_PAUSE_S)


@dataclass
class StormRun:
    attempts: list[Attempt]
    wall_s: float  # from the release to the last first attempt's answer
    window_s: float  # the measured phase: until then, or until every watcher had the final count
    cpu_s: float  # the server's CPU in that window, less what it spends idle as long
    watchers: int
    watched: int  # watchers that received the tally with the final count
    watcher_last_ms: float | None  # the slowest of those, after the last ballot's answer


def _final_count(n: int) -> Callable[[bytes], bool]:
    def shows(frame: bytes) -> bool:
        match = TURNOUT.search(frame)
        return match is not None and int(match.group(1)) >= n

    return shows


async def storm(
    served: Served,
    electorate: Electorate,
    *,
    path: str,
    twice: bool,
    timeout: float,
    watchers: int = 0,
    profile: Path | None = None,
) -> StormRun:
    """Release every voter at once, with `watchers` members following the commission live.

    Each voter has its own AsyncClient (own connection), made before the release: one shared
    client would push N requests through one connection pool, whose bookkeeping grows with N
    and would charge the client's own work to the server's latency.
    """
    deadline = time.perf_counter() + timeout
    attempts = [Attempt() for _ in electorate.voters]
    clients = [
        httpx.AsyncClient(
            base_url=served.base_url,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=2, max_keepalive_connections=2),
            verify=TLS,
            cookies={"commission_session": voter.cookie} if path == "page" else None,
        )
        for voter in electorate.voters
    ]
    streams = EventStreams(served, electorate.events_path)
    try:
        tokens: list[str] = []
        if path == "page":
            # Every page opened before the vote, a few at a time (not part of the storm), on
            # connections of their own: the server closes idle keep-alive connections after
            # 5 s, and a ballot sent on one it has closed would fail for no fault of the app.
            opening = asyncio.Semaphore(8)

            async def opened(voter: Voter) -> str:
                async with (
                    opening,
                    httpx.AsyncClient(
                        base_url=served.base_url,
                        timeout=httpx.Timeout(timeout),
                        cookies={"commission_session": voter.cookie},
                    ) as client,
                ):
                    return await open_proposal_page(client, electorate)

            tokens = list(await asyncio.gather(*(opened(v) for v in electorate.voters)))
        if watchers:
            members = electorate.members(watchers)
            await streams.open([m.cookie for m in members], timeout=timeout)
        await warm_up(served, electorate, path)
        phases = Phases(len(electorate.voters))
        tasks = []
        for i, (client, voter, attempt) in enumerate(
            zip(clients, electorate.voters, attempts, strict=True)
        ):
            voting_now = (
                _one_page_voter(client, electorate, voter, tokens[i], attempt, phases, twice)
                if path == "page"
                else _one_voter(client, electorate.ballot_path, voter, attempt, phases, twice)
            )
            tasks.append(asyncio.create_task(voting_now))
        while phases.ready < len(tasks):
            await asyncio.sleep(0)
        tally_event = f"proposal-{electorate.proposal_id}-tally"
        watch = streams.expect(tally_event, _final_count(len(electorate.voters)))
        with profiled(served, profile):
            cpu_before = served.cpu_seconds()
            released = time.perf_counter()
            phases.go.set()
            with suppress(TimeoutError):
                await asyncio.wait_for(phases.all_answered.wait(), deadline - time.perf_counter())
            answered = [released + a.latency_s for a in attempts if a.latency_s is not None]
            last_answer = max(answered) if answered else time.perf_counter()
            if watchers:
                await watch.wait(min(WATCH_TIMEOUT_S, deadline - time.perf_counter()))
            window_s = time.perf_counter() - released
            cpu_s = served.cpu_seconds() - cpu_before
        phases.after.set()
        _done, pending = await asyncio.wait(tasks, timeout=max(deadline - time.perf_counter(), 0))
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
        idle_s = await idle_cpu_seconds(served, window_s)
    finally:
        streams.close()
        await asyncio.gather(*(client.aclose() for client in clients), return_exceptions=True)
    return StormRun(
        attempts=attempts,
        wall_s=last_answer - released,
        window_s=window_s,
        cpu_s=max(cpu_s - idle_s, 0.0),
        watchers=watchers,
        watched=len(watch.arrived),
        watcher_last_ms=(
            (max(watch.arrived.values()) - last_answer) * 1000 if watch.arrived else None
        ),
    )


async def api_cast_count(base_url: str, electorate: Electorate) -> int | None:
    """The number of ballots the app itself reports for the vote (GET .../vote)."""
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=10.0) as client:
            response = await client.get(
                f"/api/v1/proposals/{electorate.proposal_id}/vote",
                headers={"Authorization": f"Bearer {electorate.voters[0].token}"},
            )
    except httpx.HTTPError:
        return None  # the server is still busy; the database count is what matters
    if response.status_code != 200:
        return None
    cast = response.json().get("cast")
    return int(cast) if isinstance(cast, int) else None


# --- the verdict -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredBallots:
    receipts: Counter[int]  # participant id -> receipt rows
    choices: dict[int, list[str]]  # participant id -> ballot rows' choices

    def holds(self, voter: Voter) -> bool:
        """The voter's receipt and ballot are stored, with the choice they sent."""
        has_receipt = self.receipts.get(voter.participant_id, 0) >= 1
        return has_receipt and voter.choice in self.choices.get(voter.participant_id, [])


def stored_ballots(url: str, vote_id: int) -> StoredBallots:
    engine = create_engine(normalize_database_url(url))
    try:
        with engine.connect() as conn:
            receipts = Counter(
                {
                    int(p): int(c)
                    for p, c in conn.execute(
                        select(BallotReceipt.participant_id, func.count())
                        .where(BallotReceipt.vote_id == vote_id)
                        .group_by(BallotReceipt.participant_id)
                    )
                }
            )
            choices: dict[int, list[str]] = {}
            for p, choice in conn.execute(
                select(RollCallBallot.participant_id, RollCallBallot.choice).where(
                    RollCallBallot.vote_id == vote_id
                )
            ):
                choices.setdefault(int(p), []).append(str(choice))
    finally:
        engine.dispose()
    return StoredBallots(receipts, choices)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (0 < share <= 1); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class StormResult:
    db: str
    path: str
    n: int
    workers: int
    stored: int
    receipts: int
    lost: int
    doubled: int
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    page_p50_ms: float | None
    page_p99_ms: float | None
    rps: float
    wall_s: float
    setup_s: float
    server_cpu_ms_per_ballot: float
    server_p50_ms: float
    server_p99_ms: float
    watchers: int
    watched: int
    watcher_last_ms: float | None
    unacknowledged: int  # stored although the client saw no 201
    contradicted: int  # of those, stored although the app answered with an error status
    api_cast: int | None
    retry_duplicates: bool
    duplicates_refused: int  # second attempts answered 409 with a JSON detail
    statuses: Counter[str] = field(default_factory=Counter)
    sample_errors: list[str] = field(default_factory=list)
    duplicate_details: Counter[str] = field(default_factory=Counter)
    floor: FloorFigures | None = None  # the fortunes page on the same stack, after the storm
    floor_error: str | None = None  # its requests that failed (then no floor, no ratio)

    @property
    def ok(self) -> bool:
        stored = self.stored == self.n and not (self.lost or self.doubled or self.errors)
        return stored and self.watched == self.watchers and self.floor_error is None

    @property
    def ratio(self) -> float | None:
        """Server CPU per ballot over server CPU per fortunes request."""
        if self.floor is None or self.floor.fortunes_cpu_ms <= 0:
            return None
        return self.server_cpu_ms_per_ballot / self.floor.fortunes_cpu_ms

    def line(self) -> str:
        page = (
            f" page_p50_ms={self.page_p50_ms:.1f} page_p99_ms={self.page_p99_ms:.1f}"
            if self.page_p50_ms is not None and self.page_p99_ms is not None
            else ""
        )
        floor = (
            f" fortunes_cpu_ms={self.floor.fortunes_cpu_ms:.2f} ratio={self.ratio:.2f}"
            if self.floor is not None and self.ratio is not None
            else " fortunes=failed"
            if self.floor_error
            else ""
        )
        watchers = (
            f" watchers={self.watched}/{self.watchers} watcher_last_ms="
            + ("none" if self.watcher_last_ms is None else f"{self.watcher_last_ms:.1f}")
            if self.watchers
            else ""
        )
        return (
            f"vote_storm db={self.db} via={self.path} workers={self.workers} n={self.n}"
            f" stored={self.stored} lost={self.lost} doubled={self.doubled} errors={self.errors}"
            f" p50_ms={self.p50_ms:.1f} p99_ms={self.p99_ms:.1f}{page} rps={self.rps:.1f}"
            f" server_cpu_ms_per_ballot={self.server_cpu_ms_per_ballot:.2f}"
            f" server_p99_ms={self.server_p99_ms:.1f}{floor}{watchers}"
        )

    def summary(self) -> str:
        lines = [
            f"db={self.db} path={self.path} n={self.n} workers={self.workers}"
            f" (setup {self.setup_s:.1f} s, storm {self.wall_s:.2f} s)",
            f"  ballots stored: {self.stored} roll-call rows, {self.receipts} receipts"
            f"; the app reports {self.api_cast} cast",
            f"  lost {self.lost}, doubled {self.doubled}, errors {self.errors},"
            f" stored without being accepted: {self.unacknowledged}"
            f" (of which answered with an error: {self.contradicted})",
            f"  responses: {dict(sorted(self.statuses.items()))}",
            f"  latency p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms,"
            f" max {self.max_ms:.1f} ms; {self.rps:.1f} ballots/s",
            f"  in the app (Server-Timing): p50 {self.server_p50_ms:.1f} ms,"
            f" p99 {self.server_p99_ms:.1f} ms; server CPU {self.server_cpu_ms_per_ballot:.2f} ms"
            " per ballot" + (f" (with {self.watchers} watching)" if self.watchers else ""),
        ]
        if self.watchers:
            lines.append(
                f"  watchers with the final count: {self.watched}/{self.watchers}, the last"
                + (
                    " never"
                    if self.watcher_last_ms is None
                    else f" {self.watcher_last_ms:.1f} ms after the last ballot's answer"
                )
            )
        if self.floor is not None:
            lines.append(f"  the floor on the same stack: {self.floor.summary()}")
        if self.floor_error:
            lines.append(f"  the floor on the same stack: {self.floor_error}")
        if self.page_p50_ms is not None:
            lines.append(
                f"  with the page it lands on: p50 {self.page_p50_ms:.1f} ms,"
                f" p99 {self.page_p99_ms:.1f} ms"
            )
        if self.retry_duplicates:
            lines.append(
                f"  second attempts refused with 409 and a message: {self.duplicates_refused}"
                f"/{self.n} {dict(self.duplicate_details.most_common(3))}"
            )
        lines.extend(f"  error: {e}" for e in self.sample_errors)
        return "\n".join(lines)


def judge(
    db: str,
    path: str,
    electorate: Electorate,
    run: StormRun,
    stored: StoredBallots,
    *,
    workers: int,
    setup_s: float,
    api_cast: int | None,
    retry_duplicates: bool,
) -> StormResult:
    n = len(electorate.voters)
    attempts, wall_s = run.attempts, run.wall_s
    server_ms = [a.server_ms for a in attempts if a.server_ms is not None]
    acknowledged: set[int] = set()
    refused: set[int] = set()  # answered, but not with 201
    lost = 0
    accepted = ACCEPTED[path]
    for voter, attempt in zip(electorate.voters, attempts, strict=True):
        if attempt.status != accepted:
            if attempt.status is not None:
                refused.add(voter.participant_id)
            continue
        acknowledged.add(voter.participant_id)
        if not stored.holds(voter):
            lost += 1
    voted = stored.receipts.keys() | stored.choices.keys()
    doubled = sum(c - 1 for c in stored.receipts.values() if c > 1) + sum(
        len(c) - 1 for c in stored.choices.values() if len(c) > 1
    )
    first_errors = [a for a in attempts if a.status != accepted or a.error is not None]
    second_errors = [a for a in attempts if retry_duplicates and a.second_error is not None]
    latencies_ms = [a.latency_s * 1000 for a in attempts if a.latency_s is not None]
    page_ms = [a.page_latency_s * 1000 for a in attempts if a.page_latency_s is not None]
    completed = sum(1 for a in attempts if a.status is not None)
    statuses = Counter(str(a.status) if a.status is not None else "none" for a in attempts)
    samples = [f"first attempt: {a.status} {a.error}" for a in first_errors[:3]] + [
        f"second attempt: {a.second_status} {a.second_error}" for a in second_errors[:3]
    ]
    return StormResult(
        db=db,
        path=path,
        n=n,
        workers=workers,
        stored=sum(len(c) for c in stored.choices.values()),
        receipts=sum(stored.receipts.values()),
        lost=lost,
        doubled=doubled,
        errors=len(first_errors) + len(second_errors),
        p50_ms=percentile(latencies_ms, 0.50),
        p99_ms=percentile(latencies_ms, 0.99),
        max_ms=max(latencies_ms, default=0.0),
        page_p50_ms=percentile(page_ms, 0.50) if path == "page" else None,
        page_p99_ms=percentile(page_ms, 0.99) if path == "page" else None,
        rps=completed / wall_s if wall_s > 0 else 0.0,
        wall_s=wall_s,
        setup_s=setup_s,
        server_cpu_ms_per_ballot=run.cpu_s * 1000 / n,
        server_p50_ms=percentile(server_ms, 0.50),
        server_p99_ms=percentile(server_ms, 0.99),
        watchers=run.watchers,
        watched=run.watched,
        watcher_last_ms=run.watcher_last_ms,
        unacknowledged=len(voted - acknowledged),
        contradicted=len(voted & refused),
        api_cast=api_cast,
        retry_duplicates=retry_duplicates,
        duplicates_refused=sum(
            1 for a in attempts if a.second_status == 409 and a.second_error is None
        ),
        statuses=statuses,
        sample_errors=samples,
        duplicate_details=Counter(a.second_detail for a in attempts if a.second_detail),
    )


def run_storm(
    db: str,
    url: str,
    n: int,
    *,
    path: str = "page",
    workers: int = 1,
    retry_duplicates: bool = False,
    watchers: int = 0,
    floor_requests: int = 0,
    profile: Path | None = None,
    timeout: float = RUN_TIMEOUT_S,
    keep: bool = False,
    log: Log = print,
) -> StormResult:
    """One run: fresh database, seed, serve, storm, count, stop; then, with `floor_requests`,
    the fortunes page on the same stack and database. Raises StormError on set-up."""
    if n < 1:
        raise StormError("n must be at least 1")
    if workers > 1 and not is_postgres(url):
        raise StormError("several workers need PostgreSQL (SQLite is served by one process)")
    deadline = time.monotonic() + timeout
    started = time.perf_counter()
    log_dir = Path(tempfile.mkdtemp(prefix="vote-storm-logs-"))
    try:
        log(f"[{db} n={n}] fresh database, migrations …")
        fresh_database(url)
        migrate(url, _remaining(deadline))
        log(f"[{db} n={n}] seeding {n} delegates …")
        electorate = seed(url, n, observers=observers_for(watchers, n))
        _remaining(deadline)
        log(f"[{db} n={n}] starting the app ({workers} worker{'s' if workers > 1 else ''}) …")
        ready = min(READY_TIMEOUT_S, _remaining(deadline))
        with serving(url, workers, log_dir, ready) as served:
            setup_s = time.perf_counter() - started
            log(f"[{db} {path} n={n}] {n} voters at once on {served.base_url} …")
            run = asyncio.run(
                storm(
                    served,
                    electorate,
                    path=path,
                    twice=retry_duplicates,
                    timeout=_remaining(deadline),
                    watchers=watchers,
                    profile=profile,
                )
            )
            api_cast = asyncio.run(api_cast_count(served.base_url, electorate))
            stored = stored_ballots(url, electorate.vote_id)
        result = judge(
            db,
            path,
            electorate,
            run,
            stored,
            workers=workers,
            setup_s=setup_s,
            api_cast=api_cast,
            retry_duplicates=retry_duplicates,
        )
        if floor_requests:
            log(f"[{db} n={n}] the fortunes page, {floor_requests} requests, {n} at a time …")
            result.floor = measure_floor(
                url,
                workers=workers,
                concurrency=n,
                requests=floor_requests,
                log_dir=log_dir,
                timeout=_remaining(deadline),
            )
            if result.floor.errors:
                # The storm's figures stand; no ratio is drawn from a floor that failed.
                result.floor_error = f"{result.floor.errors} failed: {result.floor.failures()}"
                result.floor = None
        return result
    finally:
        if keep:
            log(f"[{db} n={n}] kept the database and the server log in {log_dir}")
        else:
            shutil.rmtree(log_dir, ignore_errors=True)
            try:
                drop_database(url)
            except Exception as error:
                log(f"[{db} n={n}] could not drop the database: {error}")


R = TypeVar("R")


def in_turn(
    runs: list[tuple[str, Callable[[Log], R]]], summary: Callable[[R], str]
) -> tuple[list[R], list[str]]:
    """Each run in turn (logging to stderr), its summary printed as it ends; a run that fails
    is named on stderr and does not keep the others' lines from being printed."""

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    results: list[R] = []
    failures: list[str] = []
    for label, run in runs:
        try:
            result = run(log)
        except Exception as error:
            failures.append(f"{label} failed: {error!r}")
            log(failures[-1])
            continue
        results.append(result)
        print(summary(result), flush=True)
    return results, failures


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'vote-storm.db'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="N delegates vote at once over HTTP; prints one vote_storm line per run."
    )
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--n", type=int, action="append", help="voters per run; repeat for several runs"
    )
    parser.add_argument(
        "--via",
        "--path",
        dest="via",
        choices=(*PATHS, "both"),
        default="page",
        help="the ballot form students use (page, the default), the API, or a run of each per N",
    )
    parser.add_argument(
        "--watchers",
        type=int,
        default=0,
        help="members following the commission live during the storm (SSE streams)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="sample the server with py-spy during each storm; collapsed stacks to this file",
    )
    parser.add_argument(
        "--floor-requests",
        type=int,
        default=FLOOR_REQUESTS,
        help="fortunes requests after each storm, for the ratio (0: none)",
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers (PostgreSQL)")
    parser.add_argument("--url", default=DEFAULT_POSTGRES_URL, help="PostgreSQL database to use")
    parser.add_argument(
        "--retry-duplicates",
        action="store_true",
        help="each client votes twice; every second attempt must get 409",
    )
    parser.add_argument("--timeout", type=float, default=RUN_TIMEOUT_S, help="seconds per run")
    parser.add_argument(
        "--keep", action="store_true", help="keep the last run's database and server logs"
    )
    args = parser.parse_args(argv)
    if args.db == "postgres" and not is_postgres(args.url):
        parser.error("--url must name a PostgreSQL database")
    if any(n < 1 for n in args.n or ()):
        parser.error("--n must be at least 1")
    if args.watchers < 0 or args.floor_requests < 0:
        parser.error("--watchers and --floor-requests cannot be negative")

    ns: list[int] = args.n or list(DEFAULT_NS)
    tmp = Path(tempfile.mkdtemp(prefix="vote-storm-"))
    url = args.url if args.db == "postgres" else sqlite_url(tmp)
    paths = PATHS if args.via == "both" else (args.via,)

    def one_run(n: int, path: str) -> Callable[[Log], StormResult]:
        return lambda log: run_storm(
            args.db,
            url,
            n,
            path=path,
            workers=args.workers,
            retry_duplicates=args.retry_duplicates,
            watchers=args.watchers,
            floor_requests=args.floor_requests,
            profile=args.profile,
            timeout=args.timeout,
            keep=args.keep,
            log=log,
        )

    try:
        results, failures = in_turn(
            [(f"vote_storm db={args.db} via={p} n={n}", one_run(n, p)) for n in ns for p in paths],
            StormResult.summary,
        )
    except KeyboardInterrupt:
        print("interrupted; the server has been stopped", file=sys.stderr)
        return 130
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        elif args.db == "sqlite":
            print(f"kept {url}", file=sys.stderr)
    print()
    for result in results:
        print(result.line())
    return 0 if results and not failures and all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
