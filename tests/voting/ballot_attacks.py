"""The attacks on secret ballots of issue 10, against a real server: each says how many voters
it linked to their choice.

The attacks know nothing of how the app stores a secret ballot. They read every table of a
copy of the database and diff it between commits (SQLite's WAL frames), compare transaction
ids (PostgreSQL's `xmin`), read old tuple versions (`pageinspect`), look at the physical
order of rows in a plain dump, and watch what an instructor sees after each ballot. The tests
in test_secret_ballot_attacks.py run them and assert that they link nobody; run alone, this
module prints what each links, so that the figures can be measured on any checkout:

    .venv/bin/python -m tests.voting.ballot_attacks                 # SQLite
    .venv/bin/python -m tests.voting.ballot_attacks --db postgres   # commission_attacks_<user>

The room is the demo's: ten delegates of two delegations in the frontier-technology group,
which the instructor switches to secret ballots (running tallies not hidden, the default).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sqlite3
import struct
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, text

from app.config import normalize_database_url
from app.demo import DEMO_DELEGATES, DEMO_PASSWORD
from tests.servers import ServedApp, api_token, app_environment, run_cli, served_app

CHOICES = ("yes", "no", "abstain")
GROUP = "/commissions/1/groups/frontier-technology"
# Ten ballots, the two delegations in turn, every choice in each delegation.
VOTERS: tuple[tuple[str, str], ...] = (
    ("us-lab", "yes"),
    ("prc-mfa", "no"),
    ("us-state", "yes"),
    ("prc-pla", "abstain"),
    ("us-cyber", "no"),
    ("prc-chips", "yes"),
    ("us-scholar", "abstain"),
    ("prc-tsinghua", "no"),
    ("us-ngo", "yes"),
    ("prc-ngo", "yes"),
)
NAMES = {username: name for username, name, *_rest in DEMO_DELEGATES}


@dataclass(frozen=True)
class Linked:
    """What an attack found: voters paired with a choice, of how many, and how many wrongly;
    `seen` is how many single ballots it watched happen (so that a zero means something)."""

    linked: int
    voters: int
    wrong: int = 0
    seen: int = 0

    def __str__(self) -> str:
        seen = f", watched {self.seen} ballots happen" if self.seen else ""
        return f"linked {self.linked} of {self.voters} ({self.wrong} wrong{seen})"


def score(guesses: dict[int, str], truth: dict[int, str], seen: int = 0) -> Linked:
    right = sum(1 for who, choice in guesses.items() if truth.get(who) == choice)
    return Linked(right, len(truth), len(guesses) - right, seen)


# --- the room ------------------------------------------------------------------------------


class Browser:
    """A signed-in person posting the pages' forms, as a browser without JavaScript."""

    def __init__(self, base_url: str, username: str) -> None:
        self.username = username
        self.client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)
        token = self.csrf("/sign-in")
        response = self.client.post(
            "/sign-in",
            data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 303, response.text

    def csrf(self, page: str) -> str:
        match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', self.client.get(page).text)
        assert match, f"{page} has no form"
        return match.group(1)

    def post(self, page: str, target: str, /, **data: str) -> httpx.Response:
        return self.client.post(target, data={**data, "csrf_token": self.csrf(page)})

    def get(self, page: str) -> str:
        response = self.client.get(page)
        assert response.status_code == 200, (page, response.status_code)
        return response.text


@dataclass
class Room:
    """The demo on a served app, its group voting by secret ballot, everyone signed in."""

    served: ServedApp
    browsers: dict[str, Browser]
    participant_ids: dict[str, int]
    engine: Engine
    token: str = ""
    votes: int = 0

    @property
    def instructor(self) -> Browser:
        return self.browsers["instructor"]

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def truth(self, voters: Sequence[tuple[str, str]] = VOTERS) -> dict[int, str]:
        return {self.participant_ids[u]: c for u, c in voters}

    def open_secret_vote(self) -> tuple[int, int]:
        """A new proposal, sponsored across the line, in debate, then put to a vote."""
        self.votes += 1
        lab, chips, chair = (self.browsers[u] for u in ("us-lab", "prc-chips", "us-state"))
        created = lab.post(
            GROUP,
            GROUP + "/proposals",
            title=f"Shared red-team results, round {self.votes}",
            text="Both sides share the findings of red-team exercises on frontier models.",
        )
        assert created.status_code == 303, created.text
        url = created.headers["location"]
        options = re.search(r'<option value="(\d+)">Chen Jie ', lab.get(url))
        assert options
        assert lab.post(url, url + "/sponsors", participant_id=options.group(1)).is_redirect
        assert chips.post(url, url + "/sponsorship", answer="accept").is_redirect
        assert lab.post(url, url + "/stage", action="table").is_redirect
        assert chair.post(url, url + "/stage", action="open_debate").is_redirect
        assert self.instructor.post(url, url + "/stage", action="open_vote").is_redirect
        found = re.search(r"/votes/(\d+)/close", self.instructor.get(url))
        assert found, "the vote did not open"
        return int(url.rsplit("/", 1)[1]), int(found.group(1))

    def cast(self, proposal_id: int, vote_id: int, username: str, choice: str) -> None:
        url = f"/proposals/{proposal_id}"
        response = self.browsers[username].post(url, f"{url}/votes/{vote_id}/ballot", choice=choice)
        assert response.status_code == 303, response.text

    def close(self, proposal_id: int, vote_id: int) -> None:
        url = f"/proposals/{proposal_id}"
        response = self.instructor.post(url, f"{url}/votes/{vote_id}/close")
        assert response.status_code == 303, response.text

    def vote_all(self, proposal_id: int, vote_id: int, voters: Sequence[tuple[str, str]]) -> None:
        for username, choice in voters:
            self.cast(proposal_id, vote_id, username, choice)


def demo_environment(database_url: str) -> dict[str, str]:
    """The demo written to `database_url`, and the environment its server runs with."""
    env = app_environment(database_url, SWEEP_SECONDS="1")
    run_cli(["demo", "--no-serve"], env, timeout=180)
    return env


@contextmanager
def room(database_url: str) -> Iterator[Room]:
    """`commission serve` on a fresh demo; the frontier-technology group votes in secret."""
    env = demo_environment(database_url)
    engine = create_engine(normalize_database_url(database_url))
    try:
        with served_app(env) as served:
            browsers = {u: Browser(served.base_url, u) for u in ("instructor", *NAMES)}
            changed = browsers["instructor"].post(
                "/commissions/1/manage",
                "/commissions/1/manage/groups/FT",
                voting_rule="double_majority",
                quorum_percent="50",
                ballot_unit="delegate",
                ballot_type="secret",
                sponsorship="every_member_delegation",
                chairs_move_stages="true",
            )
            assert changed.status_code == 303, changed.text
            with engine.connect() as conn:
                ids: dict[Any, Any] = dict(
                    conn.execute(
                        text(
                            "SELECT u.username, p.id FROM participants p"
                            " JOIN users u ON u.id = p.user_id WHERE p.commission_id = 1"
                        )
                    ).all()
                )
            yield Room(served, browsers, {str(k): int(v) for k, v in ids.items()}, engine)
    finally:
        engine.dispose()


# --- SQLite: the WAL, commit by commit -----------------------------------------------------

WAL_HEADER = 32
FRAME_HEADER = 24
WAL_MAGIC = (0x377F0682, 0x377F0683)


def sqlite_file(database_url: str) -> Path:
    return Path(database_url.removeprefix("sqlite:///"))


def copy_database_files(database_url: str, into: Path) -> tuple[Path, Path]:
    """What a file backup takes while the app runs: the database and its WAL."""
    source = sqlite_file(database_url)
    db, wal = into / "copy.db", into / "copy.db-wal"
    shutil.copyfile(source, db)
    if Path(f"{source}-wal").exists():
        shutil.copyfile(f"{source}-wal", wal)
    else:
        wal.write_bytes(b"")
    return db, wal


def wal_commits(database: bytes, wal: bytes) -> list[bytes]:
    """The database file as of each commit recorded in the WAL, oldest first.

    The WAL is a 32-byte header then frames: a 24-byte header (page number, database size in
    pages after the commit, non-zero only on a commit's last frame, two salts that must match
    the header's, two checksums) and one page. Stale frames of an earlier generation carry
    other salts and end the walk.
    """
    if len(wal) < WAL_HEADER:
        return []
    magic, _version, page_size, _seq, salt1, salt2, _c1, _c2 = struct.unpack(
        ">8I", wal[:WAL_HEADER]
    )
    assert magic in WAL_MAGIC, "not a WAL file"
    image, pending, snapshots = bytearray(database), {}, []
    offset = WAL_HEADER
    while offset + FRAME_HEADER + page_size <= len(wal):
        page, size_after, s1, s2, _k1, _k2 = struct.unpack(
            ">6I", wal[offset : offset + FRAME_HEADER]
        )
        if (s1, s2) != (salt1, salt2):
            break
        start = offset + FRAME_HEADER
        pending[page] = wal[start : start + page_size]
        if size_after:
            needed = size_after * page_size
            image.extend(bytes(max(0, needed - len(image))))
            for number, content in pending.items():
                image[(number - 1) * page_size : number * page_size] = content
            del image[needed:]
            pending = {}
            snapshots.append(bytes(image))
        offset = start + page_size
    return snapshots


Tables = dict[str, tuple[tuple[str, ...], Counter[tuple[Any, ...]]]]


def read_tables(image: bytes, workdir: Path) -> Tables:
    """Every table of a database image, read with sqlite3 (as a rollback-journal file)."""
    path = workdir / "snapshot.db"
    data = bytearray(image)
    data[18:20] = b"\x01\x01"  # file format: legacy journal, so no WAL is looked for
    path.write_bytes(bytes(data))
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE '%VIRTUAL%'"
            )
        ]
        tables: Tables = {}
        for name in names:
            with suppress(sqlite3.Error):
                cursor = conn.execute(f'SELECT * FROM "{name}"')
                columns = tuple(d[0] for d in cursor.description)
                tables[name] = (columns, Counter(tuple(r) for r in cursor.fetchall()))
        return tables
    finally:
        conn.close()


