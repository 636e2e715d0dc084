"""Reading the header's notices link the way a screen reader reads it."""

from __future__ import annotations

import re


def header_count(html: str) -> int:
    """What the header's notices link says: its count, or 0 when it reads plain "Notices"."""
    link = re.search(r'<a href="/notices" class="notices-link[^"]*"[^>]*>(.*?)</a>', html, re.S)
    assert link, "the page has no notices link"
    text = re.sub(r"<[^>]+>", "", link.group(1)).strip()
    if text == "Notices":
        return 0
    match = re.fullmatch(r"Notices: (\d+) waiting", text)
    assert match, text
    return int(match.group(1))
