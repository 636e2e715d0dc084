"""Crisis injects: their vocabulary, what the instructor may do with one, and when one is due.

Pure decisions, no I/O. An inject waits (draft: nothing will send it; scheduled: the clock will;
armed: a moment of the session will) until it is published. Once published it has been seen, so
it is history: it can no longer be edited, disarmed or cancelled. A cancelled inject stays in the
list, out of the way, until the instructor restores it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.i18n import gettext as _

TRIGGERS = ("manual", "on_vote_opened", "on_vote_failed", "on_idle")
# The moments an armed inject can wait for; "manual" means the instructor publishes it.
ARMING_TRIGGERS = ("on_vote_opened", "on_vote_failed", "on_idle")
INJECT_STATUSES = ("draft", "scheduled", "armed", "published", "cancelled")
PENDING_STATUSES = ("draft", "scheduled", "armed")

MAX_SCHEDULE = timedelta(hours=24)
MAX_IDLE_MINUTES = 600

_WAITING = frozenset({"publish", "schedule", "arm", "edit", "cancel"})
ACTIONS: dict[str, frozenset[str]] = {
    "draft": _WAITING,
    "scheduled": _WAITING | {"disarm"},
    "armed": _WAITING | {"disarm"},
    "cancelled": frozenset({"restore"}),
    "published": frozenset(),
}


def may(action: str, status: str) -> bool:
    """Whether an inject in `status` can be published, scheduled, armed, disarmed, edited,
    cancelled or restored."""
    return action in ACTIONS.get(status, frozenset())


def refusal(action: str, status: str, *, concluded: bool = False) -> str | None:
    """Why `action` cannot be done to an inject in `status`, or None when it can. Once the
    commission has concluded, its record is final: nothing is sent or changed any more."""
    if concluded:
        return _("This commission has concluded; its record is final.")
    if may(action, status):
        return None
    if status == "published":
        return _("This inject has been published already: everyone it was for has seen it.")
    if status == "cancelled":
        return _("This inject was cancelled. Restore it first.")
    if action == "disarm":
        return _("This inject is neither armed nor scheduled.")
    return _("This inject is not cancelled.")


def trigger_refusal(status: str, trigger: str, idle_minutes: int | None) -> tuple[str, str] | None:
    """(field, message) when `trigger` cannot go with an inject in `status`, or None.

    A draft keeps its trigger as a suggestion (any of them); an armed inject must wait for a
    moment of the session. Waiting for a quiet group needs the number of quiet minutes.
    """
    if trigger not in TRIGGERS or (status == "armed" and trigger not in ARMING_TRIGGERS):
        return "trigger", _("Choose the moment that fires the inject.")
    if trigger == "on_idle" and not (idle_minutes and 1 <= idle_minutes <= MAX_IDLE_MINUTES):
        return "idle_minutes", _("Say after how many quiet minutes (1 to 600).")
    return None


def schedule_refusal(now: datetime, when: datetime) -> str | None:
    """A scheduled inject goes out after now and within a day."""
    if not now < when <= now + MAX_SCHEDULE:
        return _("Choose a time between 1 minute and 24 hours from now.")
    return None


def can_see(
    *, is_instructor: bool, viewer_delegation_id: int | None, target_id: int | None
) -> bool:
    """An inject for one delegation (its own news feed) reaches only it and the instructors."""
    return is_instructor or target_id is None or target_id == viewer_delegation_id


def fires_on(
    trigger: str, armed_trigger: str, armed_group_id: int | None, event_group_id: int | None
) -> bool:
    """Whether an armed inject answers this session event (no group: any working group)."""
    return armed_trigger == trigger and (armed_group_id is None or armed_group_id == event_group_id)


def quiet_long_enough(
    *,
    now: datetime,
    last_activity: datetime | None,
    armed_at: datetime,
    idle_minutes: int | None,
    in_session: bool,
) -> bool:
    """Whether an inject armed to fire when a group goes quiet is due.

    The quiet is counted from the later of the group's last activity and the moment the inject
    was armed: arming it after a long quiet spell does not fire it at once. Before the session
    starts and after it ends, nobody is expected to speak, so nothing fires.
    """
    if not in_session or not idle_minutes:
        return False
    quiet_since = max(last_activity, armed_at) if last_activity else armed_at
    return now - quiet_since >= timedelta(minutes=idle_minutes)
