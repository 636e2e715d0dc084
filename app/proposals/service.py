"""Drafting, sponsoring, moving and debating proposals. Functions never commit.

Who is acting is app.proposals.acting; amendments are app.proposals.amendments. Stage changes
are compare-and-set updates (`WHERE stage = :expected`), so two chairs clicking at once cannot
both move a proposal: the second gets a Conflict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from app.commissions.models import Commission, Delegation, Participant, WorkingGroup
from app.commissions.rules import Seat
from app.db import utcnow
from app.errors import Conflict, Invalid, NotAllowed, NotFound
from app.i18n import gettext as _
from app.proposals import rules
from app.proposals.acting import Acting, record_change, session_over
from app.proposals.models import (
    Argument,
    Proposal,
    ProposalAuthor,
    Revision,
    Sponsorship,
    TextConfirmation,
)

TITLE_MAX = 200
TEXT_MAX = 20_000
BODY_MAX = 10_000


def commission_default_locale(session: Session, proposal_id: int) -> str | None:
    """The default language of the commission a proposal belongs to (app.commissions.service)."""
    return session.scalar(
        select(Commission.default_locale)
        .join(Proposal, Proposal.commission_id == Commission.id)
        .where(Proposal.id == proposal_id)
    )


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


@dataclass(frozen=True)
class Wording:
    """A text in one language as an author writes it: its title, the norm's text, and why."""

    title: str
    text: str
    rationale: str = ""

    @property
    def blank(self) -> bool:
        return not (self.title.strip() or self.text.strip() or self.rationale.strip())


def _check_text(title: str, text: str, rationale: str, prefix: str = "") -> tuple[str, str, str]:
    """The wording stripped, or refused naming its field (`prefix` marks a parallel text's)."""
    title, text, rationale = title.strip(), text.strip(), rationale.strip()
    if not title:
        raise Invalid(_("Give the proposal a title."), field=f"{prefix}title")
    if len(title) > TITLE_MAX:
        raise Invalid(_("Use at most 200 characters."), field=f"{prefix}title")
    if not text:
        raise Invalid(_("Write the text of the norm you propose."), field=f"{prefix}text")
    if len(text) > TEXT_MAX:
        raise Invalid(_("Use at most 20,000 characters."), field=f"{prefix}text")
    if len(rationale) > TEXT_MAX:
        raise Invalid(_("Use at most 20,000 characters."), field=f"{prefix}rationale")
    return title, text, rationale


PARALLEL = "parallel_"  # the form fields of the text in the other language


def _check_language(language: str) -> str:
    if language not in rules.TEXT_LANGUAGES:
        raise Invalid(_("Choose English or Chinese."), field="language")
    return language


def _wordings(language: str, own: Wording, parallel: Wording | None) -> list[tuple[str, Wording]]:
    """Each language's wording, checked: the text in `language`, and the other language's if
    one was written (a parallel form left blank writes nothing)."""
    title, text, rationale = _check_text(own.title, own.text, own.rationale)
    wordings = [(language, Wording(title, text, rationale))]
    if parallel is not None and not parallel.blank:
        title, text, rationale = _check_text(
            parallel.title, parallel.text, parallel.rationale, PARALLEL
        )
        wordings.append((rules.other_language(language), Wording(title, text, rationale)))
    return wordings


# --- drafting ------------------------------------------------------------------------------


def create_proposal(
    session: Session,
    participant: Participant,
    seat: Seat,
    group: WorkingGroup,
    *,
    title: str,
    text: str,
    rationale: str = "",
    language: str = "en",
    parallel: Wording | None = None,
) -> Proposal:
    """A new draft with its text in `language` (the proposal's own), and the parallel text in
    the other language when the drafter writes both."""
    require(
        rules.can_draft_in_group(seat),
        _("Only seated delegates of this working group can draft proposals in it."),
    )
    if session_over(session, group.commission_id):
        raise Conflict(_("This commission has concluded; its record is final."))
    wordings = _wordings(_check_language(language), Wording(title, text, rationale), parallel)
    proposal = Proposal(
        commission_id=group.commission_id,
        working_group_id=group.id,
        title=wordings[0][1].title,
        created_by_id=participant.id,
    )
    session.add(proposal)
    session.flush()
    session.add(ProposalAuthor(proposal_id=proposal.id, participant_id=participant.id))
    _write_revisions(session, proposal.id, 0, wordings, participant.id)
    # A draft is private to its authors: the log entry is kept, but nobody is told live.
    record_change(
        session,
        proposal,
        "proposal.drafted",
        actor_id=participant.id,
        delegation_id=participant.delegation_id,
    )
    session.flush()
    return proposal


