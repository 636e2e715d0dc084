"""Roster CSV import: turn an instructor's spreadsheet into students to enrol, or say what to fix.

Everything here is a pure function (no database, no HTTP) so that the upload page and the JSON API
share one set of rules, and so the hostile cases (formula injection, huge files, wrong encodings)
can be tested directly. The caller creates accounts only when `parse_roster` reports no problem at
all: an import is all or nothing, never half done.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.i18n import gettext as _
from app.instructor.roster_cells import (
    COLUMN_LABELS,
    DELEGATION,
    EMAIL,
    NAME,
    SECTOR,
    choice,
    collapse,
    column_letter,
    echo,
    formula_refusal,
    has_control_character,
    looks_like_email,
    lookup,
    trim,
)

MAX_BYTES = 1_000_000
MAX_ROWS = 500
MAX_NAME_LENGTH = 80

# Only this much of the file is shown to csv.Sniffer: enough for a header and a dozen rows, and
# small enough that the sniffer's regular expressions stay fast on hostile input.
SNIFF_SAMPLE_CHARS = 4096

DELIMITERS = ",;\t"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

POSITIONAL_COLUMNS = (NAME, EMAIL, DELEGATION, SECTOR)
HEADER_LABELS: dict[str, str] = {
    "name": NAME,
    "display name": NAME,
    "full name": NAME,
    "student": NAME,
    "student name": NAME,
    "email": EMAIL,
    "e-mail": EMAIL,
    "email address": EMAIL,
    "e-mail address": EMAIL,
    "delegation": DELEGATION,
    "sector": SECTOR,
}


@dataclass(frozen=True)
class RosterRow:
    """One student to enrol, already cleaned so the caller can store it as it is."""

    line: int  # line number as a spreadsheet shows it (the header, if any, is line 1)
    name: str
    email: str | None
    delegation: str | None  # a delegation code, or None to assign later
    sector: str | None  # a sector code, or None to assign later


@dataclass(frozen=True)
class RosterProblem:
    """Something the instructor must fix in the file before anything is imported."""

    line: int | None  # None for a problem with the whole file
    message: str


class _FileRefused(Exception):
    """Stops parsing at a problem with the whole file; carries the one problem to report."""

    def __init__(self, problem: RosterProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def parse_roster(
    data: bytes, *, delegations: Mapping[str, str], sectors: Mapping[str, str]
) -> tuple[list[RosterRow], list[RosterProblem]]:
    """Read an uploaded roster and return the students in it and every problem, sorted by line.

    `delegations` and `sectors` map code -> display name; a cell may give either, in any case.
    The rows that are fine are returned even when there are problems (so a page can say how many
    are ready), but the caller must import nothing unless the problem list is empty. A problem
    with the whole file (size, encoding, row count, header) is reported alone, with no rows.
    """
    try:
        text = _decode(data)
        return _parse_text(text, delegations=delegations, sectors=sectors)
    except _FileRefused as refused:
        return [], [refused.problem]


def _decode(data: bytes) -> str:
    """Decode the formats spreadsheets actually export, and refuse anything else out loud.

    Latin-1 would "decode" any bytes at all, turning a wrongly saved file into mangled names on
    a printed sheet, so there is no silent fallback: the instructor is told how to re-save.
    """
    if len(data) > MAX_BYTES:
        raise _FileRefused(
            RosterProblem(
                None,
                _(
                    "The file is larger than 1 MB (%(size)s bytes). A roster has at most "
                    "%(max_rows)s students; upload only the columns name, email, delegation "
                    "and sector.",
                    size=len(data),
                    max_rows=MAX_ROWS,
                ),
            )
        )
    if data.startswith(codecs.BOM_UTF8):
        encoding, body = "utf-8", data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, body = "utf-16", data  # the codec reads and drops the byte order mark
    else:
        encoding, body = "utf-8", data
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as error:
        if encoding == "utf-16":
            message = _(
                "The file starts like UTF-16 (“Unicode text”) but is damaged. In your "
                'spreadsheet choose "Save as CSV UTF-8" and upload the new file.'
            )
        else:
            message = _(
                "The file is not UTF-8 text (the first unreadable character is on line "
                '%(line)s). In your spreadsheet choose "Save as CSV UTF-8" and upload the '
                "new file.",
                line=body[: error.start].count(b"\n") + 1,
            )
        raise _FileRefused(RosterProblem(None, message)) from None
    if "\x00" in text:
        raise _FileRefused(
            RosterProblem(
                None,
                _(
                    "The file contains NUL characters, so it is not plain CSV text (it may be "
                    'a workbook). In your spreadsheet choose "Save as CSV UTF-8" and upload '
                    "the new file."
                ),
            )
        )
    return text.removeprefix("\ufeff")


def _parse_text(
    text: str, *, delegations: Mapping[str, str], sectors: Mapping[str, str]
) -> tuple[list[RosterRow], list[RosterProblem]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    delegation_codes = lookup(delegations)
    sector_codes = lookup(sectors)
    columns: dict[str, int] | None = None
    width = len(POSITIONAL_COLUMNS)
    rows: list[RosterRow] = []
    problems: list[RosterProblem] = []
    first_line_of_email: dict[str, int] = {}
    student_count = 0
    line = 0
    try:
        for line, cells in enumerate(reader, start=1):
            if not any(trim(cell) for cell in cells):
                continue  # blank lines (and rows of empty cells) are spacing, not students
            if columns is None:
                columns = _header_columns(cells)
                if columns is not None:
                    width = len(cells)
                    continue
                columns = {column: i for i, column in enumerate(POSITIONAL_COLUMNS)}
            student_count += 1
            if student_count > MAX_ROWS:
                raise _FileRefused(
                    RosterProblem(
                        None,
                        _(
                            "The file has more than %(max_rows)s students. Split it into "
                            "several files and upload them one after the other.",
                            max_rows=MAX_ROWS,
                        ),
                    )
                )
            row, row_problems = _parse_row(
                line,
                cells,
                columns,
                width,
                delegations=delegation_codes,
                sectors=sector_codes,
                first_line_of_email=first_line_of_email,
            )
            problems.extend(row_problems)
            if row is not None:
                rows.append(row)
    except csv.Error:
        # Since Python 3.11 the csv module accepts NUL, so what remains is a cell over the csv
        # module's size limit, almost always an unclosed quotation mark swallowing the file.
        problems.append(
            RosterProblem(
                line + 1,
                _(
                    "Line %(line)s could not be read: a cell is far too long, probably because "
                    "a quotation mark is not closed. Check the quotation marks from this line on.",
                    line=line + 1,
                ),
            )
        )
    if student_count == 0 and not problems:
        problems.append(
            RosterProblem(
                None,
                _(
                    "The file has no students in it. Put one student per line: the name, then "
                    "optionally the email, delegation and sector."
                ),
            )
        )
    problems.sort(key=lambda problem: (problem.line is not None, problem.line or 0))
    return rows, problems


def _delimiter(text: str) -> str:
    """Pick comma, semicolon or tab: from a recognisable header first, then csv.Sniffer.

    The header is the more reliable witness: in "Smith, John;js@example.org" the sniffer counts
    one comma and one semicolon per line and prefers the comma.
    """
    sample = text[:SNIFF_SAMPLE_CHARS]
    first_line = next((line for line in _LINE_BREAK.split(sample) if trim(line)), "")
    best, best_hits = ",", 1
    for delimiter in DELIMITERS:
        hits = len(
            {_header_label(cell) for cell in first_line.split(delimiter)} & HEADER_LABELS.keys()
        )
        if hits > best_hits:
            best, best_hits = delimiter, hits
    if best_hits > 1:
        return best
    if len(text) > SNIFF_SAMPLE_CHARS:
        # Sniff whole lines only: a cut line would look like a row with fewer delimiters.
        cut = max(sample.rfind("\n"), sample.rfind("\r"))
        if cut > 0:
            sample = sample[:cut]
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ","
    if sniffed not in (";", "\t"):
        # The sniffer breaks ties in favour of the comma, but names often contain commas and
        # almost never semicolons or tabs: one of those on every line is the real delimiter.
        lines = [line for line in _LINE_BREAK.split(sample) if trim(line)]
        for delimiter in ("\t", ";"):
            if lines and all(delimiter in line for line in lines):
                return delimiter
    return sniffed if sniffed and sniffed in DELIMITERS else ","


def _header_label(cell: str) -> str:
    return collapse(cell.strip().strip('"').replace("_", " ")).casefold()


def _header_columns(cells: list[str]) -> dict[str, int] | None:
    """Map columns by a header row, or None when the row holds data rather than labels."""
    labels = [HEADER_LABELS.get(_header_label(cell)) for cell in cells]
    if not any(labels):
        return None
    columns: dict[str, int] = {}
    for index, column in enumerate(labels):
        if column is None:
            continue  # an unknown column (a student number, a comment) is ignored
        if column in columns:
            raise _FileRefused(
                RosterProblem(
                    None,
                    _(
                        "The header row has two %(column)s columns (%(first)s and %(second)s). "
                        "Keep one and upload the file again.",
                        column=_(COLUMN_LABELS[column]),
                        first=column_letter(columns[column]),
                        second=column_letter(index),
                    ),
                )
            )
        columns[column] = index
    if NAME not in columns:
        raise _FileRefused(
            RosterProblem(
                None,
                _(
                    "The header row has no name column. Call the column with the students' "
                    'names "name" and upload the file again.'
                ),
            )
        )
    return columns


def _parse_row(
    line: int,
    cells: list[str],
    columns: Mapping[str, int],
    width: int,
    *,
    delegations: Mapping[str, str],
    sectors: Mapping[str, str],
    first_line_of_email: dict[str, int],
) -> tuple[RosterRow | None, list[RosterProblem]]:
    """Check every cell of one row, so the instructor sees all of a row's problems at once."""
    problems: list[str] = []

    def cell(column: str) -> str:
        index = columns.get(column)
        return trim(cells[index]) if index is not None and index < len(cells) else ""

    if any(trim(extra) for extra in cells[width:]):
        problems.append(
            _(
                "Line %(line)s has more cells than the %(count)s columns expected. If a name "
                "contains a comma or semicolon, put the name in quotation marks.",
                line=line,
                count=width,
            )
        )

    name = cell(NAME)
    if not name:
        problems.append(_("Line %(line)s: the name is missing.", line=line))
    elif refusal := formula_refusal(line, NAME, name):
        problems.append(refusal)
    elif has_control_character(name):
        problems.append(
            _(
                "Line %(line)s: the name contains a line break, tab or another invisible "
                "control character. Retype the name.",
                line=line,
            )
        )
    else:
        name = collapse(name)
        if len(name) > MAX_NAME_LENGTH:
            problems.append(
                _(
                    "Line %(line)s: the name is %(length)s characters long; use at most %(max)s.",
                    line=line,
                    length=len(name),
                    max=MAX_NAME_LENGTH,
                )
            )

    email: str | None = cell(EMAIL) or None
    if email is not None:
        if refusal := formula_refusal(line, EMAIL, email):
            problems.append(refusal)
            email = None
        elif not looks_like_email(email):
            problems.append(
                _(
                    'Line %(line)s: "%(value)s" does not look like an email address. Correct '
                    "it or leave the cell empty.",
                    line=line,
                    value=echo(email),
                )
            )
            email = None
        else:
            email = email.lower()
            first = first_line_of_email.setdefault(email, line)
            if first != line:
                problems.append(
                    _(
                        "Line %(line)s: the email %(email)s is already on line %(first)s.",
                        line=line,
                        email=email,
                        first=first,
                    )
                )

    delegation = choice(line, DELEGATION, cell(DELEGATION), delegations, problems)
    sector = choice(line, SECTOR, cell(SECTOR), sectors, problems)

    located = [RosterProblem(line, message) for message in problems]
    if located:
        return None, located
    return RosterRow(line, name, email, delegation, sector), []


# UTF-8, one with a name only (the rest is left to auto-assign).
EXAMPLE_STUDENTS = (
    ("Ada Okafor", "ada.okafor@example.edu"),
    ("José Núñez", "jose.nunez@example.edu"),
    ("Li Mei", ""),
)


def example_roster(*, delegations: Sequence[str], sectors: Sequence[str]) -> str:
    """A roster file to start from: the header and three students, in a commission's own codes.

    The first two students sit in the first two delegations and sectors given; the third has a
    name only. It starts with a byte order mark so that spreadsheets open it as UTF-8.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(POSITIONAL_COLUMNS)
    for index, (name, email) in enumerate(EXAMPLE_STUDENTS):
        seated = index < 2
        writer.writerow(
            [
                name,
                email,
                delegations[index] if seated and index < len(delegations) else "",
                sectors[index] if seated and index < len(sectors) else "",
            ]
        )
    return "\ufeff" + buffer.getvalue()
