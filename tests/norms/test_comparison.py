"""Classes on one scenario side by side: lining up similar norms, and who may compare what."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.norms.models import Norm
from app.scenarios.comparison import align, margin, similarity, words_of
from tests.conftest import Cast, QueryCounter, sign_in
from tests.norms.test_registry import add_norm, another_commission


def norm(title: str, text: str = "") -> Norm:
    return Norm(title=title, text=text, code="X-1")


def titles(rows: list[list[Norm | None]]) -> list[list[str | None]]:
    return [[n.title if n else None for n in row] for row in rows]


def test_similar_norms_share_a_row_and_the_rest_stand_alone() -> None:
    a = [norm("Incident reporting within 72 hours"), norm("Chip export licences published")]
    b = [
        norm("Compute thresholds for evaluation"),
        norm("Incident reporting within 48 hours"),
    ]
    c = [norm("Export licences for chips are published")]
    assert titles(align([a, b, c])) == [
        ["Incident reporting within 72 hours", "Incident reporting within 48 hours", None],
        ["Chip export licences published", None, "Export licences for chips are published"],
        [None, "Compute thresholds for evaluation", None],
    ]
    assert align([[], []]) == []


def test_a_norm_is_matched_once_with_its_best_partner() -> None:
    a = [norm("hotline for military incidents"), norm("hotline for military incidents today")]
    b = [norm("hotline for military incidents today")]
    rows = titles(align([a, b]))
    assert rows == [
        ["hotline for military incidents", "hotline for military incidents today"],
        ["hotline for military incidents today", None],
    ]


def test_similarity_and_margin() -> None:
    assert similarity(words_of(norm("Régime commun")), words_of(norm("regime COMMUN"))) == 1.0
    assert similarity(frozenset(), frozenset()) == 0.0
    tally = {"US": {"yes": 3, "no": 1, "abstain": 0}, "PRC": {"yes": 2, "abstain": 2}}
    assert margin(tally) == (5, 1, 2)


def test_two_classes_side_by_side(client: TestClient, db: Session, cast: Cast) -> None:
    cast.commission.charter_visibility = "public"
    other = another_commission(db, cast, "Seminar B", "public")
    hidden = another_commission(db, cast, "Seminar C", "private")
    add_norm(db, cast.commission, "Incident reporting", "Report AI incidents within 72 hours.")
    add_norm(db, other, "Incident reporting", "Report AI incidents within 48 hours.")
    add_norm(db, other, "Hotline", "A military hotline.", group="CY")
    add_norm(db, hidden, "Quiet deal", "Not for visitors.")
    page = client.get(f"/scenarios/{other.scenario_id}/comparison")
    assert page.status_code == 200
    assert "Seminar A" in page.text and "Seminar B" in page.text
    assert "Seminar C" not in page.text and "Quiet deal" not in page.text
    assert "<del>72</del><ins>48</ins>" in page.text
    assert "No similar norm adopted." in page.text  # the hotline only class B adopted
    only_b = client.get(f"/scenarios/{other.scenario_id}/comparison?c={other.id}&c={hidden.id}")
    assert "Quiet deal" not in only_b.text and "within 72 hours" not in only_b.text
    sign_in(client, "ines")  # the instructor of all three
    assert "Quiet deal" in client.get(f"/scenarios/{other.scenario_id}/comparison").text


def test_nothing_to_compare_is_not_found(client: TestClient, db: Session, cast: Cast) -> None:
    assert cast.commission.charter_visibility == "private"
    assert client.get(f"/scenarios/{cast.commission.scenario_id}/comparison").status_code == 404
    assert client.get("/scenarios/999999/comparison").status_code == 404
    assert client.get("/scenarios/x/comparison").status_code == 404  # no id: nothing there


def test_the_comparison_asks_the_same_number_of_queries_for_more_norms(
    client: TestClient, db: Session, cast: Cast, count_queries: QueryCounter
) -> None:
    cast.commission.charter_visibility = "public"
    other = another_commission(db, cast, "Seminar B", "public")
    url = f"/scenarios/{other.scenario_id}/comparison"
    add_norm(db, other, "One", "One norm.")
    client.get(url)
    count_queries.statements.clear()
    assert client.get(url).status_code == 200
    one = count_queries.count
    for i in range(10):
        add_norm(db, cast.commission, f"Norm {i}", f"Text {i}.", author=cast.participants["pei"])
        add_norm(db, other, f"Norm {i}", f"Text {i} too.", group="DI")
    count_queries.statements.clear()
    page = client.get(url)
    assert count_queries.count == one, count_queries.statements
    assert page.status_code == 200
    assert "Seminar A" in page.text and "Text 9 too." in page.text
