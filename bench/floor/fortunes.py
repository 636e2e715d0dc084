"""The floor bench/ceiling.py measures the app's pages against: the same stack, doing the least.

Two routes, served by uvicorn as a separate small app (bench/ceiling.py starts it):

* `GET /plaintext`: a bare Starlette route answering "Hello, World!" (no database, no template);
  what the server and the framework cost by themselves.
* `GET /fortunes`: TechEmpower's "fortunes" test on the app's own stack: a plain `def` route
  (FastAPI runs it in the thread pool, as the app's pages), one ORM query for the twelve rows of
  `bench_fortunes` through a SQLAlchemy session on the engine `app.db.get_engine` makes (the same
  pool and, on SQLite, the same pragmas), one row added in memory, sorted, and an HTML table
  drawn by a Jinja template with autoescaping.

The database is `DATABASE_URL`, the app's own under the bench: the table is made and filled at
start-up when missing. Run by hand (the bench does it for you):

    DATABASE_URL=sqlite:////tmp/f.db .venv/bin/uvicorn bench.floor.fortunes:app --port 8300
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from jinja2 import DictLoader, Environment, select_autoescape
from sqlalchemy import Engine, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from app.db import get_engine

# TechEmpower's fortunes, with its <script> row to prove the escaping.
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
ADDED = "Additional fortune added at request time."

TEMPLATE = """<!DOCTYPE html>
<html><head><title>Fortunes</title></head><body><table>
<tr><th>id</th><th>message</th></tr>
{% for fortune in fortunes %}<tr><td>{{ fortune.id }}</td><td>{{ fortune.message }}</td></tr>
{% endfor %}</table></body></html>"""

templates = Environment(
    loader=DictLoader({"fortunes.html": TEMPLATE}), autoescape=select_autoescape(default=True)
)


class Base(DeclarativeBase):
    pass


class Fortune(Base):
    __tablename__ = "bench_fortunes"

    id: Mapped[int] = mapped_column(primary_key=True)
    message: Mapped[str] = mapped_column(String(2048))


def _engine() -> Engine:
    return get_engine(os.environ["DATABASE_URL"])


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    Base.metadata.create_all(_engine())
    with Session(_engine()) as session, session.begin():
        if session.scalar(select(Fortune.id).limit(1)) is None:
            session.add_all(Fortune(id=i, message=m) for i, m in enumerate(FORTUNES, start=1))
    yield
    _engine().dispose()


app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)


async def plaintext(_request: Request) -> PlainTextResponse:
    return PlainTextResponse("Hello, World!")


app.router.routes.append(Route("/plaintext", plaintext))


@app.get("/fortunes", response_class=HTMLResponse)
def fortunes() -> HTMLResponse:
    with Session(_engine(), expire_on_commit=False) as session:
        rows = [(f.id, f.message) for f in session.scalars(select(Fortune))]
    rows.append((0, ADDED))
    rows.sort(key=lambda row: row[1])
    html = templates.get_template("fortunes.html").render(
        fortunes=[{"id": i, "message": m} for i, m in rows]
    )
    return HTMLResponse(html)
