"""Telling a refused try how long to wait: the client's address the limits count, the wait in
words, and the `Retry-After` header. Shared by the sign-in and the join-code pages."""

from __future__ import annotations

import math
from datetime import timedelta

from fastapi import Request
from fastapi.responses import Response

from app.i18n import ngettext


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def try_again_in(wait: timedelta) -> str:
    """The wait in words, rounded up: in seconds, or minutes once it is long."""
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 120:
        return ngettext("Try again in %(num)s second.", "Try again in %(num)s seconds.", seconds)
    minutes = math.ceil(seconds / 60)
    return ngettext("Try again in %(num)s minute.", "Try again in %(num)s minutes.", minutes)


def retry_after(response: Response, wait: timedelta) -> Response:
    response.headers["Retry-After"] = str(max(1, math.ceil(wait.total_seconds())))
    return response
