"""Request and response bodies of the voting API (a vote's tally is the proposals' VoteOut,
part of every proposal the API answers with)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class BallotIn(BaseModel):
    choice: Literal["yes", "no", "abstain"]


class BallotOut(BaseModel):
    """The receipt of a ballot. The tally is at GET /proposals/{id}/vote; recomputing it here
    would keep every voter in the write transaction longer."""

    vote_id: int
    you_voted: bool
    your_choice: str | None  # None for a secret ballot: the app does not keep it
