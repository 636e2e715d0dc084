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
import secrets
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from babel.lists import format_list

from app.accounts.rules import USERNAME_PATTERN
from app.i18n import current_locale
from app.i18n import gettext as _
from app.i18n import lazy as N_

MAX_BYTES = 1_000_000
MAX_ROWS = 500
MAX_NAME_LENGTH = 80
MAX_EMAIL_LENGTH = 254
USERNAME_MAX_LENGTH = 40
USERNAME_FALLBACK = "delegate"

# Only this much of the file is shown to csv.Sniffer: enough for a header and a dozen rows, and
# small enough that the sniffer's regular expressions stay fast on hostile input.
SNIFF_SAMPLE_CHARS = 4096
# Cell values quoted back in messages are cut to this length so a pasted essay stays readable.
ECHO_MAX_CHARS = 40

DELIMITERS = ",;\t"
# A spreadsheet runs a cell starting with one of these as a formula (or DDE command) when the
# printed credential sheet or an export is opened; full-width forms are refused as well because
# some spreadsheet locales normalise them.
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
# Unicode "space separator" characters (category Zs): trimmed and collapsed like a normal space.
SPACES = (
    "\u0020\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000"
)
_SPACE_RUN = re.compile(f"[{SPACES}]+")
# Zero-width (non-)joiners are format characters that Persian and Indic names need.
_ALLOWED_FORMAT_CHARACTERS = frozenset("\u200c\u200d")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
# Legal only in quoted local parts that no student uses; here they mean a shifted column.
_NOT_IN_EMAILS = frozenset(',;:<>()[]\\"')
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Password alphabet for a printed sheet: lowercase only (easy on a phone keyboard), without the
# characters that look alike in common fonts (0/o, 1/l/i).
READABLE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PASSWORD_GROUPS = 3
PASSWORD_GROUP_LENGTH = 4

# Letters that NFKD does not split into a base letter and a mark.
_ASCII_FOLDS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h"}
)
_NOT_USERNAME_CHARACTER = re.compile(r"[^a-z0-9]")

