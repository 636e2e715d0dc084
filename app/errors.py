"""Domain errors raised by services; the app turns them into pages or JSON with the right status."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(DomainError):
    """The input cannot be used as it is; `field` names the form field at fault."""

    status_code = 422


class NotAllowed(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    """The request clashes with the current state (already voted, stage moved on)."""

    status_code = 409


# How the JSON API says so (app.main writes these answers).


class ProblemOut(BaseModel):
    field: str = Field(description="The field: `title`, `from`, `groups.0`; empty: the body.")
    message: str


class ErrorOut(BaseModel):
    """How the API refuses (app.main writes these): `detail` says why in words; `field` names
    the body field a rule refused; `errors` lists every invalid field of a malformed request."""

    detail: str
    field: str | None = None
    errors: list[ProblemOut] | None = None


# Declared on every /api/v1 operation (app.main), in place of FastAPI's own 422 schema, which
# describes a `detail` array this API never sends.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body could not be read (not JSON)."},
    401: {"model": ErrorOut, "description": "No API token, or one that is revoked or expired."},
    403: {"model": ErrorOut, "description": "Your role does not allow this."},
    404: {"model": ErrorOut, "description": "Nothing here, or nothing you may see."},
    409: {"model": ErrorOut, "description": "The commission or proposal has moved on."},
    422: {"model": ErrorOut, "description": "A value is missing, malformed or refused."},
    503: {"model": ErrorOut, "description": "The database is away for a moment: retry later."},
}
