"""Small helpers for plain HTML forms: what was typed comes back with a message per field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.errors import DomainError, Invalid, NotFound
from app.i18n import gettext as _
from app.ids import MAX_ID


@dataclass
class FormState:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Refusal:
    """A refused form after its transaction is undone: the status to answer with and where the
    message goes when the form is drawn again with what was typed."""

    status_code: int
    message: str
    field: str | None

    def errors(
        self, default: str | None = None, *, fields: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """The message under the field it names, or under `default` when it names none.

        `fields` maps the service's field names to the form's, for a page with several forms;
        a field of another form (or none at all, without a default) gives no field errors, and
        the page shows `general` instead."""
        name = self.field
        if fields is not None:
            name = fields.get(name) if name else None
        name = name or default
        return {name: self.message} if name else {}

    def general(
        self, default: str | None = None, *, fields: Mapping[str, str] | None = None
    ) -> str | None:
        """The message for the top of the form when no field of it shows the message."""
        return None if self.errors(default, fields=fields) else self.message


def refused(
    session: Session, error: DomainError, *, reraise: tuple[type[DomainError], ...] = ()
) -> Refusal:
    """Undo what the refused request wrote, so that the page drawn next shows the state as it
    was, and say how to redraw its form. Errors of the kinds in `reraise` (say NotFound) are not
    the form's to explain: they go on to the error page."""
    session.rollback()
    if isinstance(error, reraise):
        raise error
    return Refusal(error.status_code, error.message, error.field)


def whole_number(value: str | None) -> int | None:
    """A typed whole number from 0 to MAX_ID; None for anything else (junk, a sign, digits of
    other scripts, or a number too large for a column or a date to hold)."""
    text = (value or "").strip()
    if not (text.isascii() and text.isdecimal()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def form_id(value: str, *, field: str) -> int | None:
    """A posted id (a select's or a hidden field's value): None for the empty choice ("—"),
    else an id the id columns can hold. Anything else names no row and is refused as Invalid
    with a message for `field`, so the form is shown again with what was chosen."""
    if not value.strip():
        return None
    number = whole_number(value)
    if number is None or number < 1:
        raise Invalid(_("Choose one of the options offered."), field=field)
    return number


def required_form_id(value: str, *, field: str) -> int:
    """As form_id, for a field that must name a row: the empty choice is refused too."""
    number = form_id(value, field=field)
    if number is None:
        raise Invalid(_("Choose one of the options offered."), field=field)
    return number


def form_ids(values: list[str] | None, *, field: str) -> frozenset[int]:
    """The ids of a group of checkboxes (each as form_id; unticked boxes send nothing)."""
    return frozenset(n for v in values or [] if (n := form_id(v, field=field)) is not None)


def safe_next_url(raw: str | None, default: str = "/") -> str:
    """Only same-site paths: never redirect a user to another host after sign-in."""
    if not raw:
        return default
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or not raw.startswith("/") or raw.startswith("//"):
        return default
    if "\\" in raw:
        return default
    return raw


async def form_fields(request: Request) -> dict[str, str]:
    """Every text field of a posted form, read on the event loop (reading never blocks it), so
    that a route with a form whose fields are not known in advance can still be a plain `def`
    that FastAPI runs in the threadpool."""
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


FormFields = Annotated[dict[str, str], Depends(form_fields)]


def submit(
    session: Session,
    action: Callable[[], object],
    *,
    done: str,
    redraw: Callable[[Refusal], Response],
    reraise: tuple[type[DomainError], ...] = (NotFound,),
) -> Response:
    """Run a posted form's action: on success back to `done` (303, a same-site path), on a
    refusal its transaction undone and the page drawn again by `redraw` with why. Errors of the
    kinds in `reraise` go on to the error page."""
    try:
        action()
    except DomainError as error:
        return redraw(refused(session, error, reraise=reraise))
    return RedirectResponse(safe_next_url(done), status_code=303)
