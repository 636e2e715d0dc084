"""Roster CSV import: good, bad and hostile files, and the credentials made for each student."""

from __future__ import annotations

import codecs
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.accounts.rules import USERNAME_PATTERN, password_problem
from app.instructor.credentials import READABLE_ALPHABET, new_password, suggest_username
from app.instructor.roster import MAX_BYTES, MAX_ROWS, RosterProblem, RosterRow, parse_roster
from app.instructor.roster_cells import SPACES

DELEGATIONS = {"US": "United States", "PRC": "People's Republic of China"}
SECTORS = {"gov": "Government", "private": "Private sector", "civil": "Civil society"}


def parse(data: bytes | str) -> tuple[list[RosterRow], list[RosterProblem]]:
    raw = data.encode() if isinstance(data, str) else data
    return parse_roster(raw, delegations=DELEGATIONS, sectors=SECTORS)


def messages(data: bytes | str) -> list[str]:
    return [problem.message for problem in parse(data)[1]]


def only_file_problem(data: bytes | str) -> str:
    rows, problems = parse(data)
    assert rows == []
    assert len(problems) == 1
    assert problems[0].line is None
    return problems[0].message


GOOD = (
    "Name,Email,Delegation,Sector\n"
    "Zhang Wei,Zhang.Wei@Example.CN,PRC,gov\n"
    "  Jo   Smith ,,US,\n"
    "Ana Lima,ana@example.org,,private\n"
)


# --- good files -------------------------------------------------------------------------------


def test_good_file_with_header() -> None:
    rows, problems = parse(GOOD)
    assert problems == []
    assert rows == [
        RosterRow(2, "Zhang Wei", "zhang.wei@example.cn", "PRC", "gov"),
        RosterRow(3, "Jo Smith", None, "US", None),
        RosterRow(4, "Ana Lima", "ana@example.org", None, "private"),
    ]


def test_header_columns_in_any_order_and_unknown_columns_ignored() -> None:
    rows, problems = parse(
        "Student number,E-mail,Sector,Full name,Notes\n"
        "17,kim@example.org,civil,Kim Lee,likes trade\n"
    )
    assert problems == []
    assert rows == [RosterRow(2, "Kim Lee", "kim@example.org", None, "civil")]


def test_file_without_header_reads_name_email_delegation_sector() -> None:
    rows, problems = parse("Zhang Wei,zw@example.cn,PRC,gov\nJo Smith\n")
    assert problems == []
    assert rows == [
        RosterRow(1, "Zhang Wei", "zw@example.cn", "PRC", "gov"),
        RosterRow(2, "Jo Smith", None, None, None),
    ]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimiters(delimiter: str) -> None:
    text = GOOD.replace(",", delimiter)
    rows, problems = parse(text)
    assert problems == []
    assert [row.name for row in rows] == ["Zhang Wei", "Jo Smith", "Ana Lima"]
    assert rows[0].email == "zhang.wei@example.cn"


def test_semicolon_file_whose_names_contain_commas() -> None:
    rows, problems = parse("Smith, John;js@example.org;US\nWang, Fang;wf@example.org;PRC\n")
    assert problems == []
    assert [(row.name, row.delegation) for row in rows] == [
        ("Smith, John", "US"),
        ("Wang, Fang", "PRC"),
    ]


def test_quoted_name_with_comma() -> None:
    rows, problems = parse('name,email\n"Smith, John",js@example.org\n')
    assert problems == []
    assert rows[0].name == "Smith, John"


def test_utf8_with_bom() -> None:
    rows, problems = parse(codecs.BOM_UTF8 + GOOD.encode())
    assert problems == []
    assert rows[0] == RosterRow(2, "Zhang Wei", "zhang.wei@example.cn", "PRC", "gov")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(encoding: str) -> None:
    text = "name\tdelegation\n王芳\tPRC\nJosé Núñez\tUS\n"
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    rows, problems = parse(bom + text.encode(encoding))
    assert problems == []
    assert rows == [
        RosterRow(2, "王芳", None, "PRC", None),
        RosterRow(3, "José Núñez", None, "US", None),
    ]


