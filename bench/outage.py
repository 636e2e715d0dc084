"""Outage: what the clients of `commission serve` see while its PostgreSQL goes away and back.

The app reaches its database through a relay of the bench's own (tests.servers.PausableRelay),
so that taking the database away disturbs no other database on the server, which is never
stopped. Each run builds a fresh database (dropped and recreated), migrates it, makes one
instructor, starts `commission serve` and signs the clients in (a page session and an API token
each). Then the clients loop, each request either a signed-in page (`/instructor`) or an API
call (`/api/v1/me`), through four phases:

* `before`: nothing happens (a few seconds).
* `kill`:   every server process of the app's connections is terminated `--kills` times, a
  second apart (`pg_terminate_backend`, as an administrator or a failover would).
* `cut`:    the relay drops every connection and refuses new ones for `--cut-seconds`
  (default 1.4, the restart the attack run measured), then listens again.
* `after`:  nothing happens (a few seconds).

Run it from the repository root (the server is started from the `commission` next to this
Python, so set PYTHONPATH to another checkout to measure that checkout's app):

    .venv/bin/python bench/outage.py
    .venv/bin/python bench/outage.py --clients 8 --cut-seconds 3

The output ends with one line per phase, in this fixed form:

outage phase=kill clients=4 requests=812 200=812 500=0 503=0 other=0 errors=0

then `outage recovered_s=0.02` (from the relay listening again to the first 200 answered to a
request sent after it) and `outage server_log_500=0 retried_first_statements=3` (500s in the
server's access log; first statements run again on a new connection, app.db.AppSession).
The exit status is 0 when no request got a 500 and the app answered 200 again after the cut.
"""

from __future__ import annotations

import argparse
import re
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository's tests/

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.servers import (
    PausableRelay,
    api_token,
    app_environment,
    page_sign_in,
    run_cli,
    served_app,
    terminate_backends,
)

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/commission_bench_outage"
PASSWORD = "outage bench password"
PHASES = ("before", "kill", "cut", "after")


def driver_url(url: str) -> str:
    return re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)


def fresh_database(url: str) -> None:
    target = make_url(driver_url(url))
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


class Clients:
    """Threads that loop requests and count each answer under the phase it was sent in."""

    def __init__(self, sessions: list[tuple[httpx.Client, str]]) -> None:
        self.sessions = sessions
        self.phase = "before"
        self.counts: dict[str, Counter[str]] = {phase: Counter() for phase in PHASES}
        self.first_ok_after: float | None = None  # the first 200 to a request sent after the cut
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._loop, args=(client, token), daemon=True)
            for client, token in sessions
        ]

    def _loop(self, client: httpx.Client, token: str) -> None:
        api = {"Authorization": f"Bearer {token}"}
        turn = 0
        while not self._stop.is_set():
            phase = self.phase
            try:
                if turn % 2:
                    status = client.get("/api/v1/me", headers=api).status_code
                else:
                    status = client.get("/instructor").status_code
                key = str(status) if status in (200, 500, 503) else "other"
            except httpx.HTTPError:
                key = "errors"
            turn += 1
            with self._lock:
                self.counts[phase][key] += 1
                if key == "200" and phase == "after" and self.first_ok_after is None:
                    self.first_ok_after = time.monotonic()

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


def run(url: str, clients: int, kills: int, cut_seconds: float, calm_seconds: float) -> int:
    fresh_database(url)
    direct = app_environment(url)
    run_cli(["db", "upgrade"], direct)
    run_cli(["create-instructor", "ines", "--name", "Ines", "--password", PASSWORD], direct)
    relay = PausableRelay(url)
    recovered = None
    try:
        with served_app(app_environment(relay.url)) as served:
            sessions = []
            for _ in range(clients):
                client = served.client()
                page_sign_in(client, "ines", PASSWORD)
                sessions.append((client, api_token(client)))
            loop = Clients(sessions)
            loop.start()
            time.sleep(calm_seconds)
            loop.phase = "kill"
            for _ in range(kills):
                print(f"killed {terminate_backends(url)} connections", file=sys.stderr)
                time.sleep(1.0)
            loop.phase = "cut"
            relay.cut()
            time.sleep(cut_seconds)
            relay.restore()
            back = time.monotonic()
            loop.phase = "after"
            time.sleep(calm_seconds)
            loop.stop()
            if loop.first_ok_after is not None:
                recovered = loop.first_ok_after - back
            for client, _token in sessions:
                client.close()
            log = served.log()
            served_500 = log.count('" 500')
            retried = log.count("before a first statement; once more")
            print(f"server log: {served.log_path}", file=sys.stderr)
    finally:
        relay.cut()
    for phase in PHASES:
        counts = loop.counts[phase]
        print(
            f"outage phase={phase} clients={clients} requests={sum(counts.values())} "
            + " ".join(f"{key}={counts[key]}" for key in ("200", "500", "503", "other", "errors"))
        )
    print(f"outage recovered_s={recovered if recovered is None else round(recovered, 3)}")
    print(f"outage server_log_500={served_500} retried_first_statements={retried}")
    total_500 = sum(loop.counts[phase]["500"] for phase in PHASES)
    return 0 if total_500 == 0 and recovered is not None else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="PostgreSQL database to (re)create")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--cut-seconds", type=float, default=1.4)
    parser.add_argument("--calm-seconds", type=float, default=3.0)
    args = parser.parse_args()
    return run(args.url, args.clients, args.kills, args.cut_seconds, args.calm_seconds)


if __name__ == "__main__":
    sys.exit(main())