def _write_revisions(
    session: Session,
    proposal_id: int,
    after: int,
    wordings: list[tuple[str, Wording]],
    author_id: int,
) -> list[Revision]:
    """The new revisions, numbered on from `after`; written both at once, two texts are the
    author's word that they agree (a confirmation of the pair)."""
    revisions = [
        Revision(
            proposal_id=proposal_id,
            number=after + i,
            language=language,
            title=wording.title,
            text=wording.text,
            rationale=wording.rationale,
            author_id=author_id,
        )
        for i, (language, wording) in enumerate(wordings, start=1)
    ]
    session.add_all(revisions)
    if len(revisions) > 1:
        session.add(
            TextConfirmation(
                proposal_id=proposal_id,
                participant_id=author_id,
                revisions={r.language: r.number for r in revisions},
            )
        )
    return revisions


@dataclass(frozen=True)
class Texts:
    """A proposal's texts as they stand: the current revision in each language."""

    own_language: str  # the language of the first revision, whose title the proposal carries
    current: dict[str, Revision]  # language -> its latest revision, in the pages' order
    latest_number: int  # the highest revision number in any language

    @property
    def own(self) -> Revision:
        return self.current[self.own_language]

    def latest_numbers(self) -> dict[str, int]:
        return {language: r.number for language, r in self.current.items()}


def texts_of(revisions: Sequence[Revision]) -> Texts:
    """The texts as they stand after these revisions (every revision of one proposal)."""
    ordered = sorted(revisions, key=lambda r: r.number)
    assert ordered, "every proposal has a first revision"
    latest = {r.language: r for r in ordered}
    return Texts(
        own_language=ordered[0].language,
        current={language: latest[language] for language in rules.in_page_order(latest)},
        latest_number=ordered[-1].number,
    )


def current_texts(session: Session, proposal_id: int) -> Texts:
    return texts_of(
        session.scalars(select(Revision).where(Revision.proposal_id == proposal_id)).all()
    )


def latest_revision(session: Session, proposal_id: int, language: str | None = None) -> Revision:
    """The current text in `language`, by default in the proposal's own language (that of its
    first revision)."""
    wanted: Any = language
    if wanted is None:
        wanted = (
            select(Revision.language)
            .where(Revision.proposal_id == proposal_id)
            .order_by(Revision.number)
            .limit(1)
            .scalar_subquery()
        )
    revision = session.scalar(
        select(Revision)
        .where(Revision.proposal_id == proposal_id, Revision.language == wanted)
        .order_by(Revision.number.desc())
        .limit(1)
    )
    assert revision is not None, "every proposal has a first revision"
    return revision


def last_confirmation(session: Session, proposal_id: int) -> TextConfirmation | None:
    return session.scalar(
        select(TextConfirmation)
        .where(TextConfirmation.proposal_id == proposal_id)
        .order_by(TextConfirmation.id.desc())
        .limit(1)
    )


def texts_step(texts: Texts, confirmation: TextConfirmation | None) -> rules.TextsStep:
    """Whether these texts are in step, given the last confirmation of the proposal's pair."""
    return _step(texts.latest_numbers(), confirmation)


def _step(latest: dict[str, int], confirmation: TextConfirmation | None) -> rules.TextsStep:
    confirmed = dict(confirmation.revisions) if confirmation is not None else None
    return rules.TextsStep(latest=latest, confirmed=confirmed)


def texts_step_of(session: Session, proposal_id: int) -> rules.TextsStep:
    """Whether the proposal's texts are in step: one query, two with parallel texts."""
    rows = session.execute(
        select(Revision.language, func.max(Revision.number))
        .where(Revision.proposal_id == proposal_id)
        .group_by(Revision.language)
    ).all()
    latest = {language: int(number) for language, number in rows}
    confirmation = last_confirmation(session, proposal_id) if len(latest) > 1 else None
    return _step(latest, confirmation)


def edit_proposal(
    session: Session,
    acting: Acting,
    *,
    title: str,
    text: str,
    rationale: str,
    language: str | None = None,
    parallel: Wording | None = None,
) -> Revision | None:
    """Save a new immutable revision of each text that changed; nothing is written when nothing
    changed. `language` is the language of `title`, `text` and `rationale` (by default the
    proposal's own); `parallel`, if given, is the text in the other language, added or changed.
    """
    require(
        rules.can_edit(acting.seat, acting.facts),
        _("Only the authors can edit, and only a draft or a rejected proposal."),
    )
    texts = current_texts(session, acting.proposal.id)
    language = _check_language(language or texts.own_language)
    if parallel is not None and parallel.blank and rules.other_language(language) in texts.current:
        raise Invalid(_("Write the text of the norm you propose."), field=f"{PARALLEL}text")
    changed = [
        (lang, wording)
        for lang, wording in _wordings(language, Wording(title, text, rationale), parallel)
        if (current := texts.current.get(lang)) is None
        or (current.title, current.text, current.rationale)
        != (wording.title, wording.text, wording.rationale)
    ]
    if not changed:
        return None
    revisions = _write_revisions(
        session, acting.proposal.id, texts.latest_number, changed, acting.participant.id
    )
    for revision in revisions:
        if revision.language == texts.own_language:
            acting.proposal.title = revision.title
        acting.record(
            session, "proposal.revised", revision=revision.number, language=revision.language
        )
    session.flush()
    return revisions[-1]