def _rows_added(before: Tables, after: Tables, table: str) -> list[dict[str, Any]]:
    if table not in after:
        return []
    columns, rows = after[table]
    added = rows - (before.get(table, ((), Counter()))[1])
    return [dict(zip(columns, row, strict=True)) for row in added.elements()]


Unseal = Callable[[dict[str, Any]], str]


def wal_replay(
    db_path: Path,
    wal_path: Path,
    vote_id: int,
    truth: dict[int, str],
    unseal: Unseal | None = None,
) -> Linked:
    """Rebuild the database after each commit and diff the tables of consecutive commits: a
    commit that adds one receipt of the vote and exactly one choice (a new or changed row in
    any table with a `choice` column) pairs that voter with that choice.

    With `unseal` (an operator holding the server's key), a new sealed ballot is a choice too.
    """
    snapshots = [db_path.read_bytes(), *wal_commits(db_path.read_bytes(), wal_path.read_bytes())]
    guesses: dict[int, str] = {}
    seen = 0
    with tempfile.TemporaryDirectory(prefix="wal-replay-") as workdir:
        previous = read_tables(snapshots[0], Path(workdir))
        for image in snapshots[1:]:
            current = read_tables(image, Path(workdir))
            voters = [
                r["participant_id"]
                for r in _rows_added(previous, current, "ballot_receipts")
                if r["vote_id"] == vote_id
            ]
            choices = {
                r["choice"]
                for table, (columns, _rows) in current.items()
                if "choice" in columns and "vote_id" in columns
                for r in _rows_added(previous, current, table)
                if r["vote_id"] == vote_id
            }
            if unseal is not None:
                choices |= {
                    unseal(r)
                    for r in _rows_added(previous, current, "sealed_ballots")
                    if r["vote_id"] == vote_id
                }
            seen += len(voters) == 1
            if len(voters) == 1 and len(choices) == 1:
                guesses[voters[0]] = choices.pop()
            previous = current
    return score(guesses, truth, seen)


