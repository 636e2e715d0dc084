"""Under `commission serve`, on the demo data: a visitor reads every public surface of the
concluded "spring seminar" (registry and searches, charter and its exports, each norm, the
comparison) and meets no demo participant by name or sign-in name. A charter whose instructor
chose to credit students by name names them."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.demo import PAST_SEMINAR_TITLE
from tests.conftest import empty_postgres_database, is_postgres
from tests.norms.test_privacy import named_in
from tests.seminar import DEMO_NAMES, DEMO_USERNAMES, Seminar
from tests.servers import ServedApp, app_environment, run_cli, served_app, sqlite_url

# Every demo participant by name and sign-in name; the instructor's sign-in name is the word
# "instructor", which pages use as a word, so they are looked for by name ("Dr. Morgan Hale").
PEOPLE = [*DEMO_NAMES, *(u for u in DEMO_USERNAMES if u != "instructor")]
SEARCHES = ("", "incidents", "critical infrastructure", "人类控制")


@pytest.fixture(scope="module")
def demo_app() -> Iterator[ServedApp]:
    if is_postgres():
        url = empty_postgres_database("privacy_served")
    else:
        url = sqlite_url(Path(tempfile.mkdtemp(prefix="commission-privacy-")))
    env = app_environment(url)
    run_cli(["demo", "--no-serve"], env)
    with served_app(env) as app:
        yield app


def fetched(visitor: httpx.Client, url: str, **kwargs: object) -> str:
    response = visitor.get(url, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return response.text


def past_seminar_id(visitor: httpx.Client) -> int:
    """The spring seminar's id, as a visitor finds it: in the registry's commission filter."""
    registry = fetched(visitor, "/norms")
    found = re.search(
        rf'<option value="(\d+)"[^>]*>{re.escape(PAST_SEMINAR_TITLE)}</option>', registry
    )
    assert found, "the registry offers no spring seminar"
    return int(found.group(1))


def public_surfaces(visitor: httpx.Client) -> dict[str, str]:
    """Every public address of the spring seminar a visitor can reach by following links,
    with its body."""
    seen: dict[str, str] = {}
    for q in SEARCHES:
        seen[f"/norms?q={q}"] = fetched(visitor, "/norms", params={"q": q})
        seen[f"/norms?q={q} (as typed)"] = fetched(
            visitor, "/norms", params={"q": q}, headers={"HX-Request": "true"}
        )
    past = past_seminar_id(visitor)
    seen[f"/norms?commission={past}"] = fetched(visitor, "/norms", params={"commission": past})
    charter = f"/commissions/{past}/charter"
    seen[charter] = fetched(visitor, charter)
    for suffix in (".md", ".json", ".csv"):
        seen[charter + suffix] = fetched(visitor, charter + suffix)
    codes = sorted(set(re.findall(rf'href="/norms/{past}/([A-Z]{{2}}-\d+)"', seen[charter])))
    assert codes == ["CY-1", "FT-1", "FT-2"], codes  # the three norms the demo adopted
    for code in codes:
        seen[f"/norms/{past}/{code}"] = fetched(visitor, f"/norms/{past}/{code}")
    comparison = re.search(r'href="(/scenarios/\d+/comparison)"', seen[charter])
    assert comparison, "the charter links to no comparison"
    seen[comparison.group(1)] = fetched(visitor, comparison.group(1))
    return seen


def test_a_visitor_meets_no_demo_participant_by_name(demo_app: ServedApp) -> None:
    with demo_app.client() as visitor:
        surfaces = public_surfaces(visitor)
    leaks = {url: found for url, body in surfaces.items() if (found := named_in(body, PEOPLE))}
    assert leaks == {}
    # A name finds nothing: the registry searches a norm's code, title and text only. (The
    # results block alone: the full page keeps the words typed in its search box.)
    with demo_app.client() as visitor:
        for name in ("Wang Fang", "Sam Whitaker", "us-lab", "prc-tsinghua"):
            results = fetched(visitor, "/norms", params={"q": name}, headers={"HX-Request": "true"})
            assert "0 norms match your search." in results, name
            assert named_in(results, PEOPLE) == [], name
    # What they meet instead: delegations and sectors.
    norm = next(body for url, body in surfaces.items() if url.endswith("/FT-1"))
    assert "United States · Private sector" in norm  # Sam Whitaker, who drafted it
    assert "People are named by delegation and sector." in norm
    assert '"people_named": false' in next(b for u, b in surfaces.items() if u.endswith(".json"))


def test_the_api_tells_a_caller_without_a_token_nothing(demo_app: ServedApp) -> None:
    with demo_app.client() as visitor:
        past = past_seminar_id(visitor)
        for path in (f"/commissions/{past}", f"/commissions/{past}/proposals", "/commissions"):
            answer = visitor.get("/api/v1" + path)
            assert answer.status_code == 401
            assert named_in(answer.text, PEOPLE) == []


def test_a_charter_credited_by_name_names_its_students(demo_app: ServedApp) -> None:
    """The demo's class in session adopts a norm and concludes, crediting students by name
    through the API's conclude body: now its public pages name them."""
    seminar = Seminar(demo_app)
    commission_id = seminar.commission_id()
    closed = seminar.adopt(
        commission_id,
        title="Shared registry of frontier training runs",
        text="Each side lists its frontier training runs in a registry the other can read.",
    )
    seminar.conclude(commission_id, "public", credit_by_name=True)
    with demo_app.client() as visitor:
        norm = fetched(visitor, f"/norms/{commission_id}/{closed['norm_code']}")
        charter = fetched(visitor, f"/commissions/{commission_id}/charter.md")
        spring = public_surfaces(visitor)
    assert "Sam Whitaker (United States · Private sector)" in norm
    assert "Sam Whitaker (United States · Private sector)" in charter
    # The spring seminar, published without crediting, still names no one; nor does the
    # registry, which lists norms with their sponsoring delegations.
    leaks = {url: found for url, body in spring.items() if (found := named_in(body, PEOPLE))}
    assert leaks == {}
