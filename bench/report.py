"""Report bench: how long the after-action report takes for a big commission, and in how many
queries.

Each run builds a fresh database (a temporary SQLite file, or a PostgreSQL database dropped and
recreated), migrates it with Alembic, and seeds one commission opened from "Cooling Off" with an
instructor, P delegates (half United States, half China, sectors in turn, every working group)
and M proposals spread over the three working groups with a mix of outcomes: adopted, rejected,
withdrawn, in debate, tabled and drafts. Decided proposals had a closed vote (seven in ten
roll-call, the rest secret) in which every delegate voted; proposals that reached debate have
arguments (a few hidden) and some amendments; each delegate wrote caucus messages; the activity
log holds an entry for each of these, spread over a ninety-minute session. Rows go in by bulk
INSERTs, not through the app.

It then signs in as the instructor through FastAPI's TestClient (the app in this process, on the
same database) and times R requests of GET /commissions/{id}/report after two warm-up requests,
counting the SQL statements of each with a `before_cursor_execute` listener.

    .venv/bin/python -m bench.report                 # SQLite
    .venv/bin/python -m bench.report --db postgres   # postgresql://…/commission_bench_report

The output ends with one line, in this fixed form so that runs can be compared:

report db=sqlite participants=60 proposals=500 requests=20 p50_ms=41.2 p99_ms=55.0 queries=14

`queries` is the most statements any one timed request ran. Target (issue 5): p99 under 300 ms
with 60 participants and 500 proposals, and a number of queries that does not grow with them.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, insert, select
from sqlalchemy.orm import Session

from app import models  # noqa: F401 - every mapper registered before the first query
from app.accounts import service as accounts
from app.accounts.models import User
from app.activity.models import Activity
from app.caucus.models import CaucusMessage
from app.cli import alembic_config
from app.commissions import service as commissions
from app.commissions.models import (
    Delegation,
    Participant,
    Sector,
    WorkingGroup,
    WorkingGroupMembership,
)
from app.config import get_settings, normalize_database_url
from app.db import get_engine
from app.main import create_app
from app.proposals.models import (
    Amendment,
    Argument,
    Proposal,
    ProposalAuthor,
    Revision,
    Sponsorship,
)
from app.scenarios import service as scenarios
from app.voting.models import BallotReceipt, RollCallBallot, SecretBallotCount, Vote
from bench.vote_storm import cheap_password_hashing, fresh_database, percentile

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/commission_bench_report"
PASSWORD = "report bench password"
SESSION_MINUTES = 90
STAGES = (  # (stage, share of proposals)
    ("adopted", 0.35),
    ("rejected", 0.25),
    ("withdrawn", 0.10),
    ("debate", 0.15),
    ("tabled", 0.10),
    ("draft", 0.05),
)
CHOICES = ("yes", "no", "abstain")


def migrate(url: str) -> None:
    """Build the schema with the migrations, as tests/conftest.py reset_database does."""
    config = alembic_config()
    config.attributes["configure_logging"] = False
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")


def seed(engine: Engine, participants: int, proposals: int, rng: random.Random) -> int:
    """The commission and everything said and voted in it; returns the commission id."""
    with cheap_password_hashing(), Session(engine) as session, session.begin():
        instructor = accounts.create_user(
            session,
            username="instructor",
            display_name="Bench Instructor",
            password=PASSWORD,
            is_instructor=True,
        )
        return _seed(session, instructor, participants, proposals, rng)


def _seed(session: Session, instructor: User, n: int, m: int, rng: random.Random) -> int:
    scenarios.ensure_builtin_scenarios(session)
    scenario = scenarios.find_scenario_by_slug(session, "cooling-off")
    assert scenario is not None
    commission = scenarios.open_commission(session, scenario, "Report bench", instructor)
    commissions.start_session(commission)
    cid = commission.id
    delegations = list(session.scalars(select(Delegation).where(Delegation.commission_id == cid)))
    us, prc = (next(d for d in delegations if d.code == code) for code in ("US", "PRC"))
    sectors = list(session.scalars(select(Sector).where(Sector.commission_id == cid)))
    groups = list(session.scalars(select(WorkingGroup).where(WorkingGroup.commission_id == cid)))
    start = datetime.now(UTC) - timedelta(minutes=SESSION_MINUTES + 5)

    def at() -> datetime:
        return start + timedelta(seconds=rng.uniform(0, SESSION_MINUTES * 60))

    password_hash = instructor.password_hash  # one hash for all: nobody signs in as them
    user_ids = session.scalars(
        insert(User).returning(User.id, sort_by_parameter_order=True),
        [
            {
                "username": f"delegate-{i:03d}",
                "display_name": f"Delegate {i:03d}",
                "password_hash": password_hash,
            }
            for i in range(n)
        ],
    ).all()
    seats = [
        {
            "commission_id": cid,
            "user_id": user_id,
            "role": "delegate",
            "delegation_id": (us if i < n // 2 else prc).id,
            "sector_id": sectors[i % len(sectors)].id,
        }
        for i, user_id in enumerate(user_ids)
    ]
    people = session.scalars(
        insert(Participant).returning(Participant.id, sort_by_parameter_order=True), seats
    ).all()
    seat_of = dict(zip(people, seats, strict=True))
    session.execute(
        insert(WorkingGroupMembership),
        [{"participant_id": p, "working_group_id": g.id} for p in people for g in groups],
    )

    stages = [s for s, share in STAGES for _ in range(round(share * m))][:m]
    stages += ["adopted"] * (m - len(stages))
    rows = []
    for k, stage in enumerate(stages):
        rows.append(
            {
                "commission_id": cid,
                "working_group_id": groups[k % len(groups)].id,
                "title": f"Proposal {k}: notify before testing near each other's networks",
                "stage": stage,
                "created_by_id": rng.choice(people),
                "created_at": at(),
            }
        )
    proposal_ids = session.scalars(
        insert(Proposal).returning(Proposal.id, sort_by_parameter_order=True), rows
    ).all()
    activity: list[dict[str, Any]] = []

    def log(kind: str, actor: int | None, proposal: dict[str, Any] | None, **data: Any) -> None:
        activity.append(
            {
                "commission_id": cid,
                "kind": kind,
                "actor_id": actor,
                "proposal_id": proposal["id"] if proposal else None,
                "working_group_id": proposal["working_group_id"] if proposal else None,
                "delegation_id": data.pop("delegation_id", None),
                "data": data,
                "created_at": at(),
            }
        )

    authors, sponsors, revisions, arguments, amendments, votes = [], [], [], [], [], []
    for proposal_id, row in zip(proposal_ids, rows, strict=True):
        row["id"] = proposal_id
        author = row["created_by_id"]
        authors.append({"proposal_id": proposal_id, "participant_id": author})
        revisions.append(
            {"proposal_id": proposal_id, "number": 1, "title": row["title"], "text": "Text."}
        )
        log("proposal.drafted", author, row)
        if row["stage"] == "draft":
            continue
        other = [p for p in rng.sample(people, 4) if p != author][:2]
        sponsors += [
            {"proposal_id": proposal_id, "participant_id": p, "status": "accepted"} for p in other
        ]
        log("proposal.tabled", author, row)
        if row["stage"] in ("tabled", "withdrawn"):
            if row["stage"] == "withdrawn":
                log("proposal.withdrawn", author, row)
            continue
        log("debate.opened", None, row)
        for _ in range(rng.randint(3, 10)):
            speaker = rng.choice(people)
            hidden = rng.random() < 0.03
            arguments.append(
                {
                    "proposal_id": proposal_id,
                    "author_id": speaker,
                    "stance": rng.choice(("support", "oppose", "question", "note")),
                    "body": "An argument.",
                    "created_at": at(),
                    "hidden_at": at() if hidden else None,
                    "hidden_reason": "Off topic." if hidden else None,
                }
            )
            log("argument.posted", speaker, row)
        if rng.random() < 0.4:
            amendments.append(
                {
                    "proposal_id": proposal_id,
                    "author_id": rng.choice(people),
                    "base_revision_number": 1,
                    "text": "Amended text.",
                }
            )
        if row["stage"] in ("adopted", "rejected"):
            votes.append(
                {
                    "proposal_id": proposal_id,
                    "round": 1,
                    "voting_rule": "double_majority",
                    "quorum": 0.5,
                    "ballot_unit": "delegate",
                    "ballot_type": "roll_call" if rng.random() < 0.7 else "secret",
                    "opened_at": at(),
                    "closed_at": at(),
                    "adopted": row["stage"] == "adopted",
                    "result": {},
                }
            )
            log("vote.opened", None, row)
            log("vote.closed", None, row, adopted=row["stage"] == "adopted")
            if row["stage"] == "adopted":
                log("norm.adopted", None, row, norm=f"N-{proposal_id}")
    session.execute(insert(ProposalAuthor), authors)
    session.execute(insert(Sponsorship), sponsors)
    session.execute(insert(Revision), revisions)
    session.execute(insert(Argument), arguments)
    session.execute(insert(Amendment), amendments)
    vote_ids = session.scalars(
        insert(Vote).returning(Vote.id, sort_by_parameter_order=True), votes
    ).all()

    receipts, ballots, secret = [], [], []
    by_proposal = {row["id"]: row for row in rows}
    for vote_id, vote in zip(vote_ids, votes, strict=True):
        counts: dict[tuple[int, str], int] = {}
        for p in people:
            choice = rng.choice(CHOICES)
            delegation = seat_of[p]["delegation_id"]
            receipts.append({"vote_id": vote_id, "participant_id": p, "delegation_id": delegation})
            log("ballot.cast", p, by_proposal[vote["proposal_id"]], vote=vote_id)
            if vote["ballot_type"] == "roll_call":
                ballots.append(
                    {
                        "vote_id": vote_id,
                        "participant_id": p,
                        "delegation_id": delegation,
                        "sector_id": seat_of[p]["sector_id"],
                        "choice": choice,
                    }
                )
            else:
                counts[(delegation, choice)] = counts.get((delegation, choice), 0) + 1
        secret += [
            {"vote_id": vote_id, "delegation_id": d, "choice": c, "count": counts.get((d, c), 0)}
            for d in (us.id, prc.id)
            for c in CHOICES
        ]
    session.execute(insert(BallotReceipt), receipts)
    session.execute(insert(RollCallBallot), ballots)
    session.execute(insert(SecretBallotCount), secret)
    messages = []
    for p in people:
        for _ in range(rng.randint(2, 15)):
            delegation = seat_of[p]["delegation_id"]
            messages.append({"delegation_id": delegation, "author_id": p, "body": "Hold firm."})
            log("caucus.message", p, None, delegation_id=delegation)
    session.execute(insert(CaucusMessage), messages)
    for inject in range(6):
        log("inject.published", None, None, inject=inject, title=f"Inject {inject}")
    session.execute(insert(Activity), sorted(activity, key=lambda a: a["created_at"]))
    return cid


def time_report(url: str, commission_id: int, requests: int) -> tuple[list[float], int]:
    """Milliseconds per request, and the most SQL statements one request ran."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "report-bench-secret-" + "x" * 32)
    get_settings.cache_clear()
    get_engine.cache_clear()
    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    event.listen(get_engine(get_settings().database_url), "before_cursor_execute", count)
    path = f"/commissions/{commission_id}/report"
    # Not entered as a context manager: without the lifespan no background sweeper runs queries
    # on the same engine, so every statement counted belongs to the timed request.
    client = TestClient(create_app(), base_url="http://testserver")
    page = client.get("/sign-in").text
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    assert token, "the sign-in page has no CSRF token"
    signed = client.post(
        "/sign-in",
        data={"username": "instructor", "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text[:500]
    for _ in range(2):
        assert client.get(path).status_code == 200
    times, most = [], 0
    for _ in range(requests):
        statements[0] = 0
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text[:500]
        most = max(most, statements[0])
    return times, most


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--url", default=DEFAULT_POSTGRES_URL, help="PostgreSQL database")
    parser.add_argument("--participants", type=int, default=60)
    parser.add_argument("--proposals", type=int, default=500)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="commission-report-bench-"))
    url = args.url if args.db == "postgres" else f"sqlite:///{workdir / 'report.db'}"
    fresh_database(url)
    migrate(normalize_database_url(url))
    engine = create_engine(normalize_database_url(url))
    started = time.perf_counter()
    commission_id = seed(engine, args.participants, args.proposals, random.Random(args.seed))
    engine.dispose()
    print(f"seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    times, queries = time_report(url, commission_id, args.requests)
    print(
        f"report db={args.db} participants={args.participants} proposals={args.proposals}"
        f" requests={args.requests} p50_ms={percentile(times, 0.5):.1f}"
        f" p99_ms={percentile(times, 0.99):.1f} queries={queries}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
