"""Admission control: never more requests in flight than the pool and the threadpool can serve.

Why: a request opens its database session in a dependency and runs its route later, each in a
worker thread. If hundreds arrive at once, every worker thread can end up waiting for something
(a pooled connection, or SQLite's single write lock) held by a request that itself waits for a
worker thread to continue: nothing moves until timeouts fire. Waiting here, on the event loop,
costs no thread and no connection.

* Every request that may touch the database waits for one of `max_in_flight` places (the pool
  has that many connections, the threadpool more threads).
* On SQLite, requests that write (unsafe methods) also wait for the process's one writer place:
  SQLite allows a single writer anyway, and queueing writers here keeps them from holding
  threads while blocked. A read that must write now and then (an API token's use, noted every
  few minutes: app.accounts.auth.api_user) waits for SQLite's lock itself, up to the busy
  timeout, rather than make every API read queue for the writer place.

Event streams and static files pass straight through: they hold no session while they run.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

from app.db import SAFE_METHODS


def _passes_freely(path: str) -> bool:
    return path.startswith("/static/") or path.endswith("/events")


class RequestGate:
    def __init__(self, app: ASGIApp, *, sqlite: bool, max_in_flight: int) -> None:
        self.app = app
        self.sqlite = sqlite
        self.max_in_flight = max_in_flight
        # Created lazily: they belong to the event loop that serves the requests.
        self._places: asyncio.Semaphore | None = None
        self._writer: asyncio.Lock | None = None

    def _locks(self) -> tuple[asyncio.Semaphore, asyncio.Lock]:
        if self._places is None or self._writer is None:
            self._places = asyncio.Semaphore(self.max_in_flight)
            self._writer = asyncio.Lock()
        return self._places, self._writer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _passes_freely(scope["path"]):
            await self.app(scope, receive, send)
            return
        places, writer = self._locks()
        writes = scope["method"] not in SAFE_METHODS
        async with places:
            if self.sqlite and writes:
                async with writer:
                    await self.app(scope, receive, send)
            else:
                await self.app(scope, receive, send)