def test_chinese_names_kept_intact() -> None:
    rows, problems = parse("王芳,wf@example.cn,PRC\n欧阳  娜娜\n")
    assert problems == []
    assert [row.name for row in rows] == ["王芳", "欧阳 娜娜"]
    rows, problems = parse("name\n王芳\n")
    assert problems == []
    assert rows == [RosterRow(2, "王芳", None, None, None)]


def test_delegation_and_sector_by_name_or_code_in_any_case() -> None:
    rows, problems = parse(
        "name,delegation,sector\n"
        "A,United States,Private sector\n"
        "B,us,PRIVATE\n"
        "C,  people's   REPUBLIC of china ,civil society\n"
    )
    assert problems == []
    assert [(row.delegation, row.sector) for row in rows] == [
        ("US", "private"),
        ("US", "private"),
        ("PRC", "civil"),
    ]


def test_blank_lines_and_empty_rows_skipped() -> None:
    rows, problems = parse("\n\nname,email\n\n,,\nAnn\n   \n\nBob\n\n")
    assert problems == []
    # Lines are counted as a spreadsheet shows them, blank ones included.
    assert [(row.line, row.name) for row in rows] == [(6, "Ann"), (9, "Bob")]


def test_crlf_line_endings() -> None:
    rows, problems = parse(GOOD.replace("\n", "\r\n"))
    assert problems == []
    assert len(rows) == 3


def test_same_name_twice_is_allowed() -> None:
    rows, problems = parse("Wang Fang,a@example.org\nWang Fang,b@example.org\n")
    assert problems == []
    assert len(rows) == 2


def test_exactly_max_rows_is_accepted() -> None:
    text = "".join(f"Student {i},s{i}@example.org\n" for i in range(MAX_ROWS))
    rows, problems = parse(text)
    assert problems == []
    assert len(rows) == MAX_ROWS


# --- bad rows -----------------------------------------------------------------------------------


def test_missing_name() -> None:
    assert messages("name,email\nAnn\n,bob@example.org\n") == ["Line 3: the name is missing."]


def test_every_bad_row_reported_with_its_line_and_nothing_is_lost() -> None:
    rows, problems = parse(
        "name,email,delegation\n"
        "Ann,ann@example.org,US\n"
        ",b@example.org,US\n"  # line 3: no name
        "Cy,not-an-email,EU\n"  # line 4: two problems
        "Di,di@example.org,PRC\n"
    )
    assert [problem.line for problem in problems] == [3, 4, 4]
    assert problems[0].message == "Line 3: the name is missing."
    assert problems[1].message.startswith('Line 4: "not-an-email" does not look like an email')
    assert problems[2].message.startswith('Line 4: the delegation "EU"')
    assert [row.line for row in rows] == [2, 5]


def test_problems_sorted_by_line() -> None:
    lines = [problem.line for problem in parse("a,x\n=b\n,c@d.org\nok\n-e\n")[1]]
    assert lines == [1, 2, 3, 5]


def test_duplicate_email_names_the_first_line() -> None:
    assert messages(
        "name,email\nAnn,ann@example.org\nBob,b@example.org\nAnna,ANN@example.org\n"
    ) == ["Line 4: the email ann@example.org is already on line 2."]


def test_unknown_delegation_lists_the_valid_codes() -> None:
    assert messages("name,delegation\nAnn,EU\n") == [
        'Line 2: the delegation "EU" is not in this commission (use US or PRC).'
    ]


def test_unknown_sector_lists_the_valid_codes() -> None:
    assert messages("name,sector\nAnn,military\n") == [
        'Line 2: the sector "military" is not in this commission (use gov, private, or civil).'
    ]


def test_commission_without_delegations_says_leave_it_empty() -> None:
    _rows, problems = parse_roster(b"Ann,,US\n", delegations={}, sectors={})
    assert [p.message for p in problems] == [
        "Line 1: this commission has no delegations yet, so leave the delegation empty."
    ]


