"""The one helper every page form uses when its service refuses: roll back, then say where."""

from __future__ import annotations

import pytest

from app.errors import Conflict, Invalid, NotAllowed, NotFound
from app.forms import Refusal, refused


class _Session:
    rolled_back = 0

    def rollback(self) -> None:
        self.rolled_back += 1


def test_a_refusal_rolls_back_and_keeps_status_and_message() -> None:
    session = _Session()
    refusal = refused(session, Invalid("Too long.", field="title"))  # type: ignore[arg-type]
    assert session.rolled_back == 1
    assert refusal == Refusal(422, "Too long.", "title")


def test_the_message_goes_under_its_field_or_the_default_or_to_the_top() -> None:
    named = Refusal(422, "Too long.", "title")
    unnamed = Refusal(409, "Voting has closed.", None)
    assert named.errors() == {"title": "Too long."}
    assert named.errors("body") == {"title": "Too long."}
    assert named.general() is None
    assert unnamed.errors("body") == {"body": "Voting has closed."}
    assert unnamed.errors() == {}
    assert unnamed.general() == "Voting has closed."


def test_a_page_with_several_forms_maps_the_services_fields_to_its_own() -> None:
    refusal = Refusal(422, "Say why.", "reason")
    assert refusal.errors(fields={"reason": "hide_reason"}) == {"hide_reason": "Say why."}
    assert refusal.errors(fields={"body": "reply_body"}) == {}
    assert refusal.general(fields={"body": "reply_body"}) == "Say why."


@pytest.mark.parametrize("error", [NotFound("Gone."), NotAllowed("Not yours.")])
def test_errors_that_are_not_the_forms_to_explain_go_on_after_the_rollback(
    error: Exception,
) -> None:
    session = _Session()
    with pytest.raises(type(error)):
        refused(session, error, reraise=(NotFound, NotAllowed))  # type: ignore[arg-type]
    assert session.rolled_back == 1
    assert refused(_Session(), Conflict("Moved on."), reraise=(NotFound,)).status_code == 409  # type: ignore[arg-type]