NAME, EMAIL, DELEGATION, SECTOR = "name", "email", "delegation", "sector"
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
# Column names as they appear inside messages; translated where the message is built.
COLUMN_LABELS: dict[str, str] = {
    NAME: N_("name"),
    EMAIL: N_("email"),
    DELEGATION: N_("delegation"),
    SECTOR: N_("sector"),
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
    delegation_codes = _lookup(delegations)
    sector_codes = _lookup(sectors)
    columns: dict[str, int] | None = None
    width = len(POSITIONAL_COLUMNS)
    rows: list[RosterRow] = []
    problems: list[RosterProblem] = []
    first_line_of_email: dict[str, int] = {}
    student_count = 0
    line = 0
    try:
        for line, cells in enumerate(reader, start=1):
            if not any(_trim(cell) for cell in cells):
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
    first_line = next((line for line in _LINE_BREAK.split(sample) if _trim(line)), "")
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
        lines = [line for line in _LINE_BREAK.split(sample) if _trim(line)]
        for delimiter in ("\t", ";"):
            if lines and all(delimiter in line for line in lines):
                return delimiter
    return sniffed if sniffed and sniffed in DELIMITERS else ","


def _header_label(cell: str) -> str:
    return _collapse(cell.strip().strip('"').replace("_", " ")).casefold()


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
                        first=_column_letter(columns[column]),
                        second=_column_letter(index),
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
        return _trim(cells[index]) if index is not None and index < len(cells) else ""

    if any(_trim(extra) for extra in cells[width:]):
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
    elif refusal := _formula_refusal(line, NAME, name):
        problems.append(refusal)
    elif _has_control_character(name):
        problems.append(
            _(
                "Line %(line)s: the name contains a line break, tab or another invisible "
                "control character. Retype the name.",
                line=line,
            )
        )
    else:
        name = _collapse(name)
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
        if refusal := _formula_refusal(line, EMAIL, email):
            problems.append(refusal)
            email = None
        elif not _looks_like_email(email):
            problems.append(
                _(
                    'Line %(line)s: "%(value)s" does not look like an email address. Correct '
                    "it or leave the cell empty.",
                    line=line,
                    value=_echo(email),
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

    delegation = _choice(line, DELEGATION, cell(DELEGATION), delegations, problems)
    sector = _choice(line, SECTOR, cell(SECTOR), sectors, problems)

    located = [RosterProblem(line, message) for message in problems]
    if located:
        return None, located
    return RosterRow(line, name, email, delegation, sector), []


def _choice(
    line: int, column: str, value: str, codes: Mapping[str, str], problems: list[str]
) -> str | None:
    """Resolve a delegation or sector given by code or name; empty means "assign later"."""
    if not value:
        return None
    if refusal := _formula_refusal(line, column, value):
        problems.append(refusal)
        return None
    code = codes.get(_fold(value))
    if code is not None:
        return code
    choices = list(dict.fromkeys(codes.values()))
    if column == DELEGATION:
        if choices:
            message = _(
                'Line %(line)s: the delegation "%(value)s" is not in this commission '
                "(use %(choices)s).",
                line=line,
                value=_echo(value),
                choices=_or_list(choices),
            )
        else:
            message = _(
                "Line %(line)s: this commission has no delegations yet, so leave the "
                "delegation empty.",
                line=line,
            )
    elif choices:
        message = _(
            'Line %(line)s: the sector "%(value)s" is not in this commission (use %(choices)s).',
            line=line,
            value=_echo(value),
            choices=_or_list(choices),
        )
    else:
        message = _(
            "Line %(line)s: this commission has no sectors yet, so leave the sector empty.",
            line=line,
        )
    problems.append(message)
    return None


def _lookup(choices: Mapping[str, str]) -> dict[str, str]:
    """Folded code or name -> code; a code wins over another entry's identical name."""
    lookup = {_fold(name): code for code, name in choices.items() if _fold(name)}
    lookup.update({_fold(code): code for code in choices})
    return lookup


def _formula_refusal(line: int, column: str, value: str) -> str | None:
    """A message if a spreadsheet would run the (trimmed) cell as a formula, else None."""
    start = value[0]
    if start not in FORMULA_STARTS:
        return None
    if start == "\t":
        shown = _("a tab")
    elif start == "\r":
        shown = _("a line break")
    else:
        shown = f'"{start}"'
    return _(
        "Line %(line)s: the %(column)s starts with %(start)s, which a spreadsheet would run "
        "as a formula. Remove that character.",
        line=line,
        column=_(COLUMN_LABELS[column]),
        start=shown,
    )


def _looks_like_email(value: str) -> bool:
    """A light check that catches typos and shifted columns; delivery is the real test."""
    if len(value) > MAX_EMAIL_LENGTH or value.count("@") != 1:
        return False
    if any(unicodedata.category(c)[0] in "CZ" or c in _NOT_IN_EMAILS for c in value):
        return False
    local, domain = value.split("@")
    return bool(
        local
        and "." in domain
        and not domain.startswith(".")
        and not domain.endswith(".")
        and ".." not in domain
    )


def _has_control_character(value: str) -> bool:
    return any(
        unicodedata.category(c) in _REFUSED_CATEGORIES and c not in _ALLOWED_FORMAT_CHARACTERS
        for c in value
    )


def _trim(value: str) -> str:
    """Strip spaces only: a leading tab or line break must survive to be refused, not hidden."""
    return value.strip(SPACES)


def _collapse(value: str) -> str:
    return _SPACE_RUN.sub(" ", value).strip(" ")


def _fold(value: str) -> str:
    return _collapse(_trim(value)).casefold()


def _echo(value: str) -> str:
    """A cell value fit to quote in a message: invisible characters shown, long values cut."""
    shown = "".join("\ufffd" if unicodedata.category(c)[0] == "C" else c for c in value)
    return shown if len(shown) <= ECHO_MAX_CHARS else shown[: ECHO_MAX_CHARS - 1] + "…"


def _or_list(items: list[str]) -> str:
    return format_list(items, style="or", locale=current_locale.get())


def _column_letter(index: int) -> str:
    """Spreadsheet column name for a 0-based index (0 -> A, 26 -> AA), as the instructor sees it."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


# Three made-up students for the example file: one with every column, one whose name needs
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


def suggest_username(name: str, taken: Collection[str]) -> str:
    """A sign-in name derived from a display name, so students can guess their own.

    Accents are folded to ASCII ("José Núñez" -> "jose.nunez"); a name with no Latin letters or
    digits (e.g. "王芳") becomes "delegate". A name already in `taken` gets 2, 3, ... appended.
    """
    folded = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(c for c in folded if not unicodedata.category(c).startswith("M"))
    folded = folded.translate(_ASCII_FOLDS)
    words = [_NOT_USERNAME_CHARACTER.sub("", word) for word in folded.split()]
    base = ".".join(word for word in words if word)[:USERNAME_MAX_LENGTH].rstrip(".")
    if not base:
        base = USERNAME_FALLBACK
    elif len(base) < 3:
        base = f"{base}.{USERNAME_FALLBACK}"  # "Wu" -> "wu.delegate": the pattern needs 3
    taken_names = {existing.lower() for existing in taken}
    candidate, number = base, 1
    while candidate in taken_names:
        number += 1
        suffix = str(number)
        candidate = base[: USERNAME_MAX_LENGTH - len(suffix)].rstrip(".") + suffix
    assert USERNAME_PATTERN.match(candidate), candidate
    return candidate


def new_password() -> str:
    """A random first password that survives being printed, read aloud and typed on a phone.

    Three groups of four from a 31-letter alphabet carry about 59 bits, ample behind the sign-in
    rate limit; students can change it after signing in.
    """
    return "-".join(
        "".join(secrets.choice(READABLE_ALPHABET) for _position in range(PASSWORD_GROUP_LENGTH))
        for _group in range(PASSWORD_GROUPS)
    )
