"""app.page_parts: the parts of a page that features above it supply, by name."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app import page_parts
from app.errors import NotFound
from app.main import PAGE_PARTS, install_page_parts


@pytest.fixture
def restored() -> Iterator[None]:
    yield
    install_page_parts()


def test_a_part_is_built_from_its_table_and_a_missing_one_has_its_default(restored: None) -> None:
    page_parts.install([{"page.greeting": lambda name: f"hello {name}"}])
    assert page_parts.build("page.greeting", "Pei") == "hello Pei"
    assert page_parts.build("page.missing", "Pei", default="—") == "—"


def test_an_action_nobody_supplies_is_unknown_and_a_required_part_a_wiring_mistake(
    restored: None,
) -> None:
    page_parts.install([])
    with pytest.raises(NotFound):
        page_parts.act("proposal.open_vote", None, None, None)
    with pytest.raises(LookupError, match=r"commission\.console"):
        page_parts.required("commission.console")


def test_two_features_may_not_supply_the_same_part(restored: None) -> None:
    with pytest.raises(ValueError, match=r"page\.x"):
        page_parts.install([{"page.x": print}, {"page.x": repr}])


def test_the_app_supplies_every_part_its_pages_ask_for() -> None:
    install_page_parts()
    asked = {
        "proposal.vote_panel",
        "proposal.vote_out",
        "proposal.tally_sentence",
        "proposal.voters",
        "proposal.amendment_votes",
        "proposal.norm",
        "proposal.open_vote",
        "proposal.amendment_vote",
        "commission.console",
        "commission.news",
    }
    assert page_parts.installed() == asked
    assert sum(len(table) for table in PAGE_PARTS) == len(asked)
