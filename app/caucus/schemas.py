"""Request and response bodies of the caucus API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.proposals.schemas import PersonOut


class MessageIn(BaseModel):
    body: str = Field(max_length=10_000)


class CaucusMessageOut(BaseModel):
    id: int
    author: PersonOut | None
    body: str
    created_at: datetime
