"""Writing user text into CSV files that people open in spreadsheets."""

from __future__ import annotations


def safe_cell(value: str) -> str:
    """Spreadsheets run cells that start like a formula; such text gets a leading quote."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