@pytest.mark.parametrize(
    "email",
    [
        "ann",
        "ann@",
        "ann@example",
        "a@b@example.org",
        "ann smith@example.org",
        "ann@.example.org",
        "ann@example..org",
        "ann@example.org.",
        "ann,bob@example.org",
        "x" * 250 + "@example.org",
    ],
)
def test_implausible_email_refused(email: str) -> None:
    problems = parse(f'name,email\nAnn,"{email}"\n')[1]
    assert len(problems) == 1
    assert "does not look like an email address" in problems[0].message


def test_plus_and_hyphen_inside_an_email_are_fine() -> None:
    rows, problems = parse("Ann,ann+seminar@my-school.example.org\n")
    assert problems == []
    assert rows[0].email == "ann+seminar@my-school.example.org"


def test_name_too_long() -> None:
    assert messages("x" * 81) == ["Line 1: the name is 81 characters long; use at most 80."]
    assert parse("x" * 80)[1] == []


@pytest.mark.parametrize("control", ["\n", "\t", "\x07", "\x1b", "\u202e", "\u2028", "\x85"])
def test_control_characters_in_a_name_refused(control: str) -> None:
    assert messages(f'name\n"Ann{control}Lee"\n') == [
        "Line 2: the name contains a line break, tab or another invisible control character. "
        "Retype the name."
    ]


def test_unusual_spaces_in_a_name_are_collapsed() -> None:
    rows, problems = parse("Ann\u00a0\u00a0Lee\u3000\n")
    assert problems == []
    assert rows[0].name == "Ann Lee"


def test_spaces_constant_is_every_space_separator() -> None:
    assert set(SPACES) == {chr(i) for i in range(0x3001) if unicodedata.category(chr(i)) == "Zs"}


def test_extra_cells_without_header_point_to_quoting() -> None:
    # Unquoted, the comma in the name shifts every cell: the first thing said is to quote it.
    assert messages("Smith, John,js@example.org,US,gov\n")[0] == (
        "Line 1 has more cells than the 4 columns expected. If a name contains a comma or "
        "semicolon, put the name in quotation marks."
    )
    assert messages("Ann,a@example.org,US,gov,extra\n") == [
        "Line 1 has more cells than the 4 columns expected. If a name contains a comma or "
        "semicolon, put the name in quotation marks."
    ]


def test_trailing_empty_cells_are_fine() -> None:
    assert messages("Ann,a@example.org,US,gov,,,\n") == []


# --- hostile files ------------------------------------------------------------------------------


FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


@pytest.mark.parametrize("start", FORMULA_STARTS)
@pytest.mark.parametrize("column", ["name", "email", "delegation", "sector"])
def test_formula_injection_refused_in_every_column(start: str, column: str) -> None:
    good = {"name": "Ann", "email": "ann@example.org", "delegation": "US", "sector": "gov"}
    hostile = dict(good, **{column: start + 'HYPERLINK("http://evil","x")'})
    cells = ['"' + hostile[c].replace('"', '""') + '"' for c in good]
    rows, problems = parse("name,email,delegation,sector\nBob\n" + ",".join(cells) + "\n")
    assert [row.name for row in rows] == ["Bob"]
    assert len(problems) == 1
    assert problems[0].line == 3
    assert problems[0].message.startswith(f"Line 3: the {column} starts with ")
    assert "formula" in problems[0].message


def test_formula_check_applies_after_trimming_spaces() -> None:
    assert messages("  =1+1\n") == [
        'Line 1: the name starts with "=", which a spreadsheet would run as a formula. '
        "Remove that character."
    ]
    assert messages('"\tBob"\n') == [
        "Line 1: the name starts with a tab, which a spreadsheet would run as a formula. "
        "Remove that character."
    ]


