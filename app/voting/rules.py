"""Vocabulary of voting; the tally rules themselves arrive with the proposals feature."""

from __future__ import annotations

VOTING_RULES = ("double_majority", "simple_majority", "two_thirds", "consensus", "unanimity")
BALLOT_UNITS = ("delegate", "delegation")
BALLOT_TYPES = ("roll_call", "secret")
CHOICES = ("yes", "no", "abstain")
DEFAULT_QUORUM = 0.5