# --- PostgreSQL: transaction ids and old tuple versions ----------------------------------


def _choice_tables(conn: Any) -> list[str]:
    """The tables that hold a choice for a vote: what an attacker with a schema would read."""
    return [
        str(name)
        for (name,) in conn.execute(
            text(
                "SELECT c.table_name FROM information_schema.columns c"
                " JOIN information_schema.columns v ON v.table_name = c.table_name"
                " AND v.table_schema = c.table_schema AND v.column_name = 'vote_id'"
                " WHERE c.table_schema = 'public' AND c.column_name = 'choice'"
            )
        )
    ]


def _receipt_xids(conn: Any, vote_id: int) -> dict[str, int]:
    return {
        str(x): int(p)
        for x, p in conn.execute(
            text("SELECT xmin::text, participant_id FROM ballot_receipts WHERE vote_id = :v"),
            {"v": vote_id},
        )
    }


def xmin_pairing(engine: Engine, vote_id: int, truth: dict[int, str]) -> Linked:
    """Plain SQL, no special rights: a row holding a choice that was written by the same
    transaction as a receipt gives that voter's choice."""
    guesses: dict[int, str] = {}
    with engine.connect() as conn:
        receipts = _receipt_xids(conn, vote_id)
        for table in _choice_tables(conn):
            for xid, choice in conn.execute(
                text(f"SELECT xmin::text, choice FROM {table} WHERE vote_id = :v"),
                {"v": vote_id},
            ):
                if str(xid) in receipts:
                    guesses[receipts[str(xid)]] = str(choice)
    return score(guesses, truth)


