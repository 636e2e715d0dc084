"""The registry at /norms: full-text search on either database, filters, pages and visibility."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.commissions.models import Commission, Participant, WorkingGroup
from app.norms import registry
from app.norms.models import Norm
from app.norms.registry import RegistryQuery
from app.proposals.models import Proposal, ProposalAuthor, Revision
from app.scenarios import service as scenarios
from app.voting import service as voting
from tests.conftest import Cast, QueryCounter, is_postgres, make_user, sign_in
from tests.proposals.helpers import acting, open_vote_of, to_stage


def add_norm(
    db: Session,
    commission: Commission,
    title: str,
    text: str,
    *,
    group: str = "FT",
    author: Participant | None = None,
) -> Norm:
    """An adopted norm written straight into the tables, as an archive import would."""
    wg = db.scalar(
        select(WorkingGroup).where(
            WorkingGroup.commission_id == commission.id, WorkingGroup.code == group
        )
    )
    assert wg is not None
    proposal = Proposal(
        commission_id=commission.id, working_group_id=wg.id, title=title, stage="adopted"
    )
    db.add(proposal)
    db.flush()
    revision = Revision(proposal_id=proposal.id, number=1, title=title, text=text)
    db.add(revision)
    if author is not None:
        db.add(ProposalAuthor(proposal_id=proposal.id, participant_id=author.id))
    number = (
        db.scalar(select(func.max(Norm.number)).where(Norm.working_group_id == wg.id)) or 0
    ) + 1
    db.flush()
    norm = Norm(
        commission_id=commission.id,
        working_group_id=wg.id,
        proposal_id=proposal.id,
        revision_id=revision.id,
        number=number,
        code=f"{group}-{number}",
        title=title,
        text=text,
    )
    db.add(norm)
    db.flush()
    return norm


def another_commission(db: Session, cast: Cast, title: str, visibility: str) -> Commission:
    scenario = scenarios.find_scenario_by_slug(db, "cooling-off")
    assert scenario is not None
    commission = scenarios.open_commission(db, scenario, title, cast.instructor)
    commission.charter_visibility = visibility
    db.flush()
    return commission


def codes(db: Session, user: User | None = None, **query: object) -> list[str]:
    page = registry.search(db, user, RegistryQuery(**query))  # type: ignore[arg-type]
    return [h.norm.title for h in page.hits]


@pytest.fixture
def public(db: Session, cast: Cast) -> Commission:
    cast.commission.charter_visibility = "public"
    db.flush()
    return cast.commission


def test_words_in_any_order_and_a_title_match_ranks_first(db: Session, public: Commission) -> None:
    add_norm(db, public, "Incident hotline", "Protect critical infrastructure from attacks.")
    add_norm(db, public, "Critical infrastructure", "Neither side attacks power grids.")
    add_norm(db, public, "Chip exports", "Licences for advanced chips are published.")
    assert codes(db, q="infrastructure critical") == ["Critical infrastructure", "Incident hotline"]
    assert codes(db, q='"critical infrastructure"') == [
        "Critical infrastructure",
        "Incident hotline",
    ]
    assert codes(db, q='"infrastructure critical"') == []
    assert codes(db, q="grids") == ["Critical infrastructure"]
    assert codes(db, q="nothing-like-this") == []


@pytest.fixture(params=["walk", "index"])
def found_by(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """PostgreSQL finds a search's newest matches by walking the newest entries, or through the
    GIN index when too few lie within the walk's window: both ways must find the same hits."""
    if request.param == "index" and not is_postgres():
        pytest.skip("SQLite has one way: FTS5 ranks every match")
    monkeypatch.setattr(registry, "RECENT_WINDOW", 10_000 if request.param == "walk" else 1)
    return str(request.param)


def test_past_the_count_limit_the_newest_matches_are_ranked(
    db: Session, public: Commission, monkeypatch: pytest.MonkeyPatch, found_by: str
) -> None:
    monkeypatch.setattr(registry, "COUNT_LIMIT", 3)  # so the hits are the 4 counted
    add_norm(db, public, "Hotline between capitals", "A hotline for leaders.")
    for i in range(1, 5):
        add_norm(db, public, f"Norm {i}", "Both sides keep a hotline open.")
        add_norm(db, public, f"Chip rule {i}", "Licences for chips are published.")
    add_norm(db, public, "Crisis hotline", "Staffed at all hours.")
    found = registry.search(db, None, RegistryQuery(q="hotline"))
    assert found.more_than_counted
    titles = [h.norm.title for h in found.hits]
    if is_postgres():
        # The four newest matches are ranked: the title match first, then the newest.
        assert titles == ["Crisis hotline", "Norm 4", "Norm 3", "Norm 2"]
    else:
        # FTS5 ranks every match: both title matches come first.
        assert set(titles[:2]) == {"Crisis hotline", "Hotline between capitals"}
        assert len(titles) == 4
    newest = ["Crisis hotline", "Norm 4", "Norm 3", "Norm 2"]
    assert codes(db, q="hotline", sort="newest") == newest
    assert codes(db, q="hotline", sort="oldest") == [
        "Hotline between capitals",
        "Norm 1",
        "Norm 2",
        "Norm 3",
    ]
    assert codes(db, q="hotline", sort="code") == [
        "Hotline between capitals",
        "Norm 1",
        "Norm 2",
        "Norm 3",
    ]
    assert codes(db) == ["Crisis hotline", "Chip rule 4", "Norm 4", "Chip rule 3"]


