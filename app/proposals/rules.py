"""A proposal's life: stages, who may do what, and what tabling needs. Pure decisions, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.commissions.rules import Seat
from app.i18n import gettext as _
from app.i18n import lazy as N_

STAGES = ("draft", "tabled", "debate", "voting", "adopted", "rejected", "withdrawn")
STANCES = ("support", "oppose", "question", "note")
SPONSORSHIP_STATUSES = ("invited", "accepted", "declined")
AMENDMENT_STATUSES = ("proposed", "accepted", "voting", "adopted", "rejected", "withdrawn")
# The languages a proposal's text may be written in, both equally authentic, in the order the
# pages set them side by side (docs/parallel-texts.md). The ids are the interface's locale ids.
TEXT_LANGUAGES = ("en", "zh_CN")
# Each language's tag for an HTML `lang` attribute (BCP 47), and its name in the interface.
HTML_LANG = {"en": "en", "zh_CN": "zh-CN"}
LANGUAGE_NAMES = {"en": N_("English"), "zh_CN": N_("Chinese")}

EDITABLE_STAGES = frozenset({"draft", "rejected"})
# Where an author may still confirm that the two texts agree: until the vote opens.
CONFIRMABLE_STAGES = frozenset({"draft", "tabled", "debate", "rejected"})
WITHDRAWABLE_STAGES = frozenset({"draft", "tabled", "debate"})
DEBATE_STAGES = frozenset({"debate", "voting"})


@dataclass(frozen=True)
class ProposalFacts:
    stage: str
    author_ids: frozenset[int]
    sponsor_ids: frozenset[int]  # everyone asked to sponsor, whatever their answer
    chairs_move_stages: bool
    # Once the commission concludes, its record is final: nothing may be written any more.
    session_over: bool = False


def is_author(seat: Seat, proposal: ProposalFacts) -> bool:
    return seat.participant_id in proposal.author_ids


def open_to_members(proposal: ProposalFacts) -> bool:
    """Whether every member of the commission may read the proposal: all but a draft."""
    return proposal.stage != "draft"


def can_view(seat: Seat | None, proposal: ProposalFacts) -> bool:
    """A draft is for its authors and the delegates asked to sponsor it; the rest for members."""
    if seat is None:
        return False
    if open_to_members(proposal):
        return True
    return seat.participant_id in proposal.author_ids | proposal.sponsor_ids


def can_draft_in_group(seat: Seat) -> bool:
    return seat.role == "delegate" and seat.delegation_id is not None and seat.in_group


def can_edit(seat: Seat, proposal: ProposalFacts) -> bool:
    """Authors edit a draft, or a rejected proposal they revise for a new round."""
    return (
        not proposal.session_over
        and is_author(seat, proposal)
        and proposal.stage in EDITABLE_STAGES
    )


def can_withdraw(seat: Seat, proposal: ProposalFacts) -> bool:
    return (
        not proposal.session_over
        and is_author(seat, proposal)
        and proposal.stage in WITHDRAWABLE_STAGES
    )


def can_respond_to_sponsorship(seat: Seat, proposal: ProposalFacts) -> bool:
    return (
        not proposal.session_over
        and seat.participant_id in proposal.sponsor_ids
        and proposal.stage in EDITABLE_STAGES
    )


def can_chair(seat: Seat, proposal: ProposalFacts) -> bool:
    """Instructors always; the group's co-chairs when the group lets them move stages."""
    if proposal.session_over:
        return False
    return seat.is_instructor or (seat.is_co_chair and proposal.chairs_move_stages)


def can_argue(seat: Seat, proposal: ProposalFacts) -> bool:
    if proposal.session_over or proposal.stage not in DEBATE_STAGES:
        return False
    return seat.is_instructor or (seat.in_group and seat.delegation_id is not None)


def can_hide_argument(seat: Seat) -> bool:
    return seat.is_instructor


def can_propose_amendment(seat: Seat, proposal: ProposalFacts) -> bool:
    return (
        not proposal.session_over
        and proposal.stage == "debate"
        and (seat.is_instructor or (seat.in_group and seat.delegation_id is not None))
    )


def can_accept_amendment(seat: Seat, proposal: ProposalFacts) -> bool:
    """The authors take an amendment as friendly while debate is open."""
    return not proposal.session_over and proposal.stage == "debate" and is_author(seat, proposal)


# What each stage-moving action needs and where it leads.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "table": (EDITABLE_STAGES, "tabled"),
    "open_debate": (frozenset({"tabled"}), "debate"),
    "open_vote": (frozenset({"debate"}), "voting"),
    "withdraw": (WITHDRAWABLE_STAGES, "withdrawn"),
}


