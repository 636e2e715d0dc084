"""The report's account of time: the timeline of turning points and the activity chart's
buckets, both read from the activity log as far as the reader may see it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer, cast, func, or_, select
from sqlalchemy.orm import Session

from app.activity.kinds import TURNING_POINTS
from app.activity.models import Activity
from app.commissions.models import WorkingGroup
from app.commissions.rules import Viewer
from app.proposals.models import Proposal

TIMELINE_LIMIT = 200
BUCKET_SECONDS = 300  # five minutes
MAX_BUCKETS = 48  # a longer session gets wider buckets, so the chart stays readable


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    group_code: str | None
    proposal_id: int | None
    proposal_title: str | None
    data: dict[str, Any]


@dataclass
class Bucket:
    start: datetime
    count: int


def visible_activity(cid: int, viewer: Viewer) -> list[ColumnElement[bool]]:
    """The activity log entries this viewer may count: instructors all; others none meant
    for another delegation only."""
    where = [Activity.commission_id == cid]
    if not viewer.is_instructor:
        where.append(
            or_(Activity.delegation_id.is_(None), Activity.delegation_id == viewer.delegation_id)
        )
    return where


def latest_entries(
    session: Session, visible: list[ColumnElement[bool]]
) -> tuple[list[TimelineEntry], int]:
    total = session.scalar(select(func.count()).where(*visible, Activity.kind.in_(TURNING_POINTS)))
    found = session.execute(
        select(
            Activity.created_at,
            Activity.kind,
            WorkingGroup.code,
            Activity.proposal_id,
            Proposal.title,
            Activity.data,
        )
        .outerjoin(WorkingGroup, WorkingGroup.id == Activity.working_group_id)
        .outerjoin(Proposal, Proposal.id == Activity.proposal_id)
        .where(*visible, Activity.kind.in_(TURNING_POINTS))
        .order_by(Activity.id.desc())
        .limit(TIMELINE_LIMIT)
    ).all()
    entries = [TimelineEntry(*row) for row in reversed(found)]
    return entries, total or 0


def bucket_slots(first_slot: int, last_slot: int) -> int:
    """How many five-minute slots make one bucket, so that the span fits in MAX_BUCKETS."""
    return max(1, math.ceil((last_slot - first_slot + 1) / MAX_BUCKETS))


def _slot(session: Session) -> ColumnElement[int]:
    """The five-minute slot (since 1970) of an activity, in the database's own dialect."""
    if session.get_bind().dialect.name == "postgresql":
        epoch = cast(func.floor(func.extract("epoch", Activity.created_at)), BigInteger)
    else:
        epoch = cast(func.strftime("%s", Activity.created_at), Integer)
    return epoch // BUCKET_SECONDS


def buckets(session: Session, visible: list[ColumnElement[bool]]) -> tuple[list[Bucket], int]:
    """Every logged action per time bucket, empty buckets included so the time axis is true.

    The database counts per five-minute slot; a long session's slots are then merged here.
    """
    slot = _slot(session)
    counted = dict(session.execute(select(slot, func.count()).where(*visible).group_by(slot)).all())
    if not counted:
        return [], BUCKET_SECONDS // 60
    first, last = min(counted), max(counted)
    width = bucket_slots(first, last)
    merged: dict[int, int] = {}
    for n, count in counted.items():
        start = first + (n - first) // width * width
        merged[start] = merged.get(start, 0) + count
    return [
        Bucket(datetime.fromtimestamp(n * BUCKET_SECONDS, UTC), merged.get(n, 0))
        for n in range(first, last + 1, width)
    ], width * BUCKET_SECONDS // 60
