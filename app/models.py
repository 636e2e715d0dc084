"""Every model, imported once so that Alembic and the app see the whole schema."""

from app.accounts.models import ApiToken, SignInThrottle, User, UserSession
from app.activity.models import Activity
from app.caucus.models import CaucusMessage
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
from app.norms import search_index
from app.norms.models import Norm, NormIndexEntry
from app.proposals.models import (
    Amendment,
    Argument,
    Proposal,
    ProposalAuthor,
    Revision,
    Sponsorship,
    TextConfirmation,
)
from app.scenarios.models import (
    Scenario,
    ScenarioDelegation,
    ScenarioInject,
    ScenarioRoleBrief,
    ScenarioSector,
    ScenarioWorkingGroup,
)
from app.voting.models import (
    BallotReceipt,
    RollCallBallot,
    SealedBallot,
    SecretBallotCount,
    Vote,
)


def install_model_events() -> None:
    """The ORM listeners the schema relies on (the registry's index follows every norm).

    Called where the app and the CLI start (`create_app`, the CLI's callback) and by scripts
    that write through the models; importing a module never installs them.
    """
    search_index.install()


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
    "SealedBallot",
    "SecretBallotCount",
    "Sector",
    "SignInThrottle",
    "Sponsorship",
    "TextConfirmation",
    "User",
    "UserSession",
    "Vote",
    "WorkingGroup",
    "WorkingGroupMembership",
    "install_model_events",
]