def may_move(action: str, seat: Seat, proposal: ProposalFacts) -> bool:
    """Whether this seat may take this stage action now (closing a vote is decided by the tally)."""
    if proposal.session_over or action not in TRANSITIONS:
        return False
    if proposal.stage not in TRANSITIONS[action][0]:
        return False
    if action == "table":
        return is_author(seat, proposal)
    if action == "withdraw":
        return can_withdraw(seat, proposal)
    return can_chair(seat, proposal)


@dataclass(frozen=True)
class SponsorDelegation:
    delegation_id: int
    name: str
    is_member: bool


def sponsorship_shortfall(
    rule: str,
    delegations: Iterable[SponsorDelegation],
    drafter_delegation_id: int | None,
    backing_delegation_ids: Iterable[int],
) -> list[str]:
    """What tabling still needs, as sentences; empty when the rule holds.

    Authors back a proposal for their own delegation; so does every accepted sponsor.
    """
    backing = set(backing_delegation_ids)
    delegations = list(delegations)
    if rule == "none":
        return []
    if rule == "any_other_delegation":
        if any(d != drafter_delegation_id for d in backing):
            return []
        return [_("A sponsor from another delegation must accept.")]
    missing = [d.name for d in delegations if d.is_member and d.delegation_id not in backing]
    return [_("A sponsor from %(delegation)s must accept.", delegation=name) for name in missing]


# --- parallel texts ---------------------------------------------------------------------------


def other_language(language: str) -> str:
    """The parallel text's language beside a text in `language`."""
    return next(other for other in TEXT_LANGUAGES if other != language)


def language_name(language: str) -> str:
    return _(LANGUAGE_NAMES[language])


def in_page_order(languages: Iterable[str]) -> list[str]:
    """Languages in the order the pages set their texts side by side."""
    wanted = set(languages)
    return [language for language in TEXT_LANGUAGES if language in wanted]


@dataclass(frozen=True)
class TextsStep:
    """Whether a proposal's texts are in step, from its latest revision number per language and
    the pair an author last confirmed as agreeing."""

    latest: Mapping[str, int]  # language -> number of its latest revision
    confirmed: Mapping[str, int] | None  # language -> revision number, as last confirmed

    @property
    def parallel(self) -> bool:
        return len(self.latest) > 1

    @property
    def out_of_step(self) -> bool:
        return texts_out_of_step(self.latest, self.confirmed)

    @property
    def ahead(self) -> str | None:
        """The language whose text changed last, when the texts are out of step."""
        if not self.out_of_step:
            return None
        return max(self.latest, key=lambda language: self.latest[language])

    def reason(self) -> str:
        """Why the texts are out of step, as a sentence ('' when they are in step)."""
        ahead = self.ahead
        if ahead is None:
            return ""
        return _(
            "The %(ahead)s text changed after the last revision of the %(behind)s text.",
            ahead=language_name(ahead),
            behind=language_name(other_language(ahead)),
        )


def texts_out_of_step(latest: Mapping[str, int], confirmed: Mapping[str, int] | None) -> bool:
    """Two texts are out of step when one changed after the other's last revision and no author
    has confirmed, since, that the pair as it stands agrees.

    Revisions are numbered in one sequence across languages, so with two texts one of them
    always changed last; writing both at once records the author's confirmation of the pair
    (app.proposals.service). A proposal with one text is never out of step.
    """
    if len(latest) < 2:
        return False
    return dict(confirmed or {}) != dict(latest)


def vote_blocked_by_texts(step: TextsStep, texts_must_agree: bool) -> bool:
    """The working group's rule: with texts out of step, the proposal cannot go to the vote."""
    return texts_must_agree and step.out_of_step


def texts_refusal(step: TextsStep, texts_must_agree: bool) -> str | None:
    """Why opening the vote is refused for the texts' sake, or None when it is not."""
    if not vote_blocked_by_texts(step, texts_must_agree):
        return None
    return " ".join(
        [
            _("The texts are out of step."),
            step.reason(),
            _("The vote can open once an author confirms that both texts agree."),
        ]
    )


def can_confirm_texts(seat: Seat, proposal: ProposalFacts, step: TextsStep) -> bool:
    """An author confirms that two texts out of step agree, until the vote opens."""
    return (
        not proposal.session_over
        and is_author(seat, proposal)
        and proposal.stage in CONFIRMABLE_STAGES
        and step.out_of_step
    )
