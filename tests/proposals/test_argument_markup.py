"""The argument macros, drawn once per argument, are written out flat (no macro of
_shared/forms.html or proposals/_labels.html inside them): they must draw byte for byte what the
same macros written with those would, for every kind of argument and viewer. When forms.html or
_labels.html change what they draw, this fails until templates/proposals/_argument.html follows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.accounts.models import User
from app.commissions.models import Delegation, Participant
from app.proposals.models import Argument
from app.proposals.views import ArgumentNode
from app.web import CSRF_FIELD, templates

# The macros as they read with the shared form and label macros.
WITH_SHARED_MACROS = (Path(__file__).parent / "argument_with_shared_macros.html").read_text()

WHEN = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def author(name: str, delegation: str | None) -> Participant:
    person = Participant(id=1, user=User(display_name=name))
    person.delegation = Delegation(code=delegation) if delegation else None
    return person


def argument(number: int, **fields: Any) -> Argument:
    values: dict[str, Any] = {"proposal_id": 7, "stance": "support", "created_at": WHEN}
    return Argument(id=number, body=f"Point **{number}** <b>x</b>", **(values | fields))


def debate() -> list[ArgumentNode]:
    hidden = argument(3, stance="note", hidden_at=WHEN, hidden_reason="Off <b>topic</b>")
    reply = ArgumentNode(argument(2, parent_id=1, stance="question"), author("Li <Wei>", "PRC"))
    return [
        ArgumentNode(argument(1, stance="oppose"), author("Avery", "US"), [reply]),
        ArgumentNode(hidden, None),
        ArgumentNode(argument(4), None),  # a former participant
        ArgumentNode(argument(5, stance="note"), author("Sam", None)),
    ]


@pytest.mark.parametrize("can_argue", [True, False])
@pytest.mark.parametrize("can_hide", [True, False])
def test_the_flat_macros_draw_what_the_shared_macros_would(can_argue: bool, can_hide: bool) -> None:
    flat: Any = templates.env.get_template("proposals/_argument.html").make_module({})
    shared: Any = templates.env.from_string(WITH_SHARED_MACROS).make_module({})
    for node in debate():
        item = (node, 7, can_argue, can_hide, CSRF_FIELD, "token")
        assert str(flat.argument_item(*item)) == str(shared.argument_item(*item))
        body = (node, 7, can_hide, CSRF_FIELD, "token")
        assert str(flat.argument_body(*body)) == str(shared.argument_body(*body))


def test_the_comparison_sees_every_part_of_an_argument() -> None:
    """The cases above draw each branch: hidden, a reply, a former participant, the forms."""
    flat: Any = templates.env.get_template("proposals/_argument.html").make_module({})
    drawn = "".join(str(flat.argument_item(n, 7, True, True, CSRF_FIELD, "t")) for n in debate())
    for part in (
        "Hidden by an instructor: Off &lt;b&gt;topic&lt;/b&gt;",
        'id="argument-2"',
        "a former participant",
        'Li &lt;Wei&gt; <span class="code">PRC</span>',
        'id="hide-reason-1"',
        'id="reply-stance-1"',
        "Point <strong>1</strong>",
    ):
        assert part in drawn, part
