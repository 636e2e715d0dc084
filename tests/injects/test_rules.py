"""The inject rules, without a database: what may be done in each status, triggers, times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.injects import rules

NOW = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)


def test_visibility_and_firing() -> None:
    assert rules.can_see(is_instructor=False, viewer_delegation_id=1, target_id=None)
    assert rules.can_see(is_instructor=False, viewer_delegation_id=1, target_id=1)
    assert not rules.can_see(is_instructor=False, viewer_delegation_id=2, target_id=1)
    assert not rules.can_see(is_instructor=False, viewer_delegation_id=None, target_id=1)
    assert rules.can_see(is_instructor=True, viewer_delegation_id=None, target_id=1)
    assert rules.fires_on("on_vote_opened", "on_vote_opened", None, 5)
    assert rules.fires_on("on_vote_opened", "on_vote_opened", 5, 5)
    assert not rules.fires_on("on_vote_opened", "on_vote_opened", 4, 5)
    assert not rules.fires_on("on_vote_failed", "on_vote_opened", None, 5)


@pytest.mark.parametrize("action", ["edit", "cancel", "disarm", "publish", "schedule", "arm"])
def test_a_published_inject_was_seen_and_cannot_be_changed(action: str) -> None:
    assert not rules.may(action, "published")
    message = rules.refusal(action, "published")
    assert message is not None and "published already" in message


@pytest.mark.parametrize("status", ["draft", "scheduled", "armed"])
def test_a_waiting_inject_can_be_edited_cancelled_and_sent(status: str) -> None:
    for action in ("edit", "cancel", "publish", "schedule", "arm"):
        assert rules.may(action, status), (action, status)
        assert rules.refusal(action, status) is None
    assert not rules.may("restore", status)


def test_only_an_armed_or_scheduled_inject_can_be_disarmed() -> None:
    assert rules.may("disarm", "armed")
    assert rules.may("disarm", "scheduled")
    assert not rules.may("disarm", "draft")
    assert rules.refusal("disarm", "draft") == "This inject is neither armed nor scheduled."


def test_a_cancelled_inject_waits_to_be_restored() -> None:
    assert rules.may("restore", "cancelled")
    for action in ("edit", "cancel", "publish", "schedule", "arm", "disarm"):
        assert not rules.may(action, "cancelled")
        assert rules.refusal(action, "cancelled") == "This inject was cancelled. Restore it first."


def test_unknown_actions_and_statuses_are_refused() -> None:
    assert not rules.may("delete", "draft")
    assert not rules.may("edit", "exploded")


def test_the_statuses_a_dashboard_lists_as_waiting() -> None:
    assert set(rules.PENDING_STATUSES) == {"draft", "scheduled", "armed"}
    assert set(rules.ACTIONS) == set(rules.INJECT_STATUSES)


def test_an_armed_inject_waits_for_a_moment_of_the_session() -> None:
    assert rules.trigger_refusal("armed", "on_vote_opened", None) is None
    assert rules.trigger_refusal("armed", "manual", None) == (
        "trigger",
        "Choose the moment that fires the inject.",
    )
    # A draft keeps any trigger, "manual" included, as a suggestion.
    assert rules.trigger_refusal("draft", "manual", None) is None
    assert rules.trigger_refusal("scheduled", "on_vote_failed", None) is None
    assert rules.trigger_refusal("draft", "whenever", None) is not None


@pytest.mark.parametrize(("minutes", "ok"), [(None, False), (0, False), (1, True), (600, True)])
def test_quiet_minutes_go_with_on_idle(minutes: int | None, ok: bool) -> None:
    refused = rules.trigger_refusal("armed", "on_idle", minutes)
    assert (refused is None) is ok
    if not ok:
        assert refused is not None and refused[0] == "idle_minutes"
    assert rules.trigger_refusal("armed", "on_idle", 601) is not None


def test_a_schedule_is_after_now_and_within_a_day() -> None:
    assert rules.schedule_refusal(NOW, NOW + timedelta(minutes=1)) is None
    assert rules.schedule_refusal(NOW, NOW + timedelta(hours=24)) is None
    assert rules.schedule_refusal(NOW, NOW) is not None
    assert rules.schedule_refusal(NOW, NOW - timedelta(minutes=5)) is not None
    assert rules.schedule_refusal(NOW, NOW + timedelta(hours=24, seconds=1)) is not None


def test_quiet_counts_from_the_later_of_the_last_activity_and_arming() -> None:
    long_ago = NOW - timedelta(hours=2)
    just_now = NOW - timedelta(minutes=1)

    def due(last: datetime | None, armed: datetime, *, in_session: bool = True) -> bool:
        return rules.quiet_long_enough(
            now=NOW, last_activity=last, armed_at=armed, idle_minutes=10, in_session=in_session
        )

    assert due(long_ago, long_ago)
    # Armed a minute ago after a long quiet: it waits its ten minutes from the arming.
    assert not due(long_ago, just_now)
    assert not due(None, just_now)
    assert due(None, NOW - timedelta(minutes=10))
    # Someone spoke a minute ago: the quiet starts again.
    assert not due(just_now, long_ago)
    # Before the session starts or after it ends, no quiet fires anything.
    assert not due(long_ago, long_ago, in_session=False)
    assert not rules.quiet_long_enough(
        now=NOW, last_activity=None, armed_at=long_ago, idle_minutes=None, in_session=True
    )


def test_nothing_is_sent_or_changed_once_the_commission_has_concluded() -> None:
    for status, actions in rules.ACTIONS.items():
        for action in actions:
            assert rules.refusal(action, status, concluded=True) == (
                "This commission has concluded; its record is final."
            )
