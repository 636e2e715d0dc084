"""Instructor decisions: who may run a commission, and when rules may change. Pure, no I/O.

Refusals are returned already translated, so they must be built here with `_()` around a
literal that Babel can extract.
"""

from __future__ import annotations

from app.i18n import gettext as _


def can_open_commissions(is_instructor_account: bool) -> bool:
    return is_instructor_account


def rule_change_refusal(open_votes_in_group: int) -> str | None:
    """Changing a working group's rules while one of its votes is open would change a count."""
    if open_votes_in_group:
        return _("A vote is open in this working group. Close it before changing the rules.")
    return None


def console_change_refusal(status: str) -> str | None:
    """A concluded commission's record is final: seats, enrolment, rules and partners too."""
    if status == "concluded":
        return _(
            "This commission has concluded: its roster, seats, rules and delegations are final."
        )
    return None


def groups_per_student_refusal(groups_per_student: int, group_count: int) -> str | None:
    """Auto-assign seats each student in 1 … all working groups; 0 also means all of them."""
    if not 0 <= groups_per_student <= group_count:
        return _(
            "Choose how many working groups each student sits in: from 1 to %(count)s.",
            count=group_count,
        )
    return None


def password_reset_refusal(
    *, role: str, instructor_account: bool, instructs_a_commission: bool
) -> str | None:
    """An instructor resets the password of a student in their commission, nobody else's.

    An instructor's account opens other classes' consoles, so it is never reset from a console,
    even when its owner sits in this commission as a delegate; `commission set-password` on the
    server does that.
    """
    if role == "instructor" or instructor_account or instructs_a_commission:
        return _(
            "This is an instructor's account. Its password is changed by its owner, or on the "
            "server with commission set-password."
        )
    return None


PARTNER_CODE_PATTERN = r"^[A-Z][A-Z0-9]{1,11}$"
