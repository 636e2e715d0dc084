"""Registry search: ten typical queries against N adopted norms, through the real page.

Builds a fresh database (a temporary SQLite file, or a PostgreSQL database dropped and
recreated), migrates it with `commission db upgrade`, opens commissions from "Cooling Off"
(one per 1,000 norms; every tenth keeps its charter private, the rest are public) and writes N
norms straight into the tables (with their proposals, revisions and authors) in bulk: English
texts built from policy topics and filler words, about one in twelve in Chinese and one in
twenty-five in French. It then asks `GET /norms?q=…` as a visitor through the app in this process
(FastAPI's TestClient: routing, the search queries, the page's rendering; no network), each query
once to warm up and then `--repeat` times, and counts the SQL statements each request runs.

Run it from the repository root:

    .venv/bin/python bench/search.py --db sqlite --norms 100000
    .venv/bin/python bench/search.py --db postgres --norms 100000

`--url` names the PostgreSQL database to (re)create, by default
postgresql://postgres@127.0.0.1:5432/commission_bench_search; with `--db sqlite` a sqlite:///…
URL names the file to use instead of a temporary one (removed afterwards), and a PostgreSQL one
is ignored. `--reuse` measures the database an earlier run left at `--url` again (migrated to
the head first) instead of building it, to compare changes to the search without waiting for
the seeding. The output lists each query's p50,
p99, hit count and statements per request, and ends with one line per run in this fixed form:

search db=sqlite norms=100000 queries=10 p50_ms=12.3 p99_ms=45.6

p50/p99 are over every timed request of every query. Target (issue 5): p50 under 30 ms with a
bounded number of queries.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import fields
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vote_storm import fresh_database, migrate

QUERIES = [
    "critical infrastructure",
    "incident reporting",
    "export controls chips",
    '"human control" nuclear',
    "网络安全",
    "régime de vérification",
    "hotline",
    "deepfake elections",
    "compute thresholds",
    "infra",
]

TOPICS = [
    ("Critical infrastructure", "attacks on critical infrastructure such as power grids"),
    ("Incident reporting", "incident reporting between national contact points within 72 hours"),
    ("Export controls on chips", "export controls on advanced chips and the tools that make them"),
    ("Human control of nuclear decisions", "human control over every nuclear launch decision"),
    ("Crisis hotline", "a hotline staffed at all hours for military AI incidents"),
    ("Deepfakes in elections", "labelling deepfake audio and video during elections"),
    ("Compute thresholds", "compute thresholds above which frontier models are evaluated"),
    ("Model evaluations", "shared evaluations of dangerous capabilities before release"),
    ("Research exchanges", "visas and exchanges for academic researchers"),
    ("Submarine cables", "protection of submarine cables and satellites"),
    ("Vulnerability disclosure", "coordinated disclosure of software vulnerabilities"),
]
CHINESE = [
    ("网络安全事件通报", "双方应建立网络安全事件通报机制，并在七十二小时内通知对方。"),
    ("关键基础设施保护", "双方承诺不攻击对方的电网、供水和医院等关键基础设施。"),
    ("人工智能军事热线", "设立全天候的人工智能军事事件热线。"),
]
FRENCH = [
    ("Régime de vérification", "Un régime commun de vérification des modèles avancés."),
    ("Sécurité des câbles", "La protection des câbles sous-marins et des satellites."),
]
_FILLER = (
    "parties shall should may cooperate review annually notify jointly establish transparency "
    "experts working level confidence building measures mutual trust technical standards "
    "civilian military dual use safeguards audit laboratory frontier capability risk share "
    "information channel commission secretariat periodic report verification baseline trial"
)
FILLER = _FILLER.split()


def norm_texts(n: int, seed: int = 5) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    texts = []
    for i in range(n):
        if i % 12 == 5:
            title, text = CHINESE[(i // 12) % len(CHINESE)]
        elif i % 25 == 7:
            title, text = FRENCH[(i // 25) % len(FRENCH)]
        else:
            title, phrase = TOPICS[i % len(TOPICS)]
            filler = " ".join(rng.choices(FILLER, k=rng.randint(25, 60)))
            text = f"Both sides commit to {phrase}. {filler.capitalize()}."
        texts.append((title, text))
    return texts


def seed(url: str, n: int) -> None:
    """Commissions through the services; proposals, revisions, authors and norms in bulk."""
    from sqlalchemy import insert, select
    from sqlalchemy import text as sql
    from sqlalchemy.orm import Session

    from app.accounts.models import User
    from app.commissions.models import Delegation, Participant, WorkingGroup
    from app.db import get_engine
    from app.norms import search_index
    from app.norms.models import Norm
    from app.proposals.models import Proposal, ProposalAuthor, Revision
    from app.scenarios import service as scenarios

    per_commission = 1000
    texts = norm_texts(n)
    now = datetime.now(UTC)
    indexed = [f.name for f in fields(search_index.IndexedNorm)]
    with Session(get_engine(url)) as session:
        scenarios.ensure_builtin_scenarios(session)
        scenario = scenarios.find_scenario_by_slug(session, "cooling-off")
        assert scenario is not None
        teacher = User(
            username="bench-instructor", display_name="Bench", is_instructor=True, password_hash="!"
        )
        delegates = [
            User(username=f"bench-{c}", display_name=c, password_hash="!") for c in ("us", "prc")
        ]
        session.add_all([teacher, *delegates])
        session.flush()
        next_id = 1
        for c in range(-(-n // per_commission)):
            commission = scenarios.open_commission(session, scenario, f"Class {c + 1}", teacher)
            commission.status = "concluded"
            commission.charter_visibility = "private" if c % 10 == 9 else "public"
            session.flush()
            groups = list(
                session.scalars(
                    select(WorkingGroup).where(WorkingGroup.commission_id == commission.id)
                )
            )
            seats = []
            for user, code in zip(delegates, ("US", "PRC"), strict=True):
                delegation_id = session.scalar(
                    select(Delegation.id).where(
                        Delegation.commission_id == commission.id, Delegation.code == code
                    )
                )
                seat = Participant(
                    commission_id=commission.id, user_id=user.id, delegation_id=delegation_id
                )
                session.add(seat)
                seats.append(seat)
            session.flush()
            batch = list(islice(enumerate(texts), c * per_commission, (c + 1) * per_commission))
            proposals: list[dict[str, Any]] = []
            revisions: list[dict[str, Any]] = []
            authors: list[dict[str, Any]] = []
            norms: list[dict[str, Any]] = []
            numbers = dict.fromkeys((g.id for g in groups), 0)
            for i, (title, text) in batch:
                group = groups[i % len(groups)]
                numbers[group.id] += 1
                number = numbers[group.id]
                code = f"{group.code}-{number}"
                common = {"commission_id": commission.id, "working_group_id": group.id}
                proposals.append({"id": next_id, **common, "title": title, "stage": "adopted"})
                revisions.append(
                    {"id": next_id, "proposal_id": next_id, "number": 1, "title": title}
                    | {"text": text}
                )
                authors.append({"proposal_id": next_id, "participant_id": seats[i % 2].id})
                norms.append(
                    {"id": next_id, **common, "proposal_id": next_id, "revision_id": next_id}
                    | {"number": number, "code": code, "title": title, "text": text}
                    | {"tally": {}, "adopted_at": now}
                )
                next_id += 1
            for model, rows in (
                (Proposal, proposals),
                (Revision, revisions),
                (ProposalAuthor, authors),
                (Norm, norms),
            ):
                session.execute(insert(model), rows)
            # A bulk insert bypasses the ORM events that index each norm; index them here.
            search_index.write(
                session.connection(),
                [search_index.IndexedNorm(**{k: r[k] for k in indexed if k in r}) for r in norms],
            )
        session.commit()
        # After a bulk load the planner needs fresh statistics, as autovacuum (PostgreSQL) or
        # `PRAGMA optimize` (SQLite) would gather on a running installation.
        session.execute(sql("ANALYZE"))
        session.commit()
    get_engine(url).dispose()


def count_norms(url: str) -> int:
    from sqlalchemy import create_engine, func, select

    from app.config import normalize_database_url
    from app.norms.models import Norm

    engine = create_engine(normalize_database_url(url))
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(Norm)) or 0
    finally:
        engine.dispose()


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(url: str, repeat: int) -> list[float]:
    """Every query through the page as a visitor; prints a line per query."""
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from app.config import get_settings
    from app.db import get_engine
    from app.main import create_app

    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(get_engine(get_settings().database_url), "before_cursor_execute", count)
    every: list[float] = []
    with TestClient(create_app()) as client:
        for q in QUERIES:
            warm = client.get("/norms", params={"q": q})
            assert warm.status_code == 200, warm.text[:500]
            hits = warm.text.split('id="registry-count"')[1].split(">", 2)[1].split("<")[0]
            samples = []
            counts = []
            for _ in range(repeat):
                statements = 0
                start = time.perf_counter()
                response = client.get("/norms", params={"q": q})
                samples.append((time.perf_counter() - start) * 1000)
                counts.append(statements)
                assert response.status_code == 200
            every += samples
            print(
                f"  {q!r:28} p50_ms={statistics.median(samples):7.1f} "
                f"p99_ms={percentile(samples, 0.99):7.1f} "
                f"statements={statistics.median(counts):.0f} "
                f"| {' '.join(hits.split())}"
            )
    return every


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--norms", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--url", help="the database to build (or reuse); see above")
    parser.add_argument("--reuse", action="store_true", help="measure the database at --url")
    args = parser.parse_args()
    given = (
        args.url if args.url and args.url.startswith("sqlite") == (args.db == "sqlite") else None
    )
    workdir = None
    if given:
        url = given
    elif args.db == "postgres":
        url = "postgresql://postgres@127.0.0.1:5432/commission_bench_search"
    else:
        workdir = Path(tempfile.mkdtemp(prefix="commission-search-bench-"))
        url = f"sqlite:///{workdir / 'search.db'}"
    if args.reuse and not given:
        parser.error(f"--reuse needs the --url of an earlier {args.db} run")
    try:
        run(parser, args, url)
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def run(parser: argparse.ArgumentParser, args: argparse.Namespace, url: str) -> None:
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-" + "x" * 32)
    os.environ["DATABASE_URL"] = url
    if not args.reuse:
        fresh_database(url)
    migrate(url, timeout=300)
    if args.reuse and (found := count_norms(url)) != args.norms:
        parser.error(f"--reuse: {url} holds {found} norms, not --norms {args.norms}")
    if not args.reuse:
        started = time.perf_counter()
        seed(url, args.norms)
        print(f"seeded {args.norms} norms in {time.perf_counter() - started:.1f} s")
    samples = measure(url, args.repeat)
    print(
        f"search db={args.db} norms={args.norms} queries={len(QUERIES)} "
        f"p50_ms={statistics.median(samples):.1f} p99_ms={percentile(samples, 0.99):.1f}"
    )


if __name__ == "__main__":
    sys.exit(main())
