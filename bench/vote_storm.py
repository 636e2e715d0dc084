"""Vote storm: N delegates cast their ballots at the same instant, over HTTP, against uvicorn.

Each run builds a fresh database (a temporary SQLite file, or a PostgreSQL database dropped and
recreated), migrates it with `commission db upgrade`, seeds a commission opened from "Cooling
Off" with an instructor and N delegates (half United States, half China, all in the Frontier
Technology working group, whose sponsorship rule is set to "none"), one proposal put to the vote
and one API token per delegate. It then starts the app in a subprocess (`commission serve`, or
`uvicorn app.main:create_app --factory --workers W` when W > 1), waits until it answers, and
releases N clients at once (one httpx.AsyncClient each, made beforehand, all waiting on one
asyncio.Event), choosing yes, no and abstain in turn, along one of two paths (`--path`):

* `page` (what students do): each client is signed in (a session as the sign-in form makes
  one) and has the proposal page open, fetched before the release, with its CSRF token; at the
  release it submits the ballot form (`POST /proposals/{id}/votes/{vote}/ballot`, form fields
  and token) and then follows the redirect to the redrawn page, as a browser does. Latency is
  the form post; `page_p50_ms`/`page_p99_ms` add the page it lands on.
* `api`: `POST /api/v1/proposals/{id}/votes/{vote}/ballots` with a bearer token.

Both paths run the same ballot code (one joined query for the voter, no lock on the proposal).
With `--retry-duplicates` each client then sends a second ballot ("no"), which must be refused
with 409 (a JSON `detail`, or the page with its message). Afterwards the bench reads the
database and stops the server (always, also on errors and Ctrl-C). Only 127.0.0.1 is contacted.

Run it from the repository root:

    .venv/bin/python bench/vote_storm.py --db sqlite                # N = 50, 200, 500, both paths
    .venv/bin/python bench/vote_storm.py --db postgres --n 200 --path page --workers 2
    .venv/bin/python bench/vote_storm.py --db sqlite --n 200 --retry-duplicates

`--url` names the PostgreSQL database to (re)create, by default
postgresql://postgres@127.0.0.1:5432/commission_bench. `--keep` leaves the last database and
the server logs behind for inspection. `--timeout` bounds each run (default 120 s). The exit
status is 0 only when every run stored every ballot with no loss, doubling or error.

The output ends with one line per run, in this fixed form so that runs can be compared:

vote_storm db=sqlite path=page n=200 stored=200 lost=0 doubled=0 errors=0 p50_ms=12.3 p99_ms=45.6
  page_p50_ms=20.1 page_p99_ms=80.2 rps=789.0
(on one line; page_… only for the page path)

* stored:  roll-call ballot rows stored for the vote (the summary above the lines also gives
  the receipts, and the count the app itself reports).
* lost:    clients that got 201 whose ballot is not stored as sent: no receipt, no ballot row,
  or a ballot with another choice.
* doubled: extra rows: receipts minus distinct voters, plus ballots minus distinct voters
  (the database's unique constraints should keep it at 0).
* errors:  first attempts that were not accepted (API: 201; page: 303 back to the proposal),
  other status, exception, or the run's timeout; with --retry-duplicates also second attempts
  not refused (API: 409 with a JSON `detail`; page: 409 with the page and its message).
* p50_ms, p99_ms: latency of the first attempts, from the common release to the response.
* rps:     first attempts completed per second, from the release to the last response.

Target (issue 3): zero lost, doubled or failed ballots at every N, p99 under 300 ms at N = 200.
Client and server share the machine, so the figures include the client's own overhead.
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

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository's tests/

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import models  # noqa: F401 - every mapper registered before the first query
from app.accounts import service as accounts
from app.commissions import service as commissions
from app.commissions.models import Delegation, WorkingGroup, WorkingGroupMembership
from app.config import ROOT_DIR, normalize_database_url
from app.proposals import service as proposals
from app.proposals.acting import acting_on, seat_of
from app.scenarios import service as scenarios
from app.voting import service as voting
from app.voting.models import BallotReceipt, RollCallBallot
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
class Electorate:
    commission_id: int
    proposal_id: int
    vote_id: int
    voters: list[Voter]

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


def seed(url: str, n: int) -> Electorate:
    """A commission in session, N seated delegates with API tokens, a proposal in voting."""
    engine = create_engine(normalize_database_url(url))
    try:
        with (
            cheap_password_hashing(),
            Session(engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            return _seed(session, n)
    finally:
        engine.dispose()


def _seed(session: Session, n: int) -> Electorate:
    from app.accounts.auth import session_cookie_value
    from app.config import Settings

    settings = Settings(secret_key=SECRET_KEY)
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
        # Signing N people in through the form would time argon2, not ballots: their sessions
        # are made as the sign-in form makes them, and their cookies signed the same way.
        signed_in = accounts.start_session(session, user, settings, "vote storm")
        cookie = session_cookie_value(signed_in.token, SECRET_KEY)
        voters.append(Voter(participant.id, token, cookie, CHOICES[i % len(CHOICES)]))
        users.append(user)
    session.flush()

    # The first delegate drafts and tables; the instructor opens debate and the vote.
    author = commissions.participant_for(session, commission.id, users[0], with_delegation=True)
    assert author is not None
    proposal = proposals.create_proposal(
        session,
        author,
        seat_of(session, author, group),
        group,
        title="Notify before testing frontier models near each other's networks",
        text="Each side notifies the other **72 hours** before such a test.",
        rationale="Seeded by bench/vote_storm.py.",
    )
    proposals.move_stage(session, acting_on(session, proposal.id, users[0]), "table")
    proposals.move_stage(session, acting_on(session, proposal.id, instructor), "open_debate")
    vote = voting.open_vote(session, acting_on(session, proposal.id, instructor))
    return Electorate(commission.id, proposal.id, vote.id, voters)


# --- the server --------------------------------------------------------------------------------


def server_command(port: int, workers: int) -> list[str]:
    if workers <= 1:
        return [sys.executable, "-m", "app.cli", "serve", "--host", HOST, "--port", str(port)]
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:create_app",
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--proxy-headers",
    ]


@contextmanager
def serving(url: str, workers: int, log_dir: Path, ready_timeout: float) -> Iterator[str]:
    """Run the app on a free port until the block ends; yields its base URL."""
    port = free_port()
    log_path = log_dir / f"server-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            server_command(port, workers),
            cwd=ROOT_DIR,
            env=server_env(url),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in the terminal reaches us, and we stop it
        )
        try:
            base_url = f"http://{HOST}:{port}"
            _wait_until_ready(process, base_url, log_path, workers, ready_timeout)
            yield base_url
        finally:
            _stop(process)


def _log_tail(log_path: Path, chars: int = 3000) -> str:
    try:
        return log_path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def _wait_until_ready(
    process: subprocess.Popen[bytes], base_url: str, log_path: Path, workers: int, timeout: float
) -> None:
    """Until an API request that reads the database is answered (and every worker started)."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise StormError(f"the server exited early:\n{_log_tail(log_path)}")
            try:
                # An unknown token is looked up in the database, then refused: 401.
                status = client.get(
                    "/api/v1/me", headers={"Authorization": "Bearer cmt_unknown"}
                ).status_code
            except httpx.HTTPError:
                status = None
            started = _log_tail(log_path, 1_000_000).count("Application startup complete")
            if status == 401 and started >= workers:
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