def confirm_texts(session: Session, acting: Acting) -> TextConfirmation:
    """An author's word that the two texts, as they stand, agree: the proposal may go to the
    vote again under a group that requires it."""
    step = texts_step_of(session, acting.proposal.id)
    if not rules.can_confirm_texts(acting.seat, acting.facts, step):
        if not step.out_of_step:
            raise Conflict(_("The two texts are in step already."))
        raise NotAllowed(
            _("Only the authors can confirm that the texts agree, before the vote opens.")
        )
    confirmation = TextConfirmation(
        proposal_id=acting.proposal.id,
        participant_id=acting.participant.id,
        revisions=dict(step.latest),
    )
    session.add(confirmation)
    session.flush()
    acting.record(session, "texts.confirmed", announce="stage", revisions=dict(step.latest))
    return confirmation


def _participant_in(session: Session, commission_id: int, participant_id: int) -> Participant:
    participant = session.scalar(
        select(Participant)
        .where(Participant.id == participant_id, Participant.commission_id == commission_id)
        .options(joinedload(Participant.delegation), joinedload(Participant.user))
    )
    if participant is None or participant.role != "delegate" or participant.delegation is None:
        raise Invalid(_("Choose a seated delegate of this commission."), field="participant_id")
    return participant


def add_coauthor(session: Session, acting: Acting, participant_id: int) -> None:
    require(
        rules.can_edit(acting.seat, acting.facts),
        _("Only the authors can add co-authors to a draft."),
    )
    other = _participant_in(session, acting.proposal.commission_id, participant_id)
    if other.id in acting.facts.author_ids:
        raise Conflict(_("%(name)s is already an author.", name=other.user.display_name))
    session.add(ProposalAuthor(proposal_id=acting.proposal.id, participant_id=other.id))
    # An author need not also be asked to sponsor.
    sponsorship = session.get(Sponsorship, (acting.proposal.id, other.id))
    if sponsorship is not None:
        session.delete(sponsorship)
    acting.record(session, "proposal.coauthor_added", coauthor=other.id)
    session.flush()


def invite_sponsor(session: Session, acting: Acting, participant_id: int) -> Sponsorship:
    require(
        rules.can_edit(acting.seat, acting.facts),
        _("Only the authors can ask for sponsors, before the proposal is tabled."),
    )
    other = _participant_in(session, acting.proposal.commission_id, participant_id)
    if other.id in acting.facts.author_ids:
        raise Conflict(_("Authors back their proposal already; ask someone else."))
    existing = session.get(Sponsorship, (acting.proposal.id, other.id))
    if existing is not None and existing.status != "declined":
        raise Conflict(_("%(name)s has been asked already.", name=other.user.display_name))
    if existing is None:
        existing = Sponsorship(proposal_id=acting.proposal.id, participant_id=other.id)
        session.add(existing)
    else:
        existing.status, existing.responded_at, existing.invited_at = "invited", None, utcnow()
    acting.record(session, "sponsor.invited", sponsor=other.id)
    session.flush()
    return existing


def respond_to_sponsorship(session: Session, acting: Acting, *, accept: bool) -> None:
    require(
        rules.can_respond_to_sponsorship(acting.seat, acting.facts),
        _("Only a delegate asked to sponsor this proposal can answer, before it is tabled."),
    )
    sponsorship = session.get(Sponsorship, (acting.proposal.id, acting.participant.id))
    assert sponsorship is not None
    sponsorship.status = "accepted" if accept else "declined"
    sponsorship.responded_at = utcnow()
    acting.record(session, "sponsor.accepted" if accept else "sponsor.declined")
    session.flush()


def sponsorship_shortfall(session: Session, acting: Acting) -> list[str]:
    """What tabling still needs, as sentences (empty when the group's rule holds)."""
    delegations = session.scalars(
        select(Delegation).where(Delegation.commission_id == acting.proposal.commission_id)
    ).all()
    backers = [a.participant_id for a in acting.proposal.authors] + [
        s.participant_id for s in acting.proposal.sponsorships if s.status == "accepted"
    ]
    backing = session.scalars(
        select(Participant.delegation_id).where(
            Participant.id.in_(backers), Participant.delegation_id.is_not(None)
        )
    ).all()
    drafter = session.get(Participant, acting.proposal.created_by_id or 0)
    return rules.sponsorship_shortfall(
        acting.group.sponsorship,
        [rules.SponsorDelegation(d.id, d.name, d.status == "member") for d in delegations],
        drafter.delegation_id if drafter else None,
        [d for d in backing if d is not None],
    )


