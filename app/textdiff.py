"""Word-level differences between two texts, for showing what a revision or amendment changed.

Chinese, Japanese and Korean are written without spaces between words, so a run of their
characters is compared character by character: changing one character of a Chinese sentence
shows that character, not the whole sentence, as changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

# CJK ideographs (with extension A and compatibility forms), kana and hangul syllables: the
# characters no tokenizer here can split into words (app.norms.search_text indexes them too).
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
# Words, runs of space and single punctuation marks are compared separately, so adding
# "or ports" before a full stop shows as an insertion, not as a changed word "grids."; each
# CJK character is a token of its own.
_TOKEN = re.compile(rf"[{CJK}]|(?:(?![{CJK}])\w)+|\s+|[^\w\s]")
_COUNTED = re.compile(rf"[{CJK}]|(?:(?![{CJK}])\S)+")
# The Markdown mark a line may start with: a list item's ("- ", "1. ") or a heading's ("## ").
_LINE_MARK = re.compile(r"[ \t]*(?:(?P<item>[-*+]|\d{1,9}[.)])|(?P<heading>#{1,6}))[ \t]+")


@dataclass(frozen=True)
class Segment:
    kind: Literal["same", "inserted", "deleted"]
    text: str


def word_diff(before: str, after: str) -> list[Segment]:
    """What changed from `before` to `after`: lines first, then words within changed lines.

    Comparing lines first keeps a removed list item whole, rather than matching its "- " with
    the next item's; the lines that changed are then compared word by word.
    """
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    segments: list[Segment] = []
    for op, a1, a2, b1, b2 in SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        removed, added = "".join(old[a1:a2]), "".join(new[b1:b2])
        if op == "equal":
            segments.append(Segment("same", removed))
        elif op == "replace":
            segments.extend(_words_changed(removed, added))
        else:
            segments.append(Segment("deleted", removed) if removed else Segment("inserted", added))
    return _joined(segments)


def _words_changed(before: str, after: str) -> list[Segment]:
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


def _joined(segments: list[Segment]) -> list[Segment]:
    """Neighbouring segments of one kind as one."""
    joined: list[Segment] = []
    for segment in segments:
        if joined and joined[-1].kind == segment.kind:
            joined[-1] = Segment(segment.kind, joined[-1].text + segment.text)
        else:
            joined.append(segment)
    return joined


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff as the author laid the text out: a paragraph's line, an item, a heading.

    `mark` is the line's leading Markdown mark ("- ", "1. ", "## "), kept apart so that a page
    can show it quietly; `new_paragraph` says a blank line (a paragraph break) came before it.
    """

    kind: Literal["text", "item", "heading"]
    segments: list[Segment]
    mark: list[Segment]
    new_paragraph: bool


def diff_lines(segments: list[Segment]) -> list[DiffLine]:
    """The diff cut at its line breaks, each line told apart by its Markdown mark."""
    lines: list[list[Segment]] = [[]]
    for segment in segments:
        for index, part in enumerate(segment.text.split("\n")):
            if index:
                lines.append([])
            if part:
                lines[-1].append(Segment(segment.kind, part))
    result: list[DiffLine] = []
    after_blank = False
    for line in lines:
        text = "".join(s.text for s in line)
        if not text.strip():
            after_blank = bool(result)  # blank lines before the first line mean nothing
            continue
        match = _LINE_MARK.match(text)
        if match:
            mark, rest = _cut(line, match.end())
            kind: Literal["text", "item", "heading"] = "item" if match["item"] else "heading"
            result.append(DiffLine(kind, rest, mark, after_blank))
        else:
            result.append(DiffLine("text", line, [], after_blank))
        after_blank = False
    return result


def _cut(line: list[Segment], at: int) -> tuple[list[Segment], list[Segment]]:
    """A line's segments split at a character offset, each piece keeping its kind."""
    head: list[Segment] = []
    tail: list[Segment] = []
    for segment in line:
        taken = max(0, min(len(segment.text), at))
        at -= taken
        if taken:
            head.append(Segment(segment.kind, segment.text[:taken]))
        if taken < len(segment.text):
            tail.append(Segment(segment.kind, segment.text[taken:]))
    return head, tail


def change_counts(segments: list[Segment]) -> tuple[int, int]:
    """How many words were inserted and deleted (a CJK character counts as one)."""
    inserted = sum(len(_COUNTED.findall(s.text)) for s in segments if s.kind == "inserted")
    deleted = sum(len(_COUNTED.findall(s.text)) for s in segments if s.kind == "deleted")
    return inserted, deleted
