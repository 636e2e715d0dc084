"""Live fan-out: N members follow one commission live; one ballot and one argument reach them all.

Each run builds a fresh database and migrates it (bench/vote_storm.py's helpers), seats a
commission in session with N members: one instructor, a few observers (one in fifty, at least
two) and delegates of both delegations (the rest, half United States, half China), each signed
in with a session cookie as the sign-in form makes one, and puts a proposal to the vote (its
debate still open: a proposal being voted on still takes arguments). It serves the app (`commission
serve`, or uvicorn with `--workers W`), opens one live stream per member
(`GET /commissions/{id}/events`, read off a plain socket by a minimal HTTP/1.1 and SSE reader, so
that 500 streams cost the client next to nothing) and waits for every stream's `connected`
event. After a warm-up (a few ballots and an argument on another proposal, so that nothing
measured pays the server's first calls), two events, one after the other:

* ballot:   a delegate presses a ballot button (the page form, with its CSRF token, as a student
  does); each stream's latency is from the moment the form is sent to the arrival of the
  `proposal-<id>-tally` event;
* argument: another delegate posts an argument through the page form; latency to the arrival of
  `proposal-<id>-argument`.

Server CPU is the server's processes' CPU time (user + system, workers included, from /proc)
from the form's send until every stream has the event, less the CPU the same processes spend
idle (streams open, nothing happening) for as long, divided by the clients.

Run it from the repository root:

    .venv/bin/python bench/fanout.py --db sqlite --clients 100 --clients 500
    .venv/bin/python bench/fanout.py --db postgres --clients 500 --workers 2

`--url` names the PostgreSQL database to (re)create, by default
postgresql://postgres@127.0.0.1:5432/commission_bench. `--profile FILE` samples the server with
py-spy while each event fans out (collapsed stacks, FILE.<clients>.<event>). The exit status is
0 only when every stream received both events.

Each run prints what it saw (with several workers: how many streams each process holds and how
many LISTEN connections the database has, one per process), then one line per event:

fanout db=sqlite workers=1 clients=500 event=ballot received=500 p50_ms=… p99_ms=…
  server_cpu_ms_per_client=…
(on one line)

* received: streams that got the event within the wait (`--wait`, 30 s).
* p50_ms, p99_ms: over those streams, from the form's send to the event's arrival.
* server_cpu_ms_per_client: the server's CPU for the event, idle baseline subtracted, per stream.

Goal (issue 12): 500 clients receive a ballot's tally in p99 < 1 s on one process, with server
CPU per client < 1 ms. Client and server share the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository's bench/, tests/

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.config import normalize_database_url
from bench.vote_storm import (
    DEFAULT_POSTGRES_URL,
    READY_TIMEOUT_S,
    Electorate,
    EventStreams,
    Log,
    Served,
    StormError,
    Voter,
    drop_database,
    fresh_database,
    idle_cpu_seconds,
    in_turn,
    is_postgres,
    migrate,
    observers_for,
    open_proposal_page,
    percentile,
    profiled,
    seed,
    serving,
    sqlite_url,
    streams_per_process,
    warm_up,
)

DEFAULT_CLIENTS = (100, 500)
WAIT_S = 30.0
SETTLE_S = 1.0  # after the streams open and between events: the server's work on them done
RUN_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class EventFigures:
    event: str
    clients: int
    received: int
    latencies_ms: list[float]
    cpu_s: float  # idle baseline subtracted
    answered_ms: float  # the form's own answer (303), from its send

    @property
    def cpu_ms_per_client(self) -> float:
        return self.cpu_s * 1000 / self.clients


@dataclass(frozen=True)
class FanoutRun:
    db: str
    workers: int
    clients: int
    events: list[EventFigures]
    spread: list[int]  # streams held by each serving process
    listeners: int | None  # LISTEN connections on PostgreSQL (one per process expected)
    setup_s: float

    @property
    def ok(self) -> bool:
        return all(e.received == self.clients for e in self.events)

    def summary(self) -> str:
        lines = [
            f"db={self.db} workers={self.workers} clients={self.clients}"
            f" (setup {self.setup_s:.1f} s)",
            f"  streams per process: {'/'.join(map(str, self.spread))}",
        ]
        if self.listeners is not None:
            lines.append(f"  LISTEN connections on the database: {self.listeners}")
        for e in self.events:
            lines.append(
                f"  {e.event}: the form answered in {e.answered_ms:.1f} ms;"
                f" {e.received}/{e.clients} received, the last after"
                f" {max(e.latencies_ms, default=0):.1f} ms;"
                f" server CPU {e.cpu_s * 1000:.0f} ms"
            )
        return "\n".join(lines)

    def lines(self) -> list[str]:
        return [
            f"fanout db={self.db} workers={self.workers} clients={self.clients}"
            f" event={e.event} received={e.received}"
            f" p50_ms={percentile(e.latencies_ms, 0.50):.1f}"
            f" p99_ms={percentile(e.latencies_ms, 0.99):.1f}"
            f" server_cpu_ms_per_client={e.cpu_ms_per_client:.3f}"
            for e in self.events
        ]


def listeners(url: str) -> int | None:
    """The app's LISTEN connections to this PostgreSQL database (None on SQLite)."""
    if not is_postgres(url):
        return None
    target = make_url(normalize_database_url(url))
    admin = create_engine(target.set(database="postgres"))
    try:
        with admin.connect() as conn:
            count = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = :name"
                    " AND application_name = 'commission-live-listen'"
                ),
                {"name": target.database},
            ).scalar()
    finally:
        admin.dispose()
    return int(count or 0)