def sealed_xmin_pairing(
    engine: Engine, vote_id: int, truth: dict[int, str], unseal: Unseal
) -> Linked:
    """An operator with the server's key: the sealed ballot written by a receipt's
    transaction, opened."""
    guesses: dict[int, str] = {}
    with engine.connect() as conn:
        receipts = _receipt_xids(conn, vote_id)
        for row in conn.execute(
            text(
                "SELECT xmin::text AS xmin, vote_id, delegation_id, sealed FROM sealed_ballots"
                " WHERE vote_id = :v"
            ),
            {"v": vote_id},
        ):
            if row.xmin in receipts:
                guesses[receipts[row.xmin]] = unseal(row._asdict())
    return score(guesses, truth)


def _decode(kind: str, raw: bytes | None) -> Any:
    """One attribute of a heap tuple, as tuple_data_split returns it."""
    if raw is None:
        return None
    if kind == "int4":
        return int.from_bytes(raw[:4], "little", signed=True)
    if kind in ("varchar", "text"):
        if raw[0] & 0x01:  # a short (1-byte) varlena header
            return raw[1 : raw[0] >> 1].decode(errors="replace")
        return raw[4:].decode(errors="replace")
    return raw


def tuple_versions(engine: Engine, table: str) -> list[tuple[str, dict[str, Any], bytes]]:
    """Every tuple on the table's pages, dead versions too: (t_xmin, decoded row, raw data)."""
    with engine.connect() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        conn.commit()
        attributes = conn.execute(
            text(
                "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t"
                " ON t.oid = a.atttypid WHERE a.attrelid = CAST(:t AS regclass)"
                " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
            ),
            {"t": table},
        ).all()
        blocks = int(
            conn.scalar(text("SELECT pg_relation_size(CAST(:t AS regclass)) / 8192"), {"t": table})
        )
        versions = []
        for block in range(blocks):
            for xmin, parts, data in conn.execute(
                text(
                    "SELECT t_xmin::text, tuple_data_split(CAST(:t AS regclass), t_data,"
                    " t_infomask, t_infomask2, t_bits), t_data"
                    " FROM heap_page_items(get_raw_page(:t, :b)) WHERE t_data IS NOT NULL"
                ),
                {"t": table, "b": block},
            ):
                row = {
                    name: _decode(kind, None if raw is None else bytes(raw))
                    for (name, kind), raw in zip(attributes, parts, strict=True)
                }
                versions.append((str(xmin), row, bytes(data)))
        return versions


def raw_pages(engine: Engine, table: str) -> bytes:
    """The table's pages, byte for byte, free space included (what a file copy holds)."""
    with engine.connect() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        conn.commit()
        blocks = int(
            conn.scalar(text("SELECT pg_relation_size(CAST(:t AS regclass)) / 8192"), {"t": table})
        )
        return b"".join(
            bytes(conn.scalar(text("SELECT get_raw_page(:t, :b)"), {"t": table, "b": b}))
            for b in range(blocks)
        )


