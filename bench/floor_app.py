"""The floor: what a request costs on the app's own stack when it does next to nothing.

A TechEmpower-style app on the stack the app runs on (uvicorn, FastAPI, SQLAlchemy's ORM in a
sync route with a session per request from a dependency, Jinja2 with autoescaping):

* `/fortunes`: one ORM query of the 12 rows of a table, one more fortune added in memory, the
  list sorted and rendered as an HTML table (TechEmpower's "fortunes" test);
* `/plaintext`: "Hello, World!" from a bare async route.

bench/vote_storm.py serves it after each storm (with `--floor-requests`, on by default), in the
same database with the same number of workers and as many clients at a time as it had voters,
and divides its server CPU per ballot by the server CPU per fortunes request (`ratio=`).

Run it alone from the repository root:

    .venv/bin/python bench/floor_app.py --db sqlite --concurrency 32 --requests 2000
    .venv/bin/python bench/floor_app.py --db postgres --workers 2 --concurrency 200

It (re)creates the database (a temporary SQLite file, or `--url`, by default
postgresql://postgres@127.0.0.1:5432/commission_bench_floor), serves this file's app under
uvicorn on a port from tests/servers.py, warms one keep-alive connection per client, then has
`--concurrency` clients send `--requests` requests between them, for each page, and prints:

floor db=sqlite workers=1 concurrency=32 page=fortunes requests=2000 errors=0 rps=812.3
  cpu_ms_per_request=1.05 p50_ms=35.2 p99_ms=61.0
(on one line)

* rps: requests answered per second, client and server on the same machine.
* cpu_ms_per_request: the server processes' CPU time (user + system, from /proc) over the run,
  less what they spend idle for as long, divided by the requests.
* p50_ms, p99_ms: the clients' latency.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from jinja2 import Environment
from sqlalchemy import String, create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

if TYPE_CHECKING:
    from bench.vote_storm import Served

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository's bench/, tests/

FLOOR_REQUESTS = 2000
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/commission_bench_floor"
PAGES = ("plaintext", "fortunes")
FLOOR_APP = "bench.floor_app:create_app"
# As in the app (app.db): as many pooled connections as requests it admits at once, and a few.
POOL = {"pool_size": 32, "max_overflow": 8}

FORTUNES = (
    "fortune: No such file or directory",
    "A computer scientist is someone who fixes things that aren't broken.",
    "After enough decimal places, nobody gives a damn.",
    "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
    "A computer program does what you tell it to do, not what you want it to do.",
    "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
    "Any program that runs right is obsolete.",
    "A list is only as strong as its weakest link. — Donald Knuth",
    "Feature: A bug with seniority.",
    "Computers make very fast, very accurate mistakes.",
    '<script>alert("This should not be displayed in a browser alert box.");</script>',
    "フレームワークのベンチマーク",
)

TEMPLATE = """<!DOCTYPE html>
<html><head><title>Fortunes</title></head><body><table>
<tr><th>id</th><th>message</th></tr>
{% for fortune in fortunes %}<tr><td>{{ fortune.id }}</td><td>{{ fortune.message }}</td></tr>
{% endfor %}</table></body></html>
"""


class Base(DeclarativeBase):
    pass


class Fortune(Base):
    __tablename__ = "floor_fortune"

    id: Mapped[int] = mapped_column(primary_key=True)
    message: Mapped[str] = mapped_column(String(2048))


def engine_for(url: str) -> Engine:
    driver = url.replace("postgresql://", "postgresql+psycopg://", 1)
    if driver.startswith("sqlite"):
        return create_engine(driver, connect_args={"check_same_thread": False}, **POOL)
    return create_engine(driver, **POOL)


# Compiled once, where the app's template environment is made: at import.
FORTUNES_PAGE = Environment(autoescape=True).from_string(TEMPLATE)


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, from the engine made at start-up (as app.db's)."""
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def plaintext() -> PlainTextResponse:
    return PlainTextResponse("Hello, World!")


def fortunes(session: SessionDep) -> HTMLResponse:
    rows = list(session.scalars(select(Fortune)))
    rows.append(Fortune(id=0, message="Additional fortune added at request time."))
    rows.sort(key=lambda fortune: fortune.message)
    return HTMLResponse(FORTUNES_PAGE.render(fortunes=rows))


