"""The out-of-step rule of parallel texts, as pure functions of plain data (no database)."""

from __future__ import annotations

import pytest

from app.commissions.rules import Seat
from app.proposals import rules
from app.proposals.rules import ProposalFacts, TextsStep, texts_out_of_step

AUTHOR = Seat(7, "delegate", 1, True, True, False, False)
OTHER = Seat(8, "delegate", 2, True, True, True, False)


def facts(stage: str, *, session_over: bool = False) -> ProposalFacts:
    return ProposalFacts(stage, frozenset({7}), frozenset(), True, session_over)


@pytest.mark.parametrize(
    ("latest", "confirmed", "out"),
    [
        ({"en": 3}, None, False),  # one text: never out of step
        ({"zh_CN": 1}, {"en": 1}, False),
        ({"en": 1, "zh_CN": 2}, {"en": 1, "zh_CN": 2}, False),  # written at once: confirmed
        ({"en": 1, "zh_CN": 2}, None, True),  # the Chinese text came after, unconfirmed
        ({"en": 3, "zh_CN": 2}, {"en": 1, "zh_CN": 2}, True),  # English changed since
        ({"en": 3, "zh_CN": 4}, {"en": 3, "zh_CN": 2}, True),  # Chinese changed since
        ({"en": 3, "zh_CN": 4}, {"en": 3, "zh_CN": 4}, False),  # confirmed as they stand
        ({"en": 3, "zh_CN": 4}, {"en": 3}, True),  # a confirmation of one text is none
    ],
)
def test_texts_are_out_of_step_when_one_changed_after_the_last_confirmed_pair(
    latest: dict[str, int], confirmed: dict[str, int] | None, out: bool
) -> None:
    assert texts_out_of_step(latest, confirmed) is out
    assert TextsStep(latest, confirmed).out_of_step is out


def test_the_text_that_changed_last_is_ahead_and_the_reason_names_both() -> None:
    step = TextsStep({"en": 2, "zh_CN": 5}, {"en": 2, "zh_CN": 3})
    assert step.ahead == "zh_CN"
    assert step.reason() == "The Chinese text changed after the last revision of the English text."
    step = TextsStep({"en": 6, "zh_CN": 5}, None)
    assert step.ahead == "en"
    assert "The English text changed" in step.reason()
    in_step = TextsStep({"en": 6, "zh_CN": 5}, {"en": 6, "zh_CN": 5})
    assert in_step.ahead is None and in_step.reason() == ""


def test_the_groups_rule_decides_whether_out_of_step_texts_keep_the_vote_closed() -> None:
    out = TextsStep({"en": 1, "zh_CN": 2}, None)
    assert rules.vote_blocked_by_texts(out, texts_must_agree=True)
    assert not rules.vote_blocked_by_texts(out, texts_must_agree=False)
    assert not rules.vote_blocked_by_texts(TextsStep({"en": 1}, None), texts_must_agree=True)
    refusal = rules.texts_refusal(out, texts_must_agree=True)
    assert refusal is not None
    assert refusal.startswith("The texts are out of step.")
    assert "confirms that both texts agree" in refusal
    assert rules.texts_refusal(out, texts_must_agree=False) is None


def test_only_an_author_confirms_and_only_texts_out_of_step_before_the_vote() -> None:
    out = TextsStep({"en": 1, "zh_CN": 2}, None)
    for stage in ("draft", "tabled", "debate", "rejected"):
        assert rules.can_confirm_texts(AUTHOR, facts(stage), out), stage
    for stage in ("voting", "adopted", "withdrawn"):
        assert not rules.can_confirm_texts(AUTHOR, facts(stage), out), stage
    assert not rules.can_confirm_texts(OTHER, facts("debate"), out)
    assert not rules.can_confirm_texts(AUTHOR, facts("debate", session_over=True), out)
    in_step = TextsStep({"en": 1, "zh_CN": 2}, {"en": 1, "zh_CN": 2})
    assert not rules.can_confirm_texts(AUTHOR, facts("debate"), in_step)


def test_languages_in_the_pages_order() -> None:
    assert rules.in_page_order({"zh_CN", "en"}) == ["en", "zh_CN"]
    assert rules.in_page_order(["zh_CN"]) == ["zh_CN"]
    assert rules.other_language("en") == "zh_CN"
    assert rules.other_language("zh_CN") == "en"
    assert rules.HTML_LANG == {"en": "en", "zh_CN": "zh-CN"}
