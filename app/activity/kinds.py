"""Every kind of activity entry, with the words a page shows for it: one registry, read by the
instructor's feed and the after-action report's timeline alike (through the `activity_label`
template function, `label` below), in sentence case since both show the words on their own
after a time. A kind missing here is shown as its code.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.i18n import gettext
from app.i18n import lazy as N_


@dataclass(frozen=True)
class Kind:
    label: str  # marked for translation, translated where it is shown
    turning_point: bool = False  # listed in the report's timeline


KINDS: dict[str, Kind] = {
    "commission.started": Kind(N_("The session started"), turning_point=True),
    "proposal.drafted": Kind(N_("A proposal was drafted")),
    "proposal.revised": Kind(N_("A proposal was revised")),
    "texts.confirmed": Kind(N_("An author confirmed that a proposal's two texts agree")),
    "proposal.tabled": Kind(N_("A proposal was tabled"), turning_point=True),
    "proposal.withdrawn": Kind(N_("A proposal was withdrawn"), turning_point=True),
    "proposal.coauthor_added": Kind(N_("A co-author joined a proposal")),
    "sponsor.invited": Kind(N_("A sponsor was asked")),
    "sponsor.accepted": Kind(N_("A sponsor accepted")),
    "sponsor.declined": Kind(N_("A sponsor declined")),
    "debate.opened": Kind(N_("Debate opened"), turning_point=True),
    "argument.posted": Kind(N_("An argument was posted")),
    "argument.hidden": Kind(N_("An argument was hidden")),
    "amendment.proposed": Kind(N_("An amendment was proposed")),
    "amendment.accepted": Kind(N_("An amendment was accepted as friendly")),
    "amendment.withdrawn": Kind(N_("An amendment was withdrawn")),
    "amendment.vote_opened": Kind(N_("A vote on an amendment opened"), turning_point=True),
    "amendment.vote_closed": Kind(N_("A vote on an amendment closed"), turning_point=True),
    "vote.opened": Kind(N_("A vote opened"), turning_point=True),
    "vote.closed": Kind(N_("A vote closed"), turning_point=True),
    "ballot.cast": Kind(N_("A ballot was cast")),
    "norm.adopted": Kind(N_("A norm was adopted"), turning_point=True),
    "inject.written": Kind(N_("An inject was written")),
    "inject.edited": Kind(N_("An inject was edited")),
    "inject.scheduled": Kind(N_("An inject was scheduled")),
    "inject.armed": Kind(N_("An inject was armed")),
    "inject.disarmed": Kind(N_("An inject was disarmed")),
    "inject.cancelled": Kind(N_("An inject was cancelled")),
    "inject.restored": Kind(N_("An inject was restored")),
    "inject.published": Kind(N_("An inject was published"), turning_point=True),
    "rules.changed": Kind(N_("The rules changed"), turning_point=True),
    "partner.added": Kind(N_("Partner delegation added"), turning_point=True),
    "commission.concluded": Kind(N_("The commission concluded"), turning_point=True),
}

# What the report's timeline lists: the session's turning points, not every ballot and argument.
TURNING_POINTS: tuple[str, ...] = tuple(k for k, kind in KINDS.items() if kind.turning_point)


def label(code: str) -> str:
    """The words for an entry's kind, in the reader's language."""
    kind = KINDS.get(code)
    return gettext(kind.label) if kind else code