# --- the storm ---------------------------------------------------------------------------------


@dataclass
class Attempt:
    """What one client saw. `status` None: no response (exception or the run's timeout)."""

    status: int | None = None
    latency_s: float | None = None
    page_latency_s: float | None = None  # the form post plus the page it redirects to
    error: str | None = "the run's time limit was reached"
    second_status: int | None = None
    second_detail: str | None = None
    second_error: str | None = None


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
    ready: list[int],
    go: asyncio.Event,
    twice: bool,
) -> None:
    headers = {"Authorization": f"Bearer {voter.token}"}
    body = {"choice": voter.choice}
    ready[0] += 1
    await go.wait()
    started = time.perf_counter()
    try:
        response = await client.post(path, json=body, headers=headers)
    except httpx.HTTPError as error:
        attempt.latency_s = time.perf_counter() - started
        attempt.error = f"{type(error).__name__}: {error}"
        return
    attempt.latency_s = time.perf_counter() - started
    attempt.status = response.status_code
    attempt.error = None if response.status_code == 201 else response.text[:300]
    if not twice:
        return
    attempt.second_error = "the run's time limit was reached"
    try:
        again = await client.post(path, json={"choice": "no"}, headers=headers)
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


async def _open_proposal_page(client: httpx.AsyncClient, electorate: Electorate) -> str:
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
    ready: list[int],
    go: asyncio.Event,
    twice: bool,
) -> None:
    """Press a ballot button (a plain form post with its CSRF token), then load the page the
    answer redirects to, as the browser does."""
    form = {"choice": voter.choice, "csrf_token": token}
    ready[0] += 1
    await go.wait()
    started = time.perf_counter()
    try:
        response = await client.post(electorate.form_path, data=form)
        attempt.latency_s = time.perf_counter() - started
        attempt.status = response.status_code
        if response.status_code != 303:
            attempt.error = response.text[:300]
            return
        attempt.error = None
        landing = await client.get(response.headers["location"])
        attempt.page_latency_s = time.perf_counter() - started
        if landing.status_code != 200:
            attempt.error = f"the page after the ballot answered {landing.status_code}"
    except httpx.HTTPError as error:
        attempt.latency_s = attempt.latency_s or time.perf_counter() - started
        attempt.error = f"{type(error).__name__}: {error}"
        return
    if not twice:
        return
    attempt.second_error = "the run's time limit was reached"
    try:
        again = await client.post(electorate.form_path, data={**form, "choice": "no"})
    except httpx.HTTPError as error:
        attempt.second_error = f"{type(error).__name__}: {error}"
        return
    attempt.second_status = again.status_code
    refused = again.status_code == 409 and "voted already" in again.text
    attempt.second_detail = "the page says: voted already" if refused else None
    attempt.second_error = None if refused else again.text[:300]


