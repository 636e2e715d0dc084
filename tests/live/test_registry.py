"""The registry of live fragments, and the one way to name a live event."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from app.live import registry
from app.live.broker import LiveEvent
from app.live.registry import Message, Push, StreamViewer, render_for
from app.main import LIVE_FRAGMENTS, install_live_fragments
from app.web import sse_event, templates
from tests.conftest import Cast


def test_an_event_name_is_its_words_and_ids_joined() -> None:
    assert sse_event("proposal", 7, "vote") == "proposal-7-vote"
    assert sse_event("reload") == "reload"
    assert templates.env.globals["sse_event"] is sse_event


@pytest.mark.parametrize("parts", [(), ("proposal", None), ("seat", 0), ("seat", True), ("A",)])
def test_an_event_name_refuses_what_no_page_could_take(parts: tuple[object, ...]) -> None:
    with pytest.raises(ValueError, match="live event"):
        sse_event(*parts)  # type: ignore[arg-type]


@pytest.fixture
def own_registry() -> Iterator[None]:
    """The test installs its own tables; the app's come back after it."""
    yield
    install_live_fragments()


def viewer_of(cast: Cast) -> StreamViewer:
    ursula = cast.participants["ursula"]
    return StreamViewer(cast.us_delegate.id, ursula.id, ursula.role, ursula.delegation_id)


def test_a_renderer_runs_once_per_batch_with_the_events_of_its_kinds(
    db: Session, cast: Cast, own_registry: None
) -> None:
    seen: list[tuple[str, ...]] = []

    def both(push: Push) -> list[Message]:
        seen.append(tuple(e.kind for e in push.events))
        return [(sse_event("both"), str(len(push.events)))]

    def other(push: Push) -> list[Message]:
        return [(sse_event("other"), push.viewer.role)]

    registry.install([{"tally": both, "stage": both}, {"caucus": other}])
    assert registry.installed_kinds() == {"tally", "stage", "caucus"}
    batch = [
        LiveEvent(cast.commission.id, "stage"),
        LiveEvent(cast.commission.id, "roster"),
        LiveEvent(cast.commission.id, "tally"),
    ]
    assert render_for(db, viewer_of(cast), batch) == [("both", "2")]
    assert seen == [("stage", "tally")]
    batch.append(LiveEvent(cast.commission.id, "caucus"))
    assert render_for(db, viewer_of(cast), batch) == [("both", "2"), ("other", "delegate")]


def test_nothing_is_drawn_until_the_tables_are_installed(
    db: Session, cast: Cast, own_registry: None
) -> None:
    registry.uninstall()  # every feature's fragments.py is imported by now: none registered
    assert registry.installed_kinds() == set()
    assert render_for(db, viewer_of(cast), [LiveEvent(cast.commission.id, "seat")]) == []
    install_live_fragments()
    installed = registry.installed_kinds()
    install_live_fragments()
    assert registry.installed_kinds() == installed  # installing again changes nothing


def test_the_app_draws_every_kind_a_page_follows() -> None:
    kinds = {"stage", "tally", "amendment", "argument", "argument_hidden"}
    kinds |= {"caucus", "inject", "inject_plan", "seat"}
    assert registry.installed_kinds() == kinds
    assert set().union(*LIVE_FRAGMENTS) == kinds
