"""Every model, imported once so that Alembic and the app see the whole schema."""

from app.accounts.models import ApiToken, LoginAttempt, User, UserSession
from app.activity.models import Activity
from app.commissions.models import (
    Commission,
    Delegation,
    Participant,
    RoleBrief,
    Sector,
    WorkingGroup,
    WorkingGroupMembership,
)
from app.db import Base
from app.injects.models import Inject
from app.norms import search_index  # noqa: F401 - keeps the search index in step with norms
from app.norms.models import Norm, NormIndexEntry
from app.proposals.models import (
    Amendment,
    Argument,
    CaucusMessage,
    Proposal,
    ProposalAuthor,
    Revision,
    Sponsorship,
)
from app.scenarios.models import (
    Scenario,
    ScenarioDelegation,
    ScenarioInject,
    ScenarioRoleBrief,
    ScenarioSector,
    ScenarioWorkingGroup,
)
from app.voting.models import BallotReceipt, RollCallBallot, SecretBallotCount, Vote

__all__ = [
    "Activity",
    "Amendment",
    "ApiToken",
    "Argument",
    "BallotReceipt",
    "Base",
    "CaucusMessage",
    "Commission",
    "Delegation",
    "Inject",
    "LoginAttempt",
    "Norm",
    "NormIndexEntry",
    "Participant",
    "Proposal",
    "ProposalAuthor",
    "Revision",
    "RoleBrief",
    "RollCallBallot",
    "Scenario",
    "ScenarioDelegation",
    "ScenarioInject",
    "ScenarioRoleBrief",
    "ScenarioSector",
    "ScenarioWorkingGroup",
    "SecretBallotCount",
    "Sector",
    "Sponsorship",
    "User",
    "UserSession",
    "Vote",
    "WorkingGroup",
    "WorkingGroupMembership",
]