# --- stages --------------------------------------------------------------------------------


def set_stage(
    session: Session, proposal: Proposal, expected: str, new: str, **values: object
) -> None:
    """Compare-and-set: the database refuses the move if someone moved the proposal first."""
    moved = session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.stage == expected)
        .values(stage=new, stage_changed_at=utcnow(), updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("This proposal has moved on meanwhile. Reload the page."))
    session.refresh(proposal, attribute_names=["stage", "round", "stage_changed_at"])


STAGE_MESSAGES = {
    "table": "proposal.tabled",
    "open_debate": "debate.opened",
    "open_vote": "vote.opened",
    "withdraw": "proposal.withdrawn",
}


def move_stage(session: Session, acting: Acting, action: str) -> None:
    """Table, open debate or withdraw (opening and closing votes live in voting.service)."""
    proposal, stage = acting.proposal, acting.proposal.stage
    if action not in ("table", "open_debate", "withdraw"):
        raise Invalid(_("Unknown action."), field="action")
    if not rules.may_move(action, acting.seat, acting.facts):
        if stage not in rules.TRANSITIONS[action][0]:
            raise Conflict(_("That step is not possible at this stage."))
        raise NotAllowed(_("You may not take that step on this proposal."))
    values: dict[str, object] = {}
    if action == "table":
        if missing := sponsorship_shortfall(session, acting):
            raise Conflict(" ".join([_("Tabling needs more sponsors."), *missing]))
        if stage == "rejected":
            values["round"] = proposal.round + 1
    set_stage(session, proposal, stage, rules.TRANSITIONS[action][1], **values)
    kind = STAGE_MESSAGES[action]
    acting.record(session, kind, announce="stage", stage=proposal.stage, round=proposal.round)


# --- debate --------------------------------------------------------------------------------


def post_argument(
    session: Session, acting: Acting, *, stance: str, body: str, parent_id: int | None = None
) -> Argument:
    require(
        rules.can_argue(acting.seat, acting.facts),
        _("Arguments are open to the working group while a proposal is in debate or voting."),
    )
    if stance not in rules.STANCES:
        raise Invalid(_("Choose support, oppose, question or note."), field="stance")
    body = body.strip()
    if not body:
        raise Invalid(_("Write your argument."), field="body")
    if len(body) > BODY_MAX:
        raise Invalid(_("Use at most 10,000 characters."), field="body")
    if parent_id is not None:
        parent = session.get(Argument, parent_id)
        if parent is None or parent.proposal_id != acting.proposal.id:
            raise Invalid(
                _("You can only reply to an argument on this proposal."), field="parent_id"
            )
    argument = Argument(
        proposal_id=acting.proposal.id,
        parent_id=parent_id,
        author_id=acting.participant.id,
        stance=stance,
        body=body,
    )
    session.add(argument)
    session.flush()
    acting.record(
        session,
        "argument.posted",
        announce="argument",
        subject_id=argument.id,
        argument=argument.id,
        stance=stance,
    )
    return argument


def hide_argument(session: Session, acting: Acting, argument_id: int, reason: str) -> Argument:
    require(rules.can_hide_argument(acting.seat), _("Only instructors can hide arguments."))
    argument = session.get(Argument, argument_id)
    if argument is None or argument.proposal_id != acting.proposal.id:
        raise NotFound(_("There is no such argument on this proposal."))
    reason = reason.strip()
    if not reason:
        raise Invalid(_("Say why the argument is hidden; the reason is logged."), field="reason")
    if argument.hidden_at is not None:
        raise Conflict(_("This argument is hidden already."))
    argument.hidden_at, argument.hidden_by_id = utcnow(), acting.participant.id
    argument.hidden_reason = reason[:1000]
    acting.record(
        session,
        "argument.hidden",
        announce="argument_hidden",
        subject_id=argument.id,
        argument=argument.id,
        reason=argument.hidden_reason,
    )
    session.flush()
    return argument


# --- lookups -------------------------------------------------------------------------------


def group_in_commission(session: Session, commission_id: int, pillar_or_code: str) -> WorkingGroup:
    group = session.scalar(
        select(WorkingGroup).where(
            WorkingGroup.commission_id == commission_id,
            (WorkingGroup.pillar == pillar_or_code) | (WorkingGroup.code == pillar_or_code.upper()),
        )
    )
    if group is None:
        raise NotFound(_("There is no such working group in this commission."))
    return group