def pageinspect_pairing(engine: Engine, vote_id: int, truth: dict[int, str]) -> Linked:
    """Superuser: each tuple version holding a choice, live or dead, was written by some
    transaction; the receipt written by the same transaction names the voter."""
    with engine.connect() as conn:
        receipts = _receipt_xids(conn, vote_id)
        tables = _choice_tables(conn)
    guesses: dict[int, str] = {}
    for table in tables:
        for xmin, row, _data in tuple_versions(engine, table):
            if row.get("vote_id") == vote_id and xmin in receipts and row.get("choice"):
                guesses[receipts[xmin]] = str(row["choice"])
    return score(guesses, truth)


# --- a plain dump: the physical order of rows ----------------------------------------------


def dumped_rows(database_url: str, table: str) -> list[dict[str, Any]]:
    """A table's rows in the order a plain dump writes them (`pg_dump`, sqlite3's .dump)."""
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(sqlite_file(database_url))
        try:
            names = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            prefix = f'INSERT INTO "{table}" VALUES('
            inserted: list[dict[str, Any]] = []
            for line in conn.iterdump():
                if line.startswith(prefix):
                    values = line[len(prefix) : -2].split(",")
                    inserted.append(dict(zip(names, (v.strip("'") for v in values), strict=True)))
            return inserted
        finally:
            conn.close()
    dump = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            f"--table={table}",
            normalize_database_url(database_url).replace("postgresql+psycopg://", "postgresql://"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows: list[dict[str, Any]] = []
    columns: list[str] | None = None
    for line in dump.splitlines():
        if line.startswith(f"COPY public.{table} "):
            columns = [c.strip() for c in line.split("(", 1)[1].split(")", 1)[0].split(",")]
        elif line == "\\.":
            columns = None
        elif columns is not None:
            rows.append(dict(zip(columns, line.split("\t"), strict=True)))
    return rows


def counts_in_dump_order(database_url: str, vote_id: int) -> list[tuple[int, str]]:
    return [
        (int(r["delegation_id"]), r["choice"])
        for r in dumped_rows(database_url, "secret_ballot_counts")
        if int(r["vote_id"]) == vote_id
    ]


def creation_order(rows: Sequence[tuple[int, str]]) -> list[tuple[int, str]]:
    """The order counters created all at once are in: each delegation's together, its
    choices in their usual order (the delegations in the order they first appear)."""
    delegations = list(dict.fromkeys(d for d, _c in rows))
    return sorted(rows, key=lambda r: (delegations.index(r[0]), CHOICES.index(r[1])))


def dump_order_pairing(database_url: str, vote_id: int, truth: dict[int, str]) -> Linked:
    """Rows written together and then updated move to the end of the heap: when the dump is
    out of creation order, its last counter is the one the last voter (the last receipt)
    incremented."""
    counts = counts_in_dump_order(database_url, vote_id)
    receipts = [
        int(r["participant_id"])
        for r in dumped_rows(database_url, "ballot_receipts")
        if int(r["vote_id"]) == vote_id
    ]
    guesses: dict[int, str] = {}
    if counts and receipts and counts != creation_order(counts):
        guesses[receipts[-1]] = counts[-1][1]
    return score(guesses, truth)


# --- the instructor watching -----------------------------------------------------------------


class Stream(threading.Thread):
    """The instructor's live stream, read in the background: (event name, data) in order."""

    def __init__(self, base_url: str, cookies: httpx.Cookies) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(
            base_url=base_url, cookies=cookies, timeout=httpx.Timeout(30, read=None)
        )
        self.events: list[tuple[str, str]] = []
        self.connected = threading.Event()
        self.lock = threading.Lock()

    def run(self) -> None:
        with (
            suppress(httpx.HTTPError),
            self.client.stream("GET", "/commissions/1/events") as response,
        ):
            name, data = "", []
            for line in response.iter_lines():
                if line.startswith("event: "):
                    name = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    data.append(line.removeprefix("data: "))
                elif line == "":
                    if name == "connected":
                        self.connected.set()
                    with self.lock:
                        self.events.append((name, "\n".join(data)))
                    name, data = "", []

    def wait_for(self, name: str, after: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if any(n == name for n, _d in self.events[after:]):
                    return
            time.sleep(0.05)
        raise AssertionError(f"no {name} event on the stream")

    def latest(self, name: str) -> str:
        with self.lock:
            return next((d for n, d in reversed(self.events) if n == name), "")

    def stop(self) -> None:
        self.client.close()


TALLY_ROW = re.compile(
    r'tally-row__name">([^<]+)</p>.*?<span>Yes (\d+)</span> <span>No (\d+)</span>'
    r" <span>Abstain (\d+)</span>",
    re.S,
)
ANNOUNCED = re.compile(r"Tally: (\d+) yes, (\d+) no, (\d+) abstain")


def _tallies(source: str, html: str) -> Counter[tuple[str, str, str]]:
    found: Counter[tuple[str, str, str]] = Counter()
    for name, *figures in TALLY_ROW.findall(html):
        for choice, figure in zip(CHOICES, figures, strict=True):
            found[(source, name, choice)] = int(figure)
    for figures in ANNOUNCED.findall(html):
        for choice, figure in zip(CHOICES, figures, strict=True):
            found[(source + "-announced", "all", choice)] = int(figure)
    return found


def vote_section(html: str, proposal_id: int) -> str:
    match = re.search(rf'id="proposal-{proposal_id}-vote".*?</section>', html, re.S)
    return match.group(0) if match else ""


def not_yet_voted(dashboard: str, proposal_id: int) -> set[str]:
    start = dashboard.find(f'<a href="/proposals/{proposal_id}">')
    assert start >= 0, "the dashboard does not show the vote"
    card = dashboard[start:].split("card__title", 1)[0]
    match = re.search(r"Not yet voted:</?\w*>?\s*([^<]*)</p>", card) or re.search(
        r"Not yet voted: ([^<]*)</p>", card
    )
    return {n.strip() for n in match.group(1).split(",")} if match else set()


def _normalized(html: str, proposal_id: int, vote_id: int) -> str:
    html = re.sub(r'value="[0-9a-f]{32,}"', 'value="csrf"', html)
    html = html.replace(f"/votes/{vote_id}/", "/votes/V/").replace(f"proposal-{proposal_id}-", "")
    return html.replace(f"/proposals/{proposal_id}", "/proposals/P")


@dataclass
class Watch:
    """What the instructor could see after each ballot, and whom it gave away."""

    result: Linked
    views: list[str] = field(default_factory=list)


def watch_the_room(
    room: Room, proposal_id: int, vote_id: int, voters: Sequence[tuple[str, str]] = VOTERS
) -> Watch:
    """As the instructor, after every ballot: the dashboard, the vote page, the API and the
    stream. The name that left "Not yet voted" cast the ballot; a choice whose count went up
    anywhere is what they chose."""
    if not room.token:
        room.token = api_token(room.instructor.client)
    stream = Stream(room.served.base_url, room.instructor.client.cookies)
    stream.start()
    assert stream.connected.wait(20), "the stream did not open"
    ids = {NAMES[u]: room.participant_ids[u] for u, _c in voters}
    page, api = f"/proposals/{proposal_id}", f"/api/v1/proposals/{proposal_id}/vote"

    def look() -> tuple[set[str], Counter[tuple[str, str, str]], str]:
        waiting = not_yet_voted(room.instructor.get("/commissions/1/dashboard"), proposal_id)
        html = vote_section(room.instructor.get(page), proposal_id)
        shown = room.instructor.client.get(
            api, headers={"Authorization": f"Bearer {room.token}"}
        ).json()
        seen = _tallies("page", html) + _tallies(
            "stream", stream.latest(f"proposal-{proposal_id}-tally")
        )
        seen += _tallies("announce", stream.latest(f"proposal-{proposal_id}-announce"))
        for d in shown.get("by_delegation", []):
            for choice in CHOICES:
                seen[("api", d["name"], choice)] = d.get(choice) or 0
        api_view = {
            k: v
            for k, v in shown.items()
            if k not in ("id", "opened_at", "deadline", "closed_at", "amendment_id", "round")
        }
        view = "\n".join(
            (
                _normalized(html, proposal_id, vote_id),
                json.dumps(api_view, sort_keys=True),
                _normalized(stream.latest(f"proposal-{proposal_id}-tally"), proposal_id, vote_id),
                stream.latest(f"proposal-{proposal_id}-announce"),
            )
        )
        return waiting, seen, view

    guesses: dict[int, str] = {}
    views = []
    watched = 0
    try:
        waiting, seen, _view = look()
        for username, choice in voters:
            mark = len(stream.events)
            room.cast(proposal_id, vote_id, username, choice)
            stream.wait_for(f"proposal-{proposal_id}-tally", mark)
            now_waiting, now_seen, view = look()
            views.append(view)
            gone = waiting - now_waiting
            went_up = {key[2] for key in now_seen if now_seen[key] > seen[key]}
            watched += len(gone) == 1
            if len(gone) == 1 and len(went_up) == 1:
                guesses[ids[gone.pop()]] = went_up.pop()
            waiting, seen = now_waiting, now_seen
    finally:
        stream.stop()
    return Watch(score(guesses, room.truth(voters), watched), views)


# --- measuring ------------------------------------------------------------------------------


def wait_for_scrub(engine: Engine, timeout: float = 30) -> bool:
    """Whether every closed vote's scrub has run (the column exists only where scrubs do)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            try:
                pending = conn.scalar(text("SELECT count(*) FROM votes WHERE scrub_pending"))
            except Exception:
                return False
        if not pending:
            return True
        time.sleep(0.2)
    return False


def _key_holder(r: Room, vote_id: int) -> Unseal | None:
    """How an operator holding SECRET_KEY opens a sealed ballot, where ballots are sealed."""
    try:
        from app.voting import sealing
    except ImportError:  # a checkout from before ballots were sealed
        return None
    key = r.served.env["SECRET_KEY"]
    return lambda row: sealing.unseal(key, vote_id, int(row["delegation_id"]), bytes(row["sealed"]))


def measure(database_url: str) -> list[str]:
    """Every attack once against the checkout this runs from; one line each."""
    lines = []
    with room(database_url) as r:
        truth = r.truth()
        proposal_id, vote_id = r.open_secret_vote()
        watched = watch_the_room(r, proposal_id, vote_id)
        lines.append(f"live observer (dashboard, vote page, API, stream): {watched.result}")
        unseal = _key_holder(r, vote_id)
        if r.is_sqlite:
            with tempfile.TemporaryDirectory(prefix="wal-copy-") as scratch:
                db, wal = copy_database_files(database_url, Path(scratch))
                lines.append(
                    f"SQLite WAL-frame replay, copy during the vote: "
                    f"{wal_replay(db, wal, vote_id, truth)}"
                )
                if unseal is not None:
                    lines.append(
                        "SQLite WAL-frame replay with SECRET_KEY, copy during the vote: "
                        f"{wal_replay(db, wal, vote_id, truth, unseal)}"
                    )
        else:
            if unseal is not None:
                lines.append(
                    "PostgreSQL xmin of sealed ballots with SECRET_KEY, during the vote: "
                    f"{sealed_xmin_pairing(r.engine, vote_id, truth, unseal)}"
                )
            lines.append(
                f"PostgreSQL xmin, during the vote: {xmin_pairing(r.engine, vote_id, truth)}"
            )
            lines.append(
                f"PostgreSQL pageinspect, during the vote: "
                f"{pageinspect_pairing(r.engine, vote_id, truth)}"
            )
        r.close(proposal_id, vote_id)
        wait_for_scrub(r.engine)
        lines.append(
            f"dump row order, after close: {dump_order_pairing(database_url, vote_id, truth)}"
        )
        if not r.is_sqlite:
            lines.append(f"PostgreSQL xmin, after close: {xmin_pairing(r.engine, vote_id, truth)}")
            lines.append(
                f"PostgreSQL pageinspect, after close: "
                f"{pageinspect_pairing(r.engine, vote_id, truth)}"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/commission_attacks")
    args = parser.parse_args()
    if args.db == "sqlite":
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='commission-attacks-')) / 'attacks.db'}"
    else:
        from tests.conftest import ensure_postgres_database

        url = args.url
        ensure_postgres_database(url)
        engine = create_engine(normalize_database_url(url))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    for line in measure(url):
        print(line)


if __name__ == "__main__":
    main()
