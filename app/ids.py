"""The one type for ids (and the other whole numbers that name a row) that come in from outside.

Id columns are INTEGER: 32-bit on PostgreSQL, 64-bit on SQLite. A number past the column's
range names no row, yet sent to the database it fails the statement instead of finding
nothing (a 500, not a 404). So every id a request carries, in a path, a query or a JSON body,
is declared `Id`: it is checked against the range every column can hold before any query sees
it, and the OpenAPI document states the range. Ids posted by page forms are parsed by
app.forms.form_id with the same bounds.

A path id out of range answers 404 (nothing can be at that address, see app.main); a query
or body value answers 422 naming the field.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER; SQLite's larger INTEGER holds no id beyond it either

Id = Annotated[int, Ge(1), Le(MAX_ID)]
