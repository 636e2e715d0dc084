"""Request and response bodies of the injects API (codes, not ids, so scripts read well)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.injects.rules import MAX_IDLE_MINUTES, MAX_SCHEDULE

MAX_SCHEDULE_MINUTES = int(MAX_SCHEDULE.total_seconds()) // 60

Trigger = Literal["manual", "on_vote_opened", "on_vote_failed", "on_idle"]


class InjectIn(BaseModel):
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=10_000)
    group: str | None = None
    delegation: str | None = None
    publish: bool = False


class InjectPatch(BaseModel):
    """Only the fields sent change; `null` for group or delegation removes it."""

    title: str | None = Field(default=None, max_length=200)
    body: str | None = Field(default=None, max_length=10_000)
    group: str | None = Field(default=None, description="Working group code.")
    delegation: str | None = Field(default=None, description="Only to this delegation (code).")
    trigger: Trigger | None = Field(
        default=None, description="What fires an armed inject; a draft keeps it as a suggestion."
    )
    idle_minutes: int | None = Field(
        default=None, ge=1, le=MAX_IDLE_MINUTES, description="With on_idle: 1 to 600."
    )
    minutes: int | None = Field(
        default=None,
        ge=1,
        le=MAX_SCHEDULE_MINUTES,
        description="A scheduled inject goes out this many minutes from now.",
    )


class ScheduleIn(BaseModel):
    minutes: int = Field(ge=1, le=MAX_SCHEDULE_MINUTES, description="From now: 1 to 1440.")


class ArmIn(BaseModel):
    trigger: Literal["on_vote_opened", "on_vote_failed", "on_idle"]
    group: str | None = Field(default=None, description="Working group code; none: any group.")
    idle_minutes: int | None = Field(
        default=None, ge=1, le=MAX_IDLE_MINUTES, description="With on_idle: 1 to 600."
    )


class InjectOut(BaseModel):
    id: int
    code: str | None
    title: str
    body: str
    status: str = Field(description="draft, scheduled, armed, published or cancelled.")
    trigger: str
    idle_minutes: int | None
    group: str | None
    delegation: str | None
    scheduled_for: datetime | None
    armed_at: datetime | None
    published_at: datetime | None