def test_the_newest_matches_are_among_what_the_viewer_may_read_and_the_filters(
    db: Session, cast: Cast, public: Commission, monkeypatch: pytest.MonkeyPatch, found_by: str
) -> None:
    monkeypatch.setattr(registry, "COUNT_LIMIT", 1)  # two hits: the newest two that qualify
    us, prc = cast.participants["ursula"], cast.participants["pei"]
    add_norm(db, public, "Hotline 1", "A hotline.", author=us)
    add_norm(db, public, "Hotline 2", "A hotline.", author=us)
    add_norm(db, public, "Hotline 3", "A hotline.", group="CY", author=prc)
    add_norm(db, public, "Hotline 4", "A hotline.", group="CY", author=prc)
    private = another_commission(db, cast, "Seminar B", "private")
    for i in range(1, 4):
        add_norm(db, private, f"Secret hotline {i}", "A hotline.")
    add_norm(db, public, "事件通报", "双方应建立网络安全事件通报机制。")
    add_norm(db, public, "网络安全热线", "设立全天候热线。")
    add_norm(db, public, "热线", "设立全天候热线。")

    def newest(user: User | None = None, **query: object) -> list[str]:
        return codes(db, user, sort="newest", **query)

    assert newest(q="hotline") == ["Hotline 4", "Hotline 3"]
    assert newest(q="hotline", group="FT") == ["Hotline 2", "Hotline 1"]
    assert newest(q="hotline", delegation="US") == ["Hotline 2", "Hotline 1"]
    assert newest(q="hotline", commission=public.id) == ["Hotline 4", "Hotline 3"]
    assert newest(cast.instructor, q="hotline") == ["Secret hotline 3", "Secret hotline 2"]
    assert newest(q="网络安全") == ["网络安全热线", "事件通报"]
    assert newest(q="网安") == []
    if is_postgres():
        # Equal texts rank equal: the newest of the candidates first.
        assert codes(db, q="hotline", group="CY") == ["Hotline 4", "Hotline 3"]


def test_stems_prefixes_and_stopwords(db: Session, public: Commission) -> None:
    add_norm(db, public, "Reporting incidents", "Both sides report incidents within 72 hours.")
    assert codes(db, q="incident") == ["Reporting incidents"]  # stemmed: incidents
    assert codes(db, q="infra") == []
    assert codes(db, q="repor") == ["Reporting incidents"]  # the word being typed
    assert codes(db, q="the reporting of incidents") == ["Reporting incidents"]


def test_accents_are_optional_both_ways(db: Session, public: Commission) -> None:
    add_norm(db, public, "Régime de vérification", "Un régime commun de vérification des modèles.")
    add_norm(db, public, "Verification regime", "A shared regime for model evaluation.")
    both = {"Régime de vérification", "Verification regime"}
    assert set(codes(db, q="regime")) == both
    assert set(codes(db, q="RÉGIME")) == both
    assert codes(db, q="vérification des modèles") == ["Régime de vérification"]


def test_chinese_text_is_found_inside_a_sentence(db: Session, public: Commission) -> None:
    add_norm(db, public, "事件通报", "双方应建立网络安全事件通报机制，并在七十二小时内通知对方。")
    add_norm(db, public, "芯片出口", "先进芯片的出口许可应当公开。")
    assert codes(db, q="网络安全") == ["事件通报"]
    assert codes(db, q="安全事件 通报") == ["事件通报"]
    assert codes(db, q="出口") == ["芯片出口"]
    assert codes(db, q="网安") == []  # the characters must stand together


def test_typed_operators_are_words_not_syntax(
    client: TestClient, db: Session, public: Commission
) -> None:
    add_norm(db, public, "Hotline", "A hotline between militaries.")
    for q in ['OR NEAR("x" *', "hotline AND", "-hotline", "hot*", "'; DROP TABLE norms; --", '"']:
        response = client.get("/norms", params={"q": q})
        assert response.status_code == 200, q
    assert codes(db, q="hotline AND") == ["Hotline"]  # a common word, not an operator
    assert codes(db, q="hotline NEAR") == []  # a word the norm lacks, not an operator
    assert codes(db, q="the") == ["Hotline"]  # too common to search for: everything


