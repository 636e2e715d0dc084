"""Vocabulary of crisis injects."""

from __future__ import annotations

TRIGGERS = ("manual", "on_vote_opened", "on_vote_failed", "on_idle")
INJECT_STATUSES = ("draft", "scheduled", "armed", "published")
