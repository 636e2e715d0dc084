"""The commission overview: who sees what."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.commissions.models import WorkingGroupMembership
from tests.conftest import Cast, QueryCounter, make_user, seat, sign_in


def overview_url(cast: Cast) -> str:
    return f"/commissions/{cast.commission.id}"


def test_delegate_reads_briefing_groups_and_own_private_brief(
    client: TestClient, cast: Cast
) -> None:
    sign_in(client, "ursula")
    page = client.get(overview_url(cast))
    assert page.status_code == 200
    html = page.text
    assert "Public briefing" in html
    for group in ("Frontier technology", "Cybersecurity", "Disinformation"):
        assert group in html
    own = cast.briefs["us-frontier-lab"]
    assert own.title in html
    assert "Your red lines" in html


def test_delegate_never_sees_another_participants_private_brief(
    client: TestClient, cast: Cast
) -> None:
    sign_in(client, "ursula")
    html = client.get(overview_url(cast)).text
    assert cast.briefs["us-frontier-lab"].title in html  # her own brief is there
    for code in ("us-ngo-integrity", "prc-university-governance"):
        brief = cast.briefs[code]
        assert brief.title not in html
        first_goal_line = brief.goals.strip().splitlines()[0].lstrip("- ").strip()
        assert first_goal_line[:40] not in html


def test_delegate_reads_own_delegation_brief_but_not_the_other(
    client: TestClient, cast: Cast
) -> None:
    sign_in(client, "pei")
    html = client.get(overview_url(cast)).text
    prc_brief_line = cast.delegations["PRC"].brief.strip().splitlines()[-1][:50]
    us_brief_line = cast.delegations["US"].brief.strip().splitlines()[-1][:50]
    assert prc_brief_line.split("**")[-1][:30] in html
    assert us_brief_line.split("**")[-1][:30] not in html


def test_instructor_sees_join_code_and_every_brief_title(client: TestClient, cast: Cast) -> None:
    sign_in(client, "ines")
    html = client.get(overview_url(cast)).text
    code = cast.commission.join_code
    assert f"{code[:4]}-{code[4:]}" in html
    for code in ("us-frontier-lab", "us-ngo-integrity", "prc-university-governance"):
        assert cast.briefs[code].title in html


def test_delegate_does_not_see_join_code(client: TestClient, cast: Cast) -> None:
    sign_in(client, "pei")
    code = cast.commission.join_code
    page = client.get(overview_url(cast))
    assert page.status_code == 200
    assert "Public briefing" in page.text
    assert f"{code[:4]}-{code[4:]}" not in page.text


def test_non_member_cannot_see_commission_or_roster(client: TestClient, cast: Cast) -> None:
    sign_in(client, "stan")
    page = client.get(overview_url(cast))
    assert page.status_code == 403
    assert "Ursula US" not in page.text
    assert "Pei PRC" not in page.text
    assert cast.commission.public_briefing[:60] not in page.text


def test_visitor_is_sent_to_sign_in(client: TestClient, cast: Cast) -> None:
    page = client.get(overview_url(cast))
    assert page.status_code == 303
    assert page.headers["location"] == f"/sign-in?next=/commissions/{cast.commission.id}"


def test_unknown_commission_is_404(client: TestClient, cast: Cast) -> None:
    sign_in(client, "ursula")
    assert client.get("/commissions/999999").status_code == 404


def test_unseated_delegate_is_told_to_wait(client: TestClient, cast: Cast) -> None:
    sign_in(client, "newcomer")
    html = client.get(overview_url(cast)).text
    assert "has not seated you" in html


def test_overview_query_count_does_not_grow_with_roster(
    client: TestClient, db: Session, cast: Cast, count_queries: QueryCounter
) -> None:
    sign_in(client, "ines")
    client.get(overview_url(cast))
    count_queries.statements.clear()
    assert client.get(overview_url(cast)).status_code == 200
    small = count_queries.count

    parts = {
        "commission": cast.commission,
        "delegations": cast.delegations,
        "sectors": cast.sectors,
        "groups": cast.groups,
        "briefs": cast.briefs,
    }
    for i in range(40):
        user = make_user(db, f"extra-{i:02d}")
        participant = seat(db, parts, user, ("US", "PRC")[i % 2], "academia", None, groups=())
        db.add(
            WorkingGroupMembership(
                participant_id=participant.id, working_group_id=cast.groups["CY"].id
            )
        )
    db.flush()

    count_queries.statements.clear()
    assert client.get(overview_url(cast)).status_code == 200
    assert count_queries.count == small, count_queries.statements
    # Eight for the overview, one for the header's count of notices (app.notices), one for the
    # commission's default language (app.main.page_language: read only for a reader who chose
    # no language, as here).
    assert small <= 10, count_queries.statements
