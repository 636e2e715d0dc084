"""A clock the sign-in limits read, moved by hand, and browsers at chosen addresses."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.accounts import routes as account_routes
from app.commissions import routes as commission_routes
from app.db import utcnow


class Clock:
    """Stands still until told to move: what the limits decide does not depend on how fast the
    machine runs the test."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(account_routes, "utcnow", fake)
    monkeypatch.setattr(commission_routes, "utcnow", fake)
    return fake


def browser(app: Any, address: str) -> TestClient:
    """A browser of its own (its own cookies) whose requests come from `address`."""
    return TestClient(app, follow_redirects=False, client=(address, 50000))