async def _page_open(
    served: Served, voter: Voter, electorate: Electorate
) -> tuple[httpx.AsyncClient, str]:
    """A delegate's browser with the proposal page open: a client with its cookie, the token."""
    client = httpx.AsyncClient(
        base_url=served.base_url,
        timeout=WAIT_S,
        cookies={"commission_session": voter.cookie},
    )
    return client, await open_proposal_page(client, electorate)


async def _one_event(
    streams: EventStreams,
    served: Served,
    event: str,
    name: str,
    send: httpx.Request,
    client: httpx.AsyncClient,
    profile: Path | None,
) -> EventFigures:
    watch = streams.expect(name)
    with profiled(served, profile):
        cpu_before = served.cpu_seconds()
        sent = time.perf_counter()
        response = await client.send(send)
        answered_ms = (time.perf_counter() - sent) * 1000
        if response.status_code != 303:
            raise StormError(f"the {event} form was answered {response.status_code}")
        await watch.wait(WAIT_S - (time.perf_counter() - sent))
        lasted = time.perf_counter() - sent
        cpu_s = served.cpu_seconds() - cpu_before
    idle_s = await idle_cpu_seconds(served, lasted)
    return EventFigures(
        event=event,
        clients=len(streams.streams),
        received=len(watch.arrived),
        latencies_ms=watch.latencies_ms(sent),
        cpu_s=max(cpu_s - idle_s, 0.0),
        answered_ms=answered_ms,
    )


async def fan_out(
    served: Served, electorate: Electorate, clients: int, profile: Path | None
) -> tuple[list[EventFigures], list[int]]:
    streams = EventStreams(served, electorate.events_path)
    pid = electorate.proposal_id
    voter, arguer = electorate.voters[-1], electorate.voters[0]
    events = (
        ("ballot", f"proposal-{pid}-tally", voter, electorate.form_path, {"choice": voter.choice}),
        (
            "argument",
            f"proposal-{pid}-argument",
            arguer,
            electorate.argument_path,
            {"stance": "support", "body": "Seventy-two hours is enough to check the networks."},
        ),
    )
    figures = []
    try:
        await streams.open([m.cookie for m in electorate.members(clients)])
        spread = streams_per_process(served)
        await warm_up(served, electorate, "page", argue=True)
        await asyncio.sleep(SETTLE_S)
        for event, name, member, action, form in events:
            # The page opened just before its form is sent, as a student does, on a connection
            # that has not idled past the server's keep-alive timeout.
            client, token = await _page_open(served, member, electorate)
            try:
                request = client.build_request("POST", action, data={**form, "csrf_token": token})
                at = profile.with_name(f"{profile.name}.{clients}.{event}") if profile else None
                figures.append(await _one_event(streams, served, event, name, request, client, at))
            finally:
                await client.aclose()
            await asyncio.sleep(SETTLE_S)
    finally:
        streams.close()
    return figures, spread


def run_fanout(
    db: str,
    url: str,
    clients: int,
    *,
    workers: int = 1,
    profile: Path | None = None,
    log: Log = print,
) -> FanoutRun:
    """One run: fresh database, seed, serve, open the streams, a ballot, an argument, stop."""
    if clients < 4:
        raise StormError("at least 4 clients: an instructor, two observers, a delegate")
    if workers > 1 and not is_postgres(url):
        raise StormError("several workers need PostgreSQL (SQLite is served by one process)")
    started = time.perf_counter()
    log_dir = Path(tempfile.mkdtemp(prefix="fanout-logs-"))
    observers = observers_for(clients, clients)
    delegates = clients - 1 - observers
    try:
        log(f"[{db} clients={clients}] fresh database, migrations …")
        fresh_database(url)
        migrate(url, RUN_TIMEOUT_S)
        log(f"[{db} clients={clients}] seeding {delegates} delegates, {observers} observers …")
        electorate = seed(url, max(delegates, 2), observers=observers)
        with serving(url, workers, log_dir, READY_TIMEOUT_S) as served:
            setup_s = time.perf_counter() - started
            log(f"[{db} clients={clients}] {clients} streams on {served.base_url} …")
            figures, spread = asyncio.run(fan_out(served, electorate, clients, profile))
            listening = listeners(url)
        return FanoutRun(db, workers, clients, figures, spread, listening, setup_s)
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)
        try:
            drop_database(url)
        except Exception as error:
            log(f"[{db} clients={clients}] could not drop the database: {error}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="N members follow a commission live; a ballot and an argument reach them."
    )
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--clients", type=int, action="append", help="streams per run; repeat for several runs"
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers (PostgreSQL)")
    parser.add_argument("--url", default=DEFAULT_POSTGRES_URL, help="PostgreSQL database to use")
    parser.add_argument(
        "--profile", type=Path, help="sample the server with py-spy as each event fans out"
    )
    args = parser.parse_args(argv)
    if args.db == "postgres" and not is_postgres(args.url):
        parser.error("--url must name a PostgreSQL database")
    counts: list[int] = args.clients or list(DEFAULT_CLIENTS)
    if any(c < 4 for c in counts):
        parser.error("--clients must be at least 4")
    tmp = Path(tempfile.mkdtemp(prefix="fanout-"))
    url = args.url if args.db == "postgres" else sqlite_url(tmp)

    def one_run(clients: int) -> Callable[[Log], FanoutRun]:
        return lambda log: run_fanout(
            args.db, url, clients, workers=args.workers, profile=args.profile, log=log
        )

    try:
        runs, failures = in_turn(
            [(f"fanout db={args.db} clients={c}", one_run(c)) for c in counts], FanoutRun.summary
        )
    except KeyboardInterrupt:
        print("interrupted; the server has been stopped", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    for run in runs:
        for line in run.lines():
            print(line)
    return 0 if runs and not failures and all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
