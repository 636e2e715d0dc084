"""Small helpers for plain HTML forms: what was typed comes back with a message per field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request


@dataclass
class FormState:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    @property
    def ok(self) -> bool:
        return not self.errors


def optional_id(value: str) -> int | None:
    """A select's value as an id; the empty choice ("—") is None."""
    return int(value) if value.strip().isdigit() else None


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