@pytest.mark.parametrize(
    ("visibility", "who", "sees"),
    [
        ("private", None, False),
        ("private", "stan", False),
        ("private", "ursula", False),
        ("private", "ines", True),
        ("class", None, False),
        ("class", "stan", False),
        ("class", "ursula", True),
        ("public", None, True),
    ],
)
def test_a_norm_is_listed_only_where_its_charter_may_be_read(
    client: TestClient, db: Session, cast: Cast, visibility: str, who: str | None, sees: bool
) -> None:
    cast.commission.charter_visibility = visibility
    norm = add_norm(db, cast.commission, "Secret handshake", "Quiet cooperation on chips.")
    other = another_commission(db, cast, "Seminar B", "public")
    add_norm(db, other, "Open hotline", "A public hotline.")
    if who:
        sign_in(client, who)
    for params in ({}, {"q": "handshake"}, {"commission": str(cast.commission.id)}):
        page = client.get("/norms", params=params).text
        assert ("Secret handshake" in page) is sees, (params, page)
        assert ("Seminar A" in page) is sees  # not even offered as a filter
    assert "Open hotline" in client.get("/norms").text
    norm_page = client.get(f"/norms/{cast.commission.id}/{norm.code}")
    assert norm_page.status_code == (200 if sees else 404)


def test_filters_by_group_commission_and_sponsoring_delegation(
    db: Session, cast: Cast, public: Commission
) -> None:
    add_norm(db, public, "US on chips", "Chips.", author=cast.participants["ursula"])
    add_norm(db, public, "PRC on cyber", "Cyber.", group="CY", author=cast.participants["pei"])
    other = another_commission(db, cast, "Seminar B", "public")
    add_norm(db, other, "Other class on chips", "Chips too.")
    assert codes(db, group="CY") == ["PRC on cyber"]
    assert codes(db, delegation="US") == ["US on chips"]
    assert codes(db, delegation="PRC") == ["PRC on cyber"]
    assert codes(db, commission=other.id) == ["Other class on chips"]
    assert set(codes(db, q="chips")) == {"US on chips", "Other class on chips"}
    assert codes(db, q="chips", commission=public.id) == ["US on chips"]
    choices = registry.search(db, None, RegistryQuery()).choices
    assert choices is not None
    assert [c for c, _ in choices.groups] == ["CY", "DI", "FT"]  # the pillars of those classes
    assert {t for _, t in choices.commissions} == {"Seminar A", "Seminar B"}
    assert [c for c, _ in choices.delegations] == ["PRC", "US"]


def test_sorting_and_pages(client: TestClient, db: Session, public: Commission) -> None:
    for i in range(1, 26):
        add_norm(db, public, f"Norm number {i:02d}", "Transparency about compute.")
    newest = codes(db)
    assert newest[0] == "Norm number 25" and len(newest) == registry.PAGE_SIZE
    assert codes(db, sort="oldest")[0] == "Norm number 01"
    assert codes(db, sort="code")[:2] == ["Norm number 01", "Norm number 02"]
    assert codes(db, page=2) == [f"Norm number {i:02d}" for i in range(5, 0, -1)]
    assert codes(db, page=99) == codes(db, page=2)  # past the end: the last page
    page = client.get("/norms", params={"q": "compute", "page": "2"}).text
    assert "Page 2 of 2" in page
    assert "25 norms match" in page
    assert 'href="/norms?q=compute&amp;page=1"' in page
    for junk in ({"page": "x"}, {"commission": "-1"}, {"sort": "drop"}, {"page": "9" * 40}):
        assert client.get("/norms", params=junk).status_code == 200, junk


def test_htmx_gets_the_results_block_and_plain_forms_the_page(
    client: TestClient, db: Session, public: Commission
) -> None:
    add_norm(db, public, "Hotline", "A hotline between militaries.")
    plain = client.get("/norms", params={"q": "hot"}).text
    assert '<form class="panel registry-form" method="get" action="/norms"' in plain
    assert "Hotline" in plain
    fragment = client.get("/norms", params={"q": "hot"}, headers={"HX-Request": "true"}).text
    assert '<section id="registry-results"' in fragment
    # The count also goes, out of band, to the status line that screen readers follow.
    assert re.search(r'<p id="registry-status"[^>]*hx-swap-oob="true">1 norm matches', fragment)
    assert "<form" not in fragment and "Hotline" in fragment
    boosted = client.get("/norms", headers={"HX-Request": "true", "HX-Boosted": "true"}).text
    assert "<html" in boosted