async def storm(
    base_url: str, electorate: Electorate, *, path: str, twice: bool, timeout: float
) -> tuple[list[Attempt], float]:
    """Release every voter at once; returns what each saw and the wall time of the storm.

    Each voter has its own AsyncClient (own connection), made before the release: one shared
    client would push N requests through one connection pool, whose bookkeeping grows with N
    and would charge the client's own work to the server's latency.
    """
    attempts = [Attempt() for _ in electorate.voters]
    tls = ssl.create_default_context()  # never used (plain HTTP); made once, not per client
    clients = [
        httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=2, max_keepalive_connections=2),
            verify=tls,
            cookies={"commission_session": voter.cookie} if path == "page" else None,
        )
        for voter in electorate.voters
    ]
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
                        base_url=base_url,
                        timeout=httpx.Timeout(timeout),
                        cookies={"commission_session": voter.cookie},
                    ) as client,
                ):
                    return await _open_proposal_page(client, electorate)

            tokens = list(await asyncio.gather(*(opened(v) for v in electorate.voters)))
        go = asyncio.Event()
        ready = [0]
        tasks = []
        for i, (client, voter, attempt) in enumerate(
            zip(clients, electorate.voters, attempts, strict=True)
        ):
            voting_now = (
                _one_page_voter(client, electorate, voter, tokens[i], attempt, ready, go, twice)
                if path == "page"
                else _one_voter(client, electorate.ballot_path, voter, attempt, ready, go, twice)
            )
            tasks.append(asyncio.create_task(voting_now))
        while ready[0] < len(tasks):
            await asyncio.sleep(0)
        released = time.perf_counter()
        go.set()
        _done, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
        finished = [released + a.latency_s for a in attempts if a.latency_s is not None]
        wall = (max(finished) if finished else time.perf_counter()) - released
    finally:
        await asyncio.gather(*(client.aclose() for client in clients), return_exceptions=True)
    return attempts, wall


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
    unacknowledged: int  # stored although the client saw no 201
    contradicted: int  # of those, stored although the app answered with an error status
    api_cast: int | None
    retry_duplicates: bool
    duplicates_refused: int  # second attempts answered 409 with a JSON detail
    statuses: Counter[str] = field(default_factory=Counter)
    sample_errors: list[str] = field(default_factory=list)
    duplicate_details: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return self.stored == self.n and not (self.lost or self.doubled or self.errors)

    def line(self) -> str:
        page = (
            f" page_p50_ms={self.page_p50_ms:.1f} page_p99_ms={self.page_p99_ms:.1f}"
            if self.page_p50_ms is not None and self.page_p99_ms is not None
            else ""
        )
        return (
            f"vote_storm db={self.db} path={self.path} n={self.n} stored={self.stored}"
            f" lost={self.lost} doubled={self.doubled} errors={self.errors}"
            f" p50_ms={self.p50_ms:.1f} p99_ms={self.p99_ms:.1f}{page} rps={self.rps:.1f}"
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
        ]
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
    attempts: list[Attempt],
    stored: StoredBallots,
    *,
    workers: int,
    wall_s: float,
    setup_s: float,
    api_cast: int | None,
    retry_duplicates: bool,
) -> StormResult:
    n = len(electorate.voters)
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
    timeout: float = RUN_TIMEOUT_S,
    keep: bool = False,
    log: Log = print,
) -> StormResult:
    """One run: fresh database, seed, serve, storm, count, stop. Raises StormError on set-up."""
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
        electorate = seed(url, n)
        _remaining(deadline)
        log(f"[{db} n={n}] starting the app ({workers} worker{'s' if workers > 1 else ''}) …")
        with serving(url, workers, log_dir, min(READY_TIMEOUT_S, _remaining(deadline))) as base:
            setup_s = time.perf_counter() - started
            log(f"[{db} {path} n={n}] {n} voters at once on {base} …")
            attempts, wall_s = asyncio.run(
                storm(
                    base,
                    electorate,
                    path=path,
                    twice=retry_duplicates,
                    timeout=_remaining(deadline),
                )
            )
            api_cast = asyncio.run(api_cast_count(base, electorate))
            stored = stored_ballots(url, electorate.vote_id)
        return judge(
            db,
            path,
            electorate,
            attempts,
            stored,
            workers=workers,
            wall_s=wall_s,
            setup_s=setup_s,
            api_cast=api_cast,
            retry_duplicates=retry_duplicates,
        )
    finally:
        if keep:
            log(f"[{db} n={n}] kept the database and the server log in {log_dir}")
        else:
            shutil.rmtree(log_dir, ignore_errors=True)
            try:
                drop_database(url)
            except Exception as error:
                log(f"[{db} n={n}] could not drop the database: {error}")


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
        "--path",
        choices=(*PATHS, "both"),
        default="both",
        help="the ballot form students use (page), the API, or one run of each per N",
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

    ns: list[int] = args.n or list(DEFAULT_NS)
    tmp = Path(tempfile.mkdtemp(prefix="vote-storm-"))
    url = args.url if args.db == "postgres" else sqlite_url(tmp)
    results: list[StormResult] = []
    failures: list[str] = []
    try:
        paths = PATHS if args.path == "both" else (args.path,)
        for n, path in ((n, path) for n in ns for path in paths):
            try:
                result = run_storm(
                    args.db,
                    url,
                    n,
                    path=path,
                    workers=args.workers,
                    retry_duplicates=args.retry_duplicates,
                    timeout=args.timeout,
                    keep=args.keep,
                    log=lambda message: print(message, file=sys.stderr, flush=True),
                )
            except Exception as error:  # a failed run must not hide the others' lines
                failures.append(f"vote_storm db={args.db} path={path} n={n} failed: {error!r}")
                print(failures[-1], file=sys.stderr, flush=True)
                continue
            results.append(result)
            print(result.summary(), flush=True)
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