def test_name_starting_with_minus_refused_but_inner_minus_fine() -> None:
    assert len(messages("-Bob\n")) == 1
    assert messages("Mary-Jane O'Neil\n") == []


def test_fullwidth_equals_refused() -> None:
    assert len(messages("＝1+1\n")) == 1


def test_latin1_refused_with_what_to_do() -> None:
    message = only_file_problem("name\nAnn\nJosé Núñez\n".encode("latin-1"))
    assert message == (
        "The file is not UTF-8 text (the first unreadable character is on line 3). "
        'In your spreadsheet choose "Save as CSV UTF-8" and upload the new file.'
    )


def test_damaged_utf16_refused() -> None:
    message = only_file_problem(codecs.BOM_UTF16_LE + "Ann".encode("utf-16-le") + b"\x00\xd8")
    assert "Save as CSV UTF-8" in message


def test_file_over_one_megabyte_refused_without_parsing() -> None:
    data = b"Ann\n" * (MAX_BYTES // 4) + b"x"
    assert len(data) == MAX_BYTES + 1
    assert only_file_problem(data).startswith("The file is larger than 1 MB")


def test_more_than_max_rows_refused() -> None:
    text = "name\n" + "".join(f"Student {i}\n" for i in range(MAX_ROWS + 1))
    assert only_file_problem(text) == (
        "The file has more than 500 students. Split it into several files and upload them "
        "one after the other."
    )


def test_more_than_max_rows_refused_even_when_rows_are_bad() -> None:
    assert only_file_problem("=x\n" * (MAX_ROWS + 1)).startswith("The file has more than 500")


def test_nul_bytes_refused() -> None:
    assert "NUL" in only_file_problem(b"name\nAnn\x00Lee\n")


def test_utf16_without_bom_refused() -> None:
    assert "Save as CSV UTF-8" in only_file_problem("name\nAnn\n".encode("utf-16-le"))


def test_workbook_refused() -> None:
    xlsx_start = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U\x8e"
    assert "not UTF-8" in only_file_problem(xlsx_start)


def test_unclosed_quote_swallowing_the_file_is_reported() -> None:
    rows, problems = parse('name\nAnn\n"Bob\n' + "x" * 200_000 + "\n")
    assert [(p.line, p.message) for p in problems] == [
        (
            3,
            "Line 3 could not be read: a cell is far too long, probably because a quotation "
            "mark is not closed. Check the quotation marks from this line on.",
        )
    ]
    assert [row.name for row in rows] == ["Ann"]


def test_empty_file_and_header_only_file() -> None:
    for data in (b"", b"\n\n", codecs.BOM_UTF8, b"name,email\n"):
        assert only_file_problem(data).startswith("The file has no students in it.")


def test_header_without_name_column_refused() -> None:
    assert only_file_problem("email,delegation\na@example.org,US\n").startswith(
        "The header row has no name column."
    )


def test_header_with_two_email_columns_refused() -> None:
    assert only_file_problem("name,email,e-mail\nAnn,a@example.org,b@example.org\n") == (
        "The header row has two email columns (B and C). Keep one and upload the file again."
    )


def test_long_hostile_value_is_cut_in_the_message() -> None:
    (message,) = messages("Ann,,\x1b[31m" + "Z" * 500 + "\n")
    assert "\x1b" not in message
    assert len(message) < 200


def assert_well_formed(rows: list[RosterRow], problems: list[RosterProblem], data: bytes) -> None:
    """What parse_roster promises for any file: students or problems, never neither; a problem
    with the whole file alone; otherwise rows and problems on distinct lines of the file, in
    order, and every row clean enough to store as it is."""
    assert rows or problems
    assert all(isinstance(p.message, str) and p.message for p in problems)
    if any(p.line is None for p in problems):
        assert (rows, len(problems)) == ([], 1)
        return
    # Physical lines: each CR and LF byte may end one (UTF-16 text has one such byte per break).
    last_line = data.count(b"\n") + data.count(b"\r") + 1
    problem_lines = [p.line for p in problems if p.line is not None]  # none is None (above)
    row_lines = [row.line for row in rows]
    assert problem_lines == sorted(problem_lines)
    assert row_lines == sorted(set(row_lines))
    assert not set(row_lines) & set(problem_lines)
    assert all(1 <= line <= last_line for line in row_lines + problem_lines)
    for row in rows:
        assert 1 <= len(row.name) <= 80
        assert row.name == row.name.strip(" ") and "  " not in row.name
        assert not set(row.name) & (set(SPACES) - {" "})
        assert all(unicodedata.category(c) != "Cc" for c in row.name)
        assert row.name[0] not in "=+-@\t\r"
        assert row.email is None or (row.email == row.email.lower() and row.email.count("@") == 1)
        assert row.delegation in (None, *DELEGATIONS)
        assert row.sector in (None, *SECTORS)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048))