def test_a_hit_shows_its_text_as_plain_lines(
    client: TestClient, db: Session, public: Commission
) -> None:
    add_norm(
        db,
        public,
        "Register of training runs",
        "## Scope\n\nBoth sides **agree** to:\n\n- publish a register\n- name <i>a</i> contact",
    )
    page = client.get("/norms", params={"q": "register"}).text
    snippet = page.split('<p class="registry-hit__text snippet">')[1].split("</p>")[0]
    assert snippet == (
        "Scope\nBoth sides agree to:\n• publish a register\n• name &lt;i&gt;a&lt;/i&gt; contact"
    )
    # Search as you type draws the same results block.
    fragment = client.get("/norms", params={"q": "register"}, headers={"HX-Request": "true"}).text
    assert snippet in fragment


def test_the_registry_asks_the_same_number_of_queries_for_more_norms(
    client: TestClient, db: Session, cast: Cast, public: Commission, count_queries: QueryCounter
) -> None:
    sign_in(client, "ursula")
    add_norm(db, public, "Compute norm", "Compute.", author=cast.participants["ursula"])
    client.get("/norms", params={"q": "compute"})
    count_queries.statements.clear()
    assert "1 norm matches" in client.get("/norms", params={"q": "compute"}).text
    one = count_queries.count
    for i in range(30):
        add_norm(db, public, f"Compute {i}", "Compute.", author=cast.participants["pei"])
    count_queries.statements.clear()
    page = client.get("/norms", params={"q": "compute"}).text
    assert "31 norms match" in page
    assert count_queries.count == one, count_queries.statements
    # Typing redraws only the results: the query for the filters' options is skipped, and so
    # is the header's count of notices.
    count_queries.statements.clear()
    client.get("/norms", params={"q": "compute"}, headers={"HX-Request": "true"})
    assert count_queries.count == one - 2, count_queries.statements


def test_adoption_and_edits_keep_the_index_current(db: Session, cast: Cast) -> None:
    """Through the real adoption path; an edit or a delete reaches the index too."""
    cast.commission.charter_visibility = "public"
    proposal = to_stage(db, cast, "voting")
    vote = open_vote_of(db, proposal)
    for user in (cast.us_delegate, cast.us_colleague, cast.prc_delegate):
        voting.cast_ballot(db, acting(db, proposal, user), vote.id, "yes")
    voting.close_vote(db, acting(db, proposal, cast.instructor), vote.id)
    assert codes(db, q="serious incidents 72") == ["Joint AI incident reporting"]
    norm = db.scalar(select(Norm).where(Norm.proposal_id == proposal.id))
    assert norm is not None
    norm.text = "Rewritten about quantum sensing."
    db.flush()
    assert codes(db, q="serious incidents") == []
    assert codes(db, q="quantum") == ["Joint AI incident reporting"]
    db.delete(norm)
    db.flush()
    assert codes(db, q="quantum") == []


def test_the_norm_page_of_a_secret_ballot_shows_totals_only(
    client: TestClient, db: Session, cast: Cast
) -> None:
    cast.commission.charter_visibility = "public"
    proposal = to_stage(db, cast, "voting", ballot_type="secret")
    vote = open_vote_of(db, proposal)
    voting.cast_ballot(db, acting(db, proposal, cast.us_delegate), vote.id, "yes")
    voting.cast_ballot(db, acting(db, proposal, cast.us_colleague), vote.id, "abstain")
    voting.cast_ballot(db, acting(db, proposal, cast.prc_delegate), vote.id, "yes")
    voting.close_vote(db, acting(db, proposal, cast.instructor), vote.id)
    sign_in(client, "ines")  # even the instructor sees no voter
    page = client.get(f"/norms/{cast.commission.id}/FT-1").text
    table = page[page.index("Vote by delegation") : page.index("How the text came to be")]
    for person in ("Ursula", "Ulysses", "Pei"):
        assert person not in table
    assert re.search(r"United States.*?1.*?0.*?1", table, re.S)


def test_the_registry_is_in_the_navigation_for_everyone(client: TestClient, db: Session) -> None:
    make_user(db, "viv")
    assert 'href="/norms"' in client.get("/").text
    sign_in(client, "viv")
    assert 'href="/norms"' in client.get("/").text


def test_counting_stops_at_the_limit(
    client: TestClient, db: Session, public: Commission, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "COUNT_LIMIT", 3)
    monkeypatch.setattr(registry, "PAGE_SIZE", 2)
    for word in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta"):
        add_norm(db, public, f"Compute norm {word}", "Transparency about compute.")
    found = registry.search(db, None, RegistryQuery(q="compute", page=9))
    assert found.more_than_counted and found.pages == 2 and found.page == 2
    assert len(found.hits) == 2
    page = client.get("/norms", params={"q": "compute"}).text
    assert "More than 3 norms: add words or a filter" in page
    assert "Page 1 of 2" in page
    assert registry.search(db, None, RegistryQuery(q="compute zeta")).total == 1