def create_app() -> FastAPI:
    """The floor app, on the database named by FLOOR_DATABASE_URL (for uvicorn --factory)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.engine = engine_for(os.environ["FLOOR_DATABASE_URL"])
    app.add_api_route("/plaintext", plaintext)
    app.add_api_route("/fortunes", fortunes)
    return app


def seed_fortunes(url: str) -> None:
    """The fortunes table and its 12 rows, in the (existing) database at `url`."""
    engine = engine_for(url)
    try:
        Base.metadata.create_all(engine)
        with Session(engine) as session, session.begin():
            if session.scalar(select(Fortune.id).limit(1)) is None:
                session.add_all(Fortune(id=i, message=m) for i, m in enumerate(FORTUNES, 1))
    finally:
        engine.dispose()


# --- measuring it ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageFigures:
    page: str
    requests: int
    errors: int
    rps: float
    cpu_ms: float  # server CPU per request, idle baseline subtracted
    p50_ms: float
    p99_ms: float
    failures: Counter[str] = field(default_factory=Counter)  # what the errors were


@dataclass(frozen=True)
class FloorFigures:
    workers: int
    concurrency: int
    pages: dict[str, PageFigures]

    @property
    def fortunes_cpu_ms(self) -> float:
        return self.pages["fortunes"].cpu_ms

    @property
    def errors(self) -> int:
        return sum(p.errors for p in self.pages.values())

    def failures(self) -> str:
        return "; ".join(
            f"{p.page}: {dict(p.failures.most_common(3))}" for p in self.pages.values()
        )

    def summary(self) -> str:
        return ", ".join(
            f"{p.page} {p.cpu_ms:.2f} ms CPU per request ({p.rps:.0f} req/s)"
            for p in self.pages.values()
        ) + (f"; {self.concurrency} at a time, {self.workers} worker(s)")

    def lines(self, db: str) -> list[str]:
        return [
            f"floor db={db} workers={self.workers} concurrency={self.concurrency}"
            f" page={p.page} requests={p.requests} errors={p.errors} rps={p.rps:.1f}"
            f" cpu_ms_per_request={p.cpu_ms:.2f} p50_ms={p.p50_ms:.1f} p99_ms={p.p99_ms:.1f}"
            for p in self.pages.values()
        ]


async def load(served: Served, page: str, concurrency: int, requests: int) -> PageFigures:
    """`concurrency` clients, one keep-alive connection each, send `requests` between them."""
    from bench.vote_storm import idle_cpu_seconds, percentile

    path = f"/{page}"
    clients = [
        httpx.AsyncClient(
            base_url=served.base_url,
            timeout=60.0,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )
        for _ in range(concurrency)
    ]
    latencies: list[float] = []
    left = [requests]
    failures: Counter[str] = Counter()

    async def one(client: httpx.AsyncClient) -> None:
        while left[0] > 0:
            left[0] -= 1
            started = time.perf_counter()
            try:
                response = await client.get(path)
            except httpx.HTTPError as error:
                failures[type(error).__name__] += 1
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                failures[f"{response.status_code} {response.text[:120]}"] += 1

    try:
        # Connections open and the first call's costs paid before anything is measured.
        await asyncio.gather(*(client.get(path) for client in clients))
        cpu_before = served.cpu_seconds()
        started = time.perf_counter()
        await asyncio.gather(*(one(client) for client in clients))
        wall_s = time.perf_counter() - started
        cpu_s = served.cpu_seconds() - cpu_before
        idle_s = await idle_cpu_seconds(served, wall_s)
    finally:
        await asyncio.gather(*(client.aclose() for client in clients), return_exceptions=True)
    return PageFigures(
        page=page,
        requests=requests,
        errors=sum(failures.values()),
        rps=requests / wall_s if wall_s > 0 else 0.0,
        cpu_ms=max(cpu_s - idle_s, 0.0) * 1000 / requests,
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        failures=failures,
    )


def measure_floor(
    url: str, *, workers: int, concurrency: int, requests: int, log_dir: Path, timeout: float
) -> FloorFigures:
    """Serve the floor app on the database at `url` (which must exist) and load each page."""
    from bench.vote_storm import READY_TIMEOUT_S, serving

    seed_fortunes(url)
    env: dict[str, Any] = {**os.environ, "FLOOR_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    ready = min(READY_TIMEOUT_S, timeout)
    with serving(
        url, workers, log_dir, ready, app=FLOOR_APP, env=env, probe=("/plaintext", 200)
    ) as served:
        pages = {page: asyncio.run(load(served, page, concurrency, requests)) for page in PAGES}
    return FloorFigures(workers, concurrency, pages)


def main(argv: list[str] | None = None) -> int:
    from bench.vote_storm import drop_database, fresh_database, is_postgres, sqlite_url

    parser = argparse.ArgumentParser(description="The floor of the stack: fortunes, plaintext.")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--url", default=DEFAULT_POSTGRES_URL, help="PostgreSQL database to use")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers")
    parser.add_argument("--concurrency", type=int, default=32, help="clients at a time")
    parser.add_argument("--requests", type=int, default=FLOOR_REQUESTS, help="per page")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds for the run")
    args = parser.parse_args(argv)
    if args.db == "postgres" and not is_postgres(args.url):
        parser.error("--url must name a PostgreSQL database")
    if args.concurrency < 1 or args.requests < 1:
        parser.error("--concurrency and --requests must be at least 1")
    tmp = Path(tempfile.mkdtemp(prefix="floor-"))
    url = args.url if args.db == "postgres" else sqlite_url(tmp)
    try:
        fresh_database(url)
        figures = measure_floor(
            url,
            workers=args.workers,
            concurrency=args.concurrency,
            requests=args.requests,
            log_dir=tmp,
            timeout=args.timeout,
        )
    finally:
        drop_database(url)
        shutil.rmtree(tmp, ignore_errors=True)
    if figures.errors:
        print(f"errors: {figures.failures()}", file=sys.stderr)
    for line in figures.lines(args.db):
        print(line)
    return 0 if not figures.errors else 1


if __name__ == "__main__":
    sys.exit(main())
