"""Word-level differences between two texts, for showing what a revision or amendment changed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

# Words, runs of space and single punctuation marks are compared separately, so adding
# "or ports" before a full stop shows as an insertion, not as a changed word "grids.".
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class Segment:
    kind: Literal["same", "inserted", "deleted"]
    text: str


def word_diff(before: str, after: str) -> list[Segment]:
    old, new = _TOKEN.findall(before), _TOKEN.findall(after)
    segments: list[Segment] = []
    matcher = SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(Segment("same", "".join(old[a1:a2])))
            continue
        if op in ("delete", "replace"):
            segments.append(Segment("deleted", "".join(old[a1:a2])))
        if op in ("insert", "replace"):
            segments.append(Segment("inserted", "".join(new[b1:b2])))
    return segments


def change_counts(segments: list[Segment]) -> tuple[int, int]:
    """How many words were inserted and deleted."""
    inserted = sum(len(s.text.split()) for s in segments if s.kind == "inserted")
    deleted = sum(len(s.text.split()) for s in segments if s.kind == "deleted")
    return inserted, deleted