def test_parse_roster_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    rows, problems = parse(data)
    assert_well_formed(rows, problems, data)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(",;\t\n\r \"'=+-@aZ王é\u00a0\x00\x1b")), max_size=600))
def test_parse_roster_never_raises_on_csv_like_text(text: str) -> None:
    for encoding in ("utf-8", "utf-16"):
        data = text.encode(encoding)
        rows, problems = parse(data)
        assert_well_formed(rows, problems, data)


# --- credentials --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Zhang Wei", "zhang.wei"),
        ("José Núñez", "jose.nunez"),
        ("  Ana   María  de la Cruz ", "ana.maria.de.la.cruz"),
        ("王芳", "delegate"),
        ("", "delegate"),
        ("Mary-Jane O'Neil", "maryjane.oneil"),
        ("Łukasz Søren Straße", "lukasz.soren.strasse"),
        ("Wu", "wu.delegate"),
        ("王 Fang", "fang"),
        ("Ｚｈａｎｇ", "zhang"),
        ("x" * 60, "x" * 40),
        ("a" * 39 + " b", "a" * 39),
    ],
)
def test_suggest_username(name: str, expected: str) -> None:
    assert suggest_username(name, taken=()) == expected
    assert USERNAME_PATTERN.match(expected)


def test_suggest_username_avoids_taken_names() -> None:
    assert suggest_username("Zhang Wei", {"zhang.wei"}) == "zhang.wei2"
    assert suggest_username("Zhang Wei", {"zhang.wei", "zhang.wei2"}) == "zhang.wei3"
    assert suggest_username("王芳", ["delegate", "Delegate2"]) == "delegate3"
    assert suggest_username("x" * 60, {"x" * 40}) == "x" * 39 + "2"


def test_suggest_username_for_a_whole_class_gives_distinct_valid_names() -> None:
    taken: set[str] = set()
    for name in ["王芳", "王芳", "Wang Fang", "Wang Fang", "王芳", "wang.fang"] * 5:
        username = suggest_username(name, taken)
        assert username not in taken
        assert USERNAME_PATTERN.match(username)
        taken.add(username)
    assert len(taken) == 30


@given(st.text(max_size=120), st.sets(st.text(max_size=45), max_size=5))
def test_suggest_username_always_valid_and_free(name: str, taken: set[str]) -> None:
    username = suggest_username(name, taken | {suggest_username(name, ())})
    assert USERNAME_PATTERN.match(username)
    assert username not in {t.lower() for t in taken}


def test_new_password_shape() -> None:
    password = new_password()
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", password)
    assert set(password.replace("-", "")) <= set(READABLE_ALPHABET)
    assert password_problem(password) is None


def test_new_password_alphabet_has_no_look_alikes() -> None:
    assert not set(READABLE_ALPHABET) & set("0O1lIio")
    assert len(set(READABLE_ALPHABET)) == len(READABLE_ALPHABET) >= 30


def test_new_password_is_random() -> None:
    passwords = {new_password() for _ in range(200)}
    assert len(passwords) == 200
    assert set("".join(passwords).replace("-", "")) == set(READABLE_ALPHABET)
