"""Vocabulary of a proposal's life."""

from __future__ import annotations

STAGES = ("draft", "tabled", "debate", "voting", "adopted", "rejected", "withdrawn")
STANCES = ("support", "oppose", "question", "note")
SPONSORSHIP_RULES = ("every_member_delegation", "any_other_delegation", "none")
SPONSORSHIP_STATUSES = ("invited", "accepted", "declined")
AMENDMENT_STATUSES = ("proposed", "accepted", "voting", "adopted", "rejected", "withdrawn")
