"""A proposal's whole life through the pages: draft, sponsor, table, debate, amend, vote, adopt."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.activity.models import Activity
from app.commissions.models import WorkingGroupMembership
from app.norms.models import Norm
from app.proposals.models import Proposal, Revision
from tests.conftest import Cast, csrf_from, sign_in


def post(client: TestClient, page: str, action: str, data: dict[str, str]) -> object:
    token = csrf_from(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token})


def as_user(client: TestClient, name: str) -> None:
    client.cookies.clear()
    sign_in(client, name)


def make_chair(db: Session, cast: Cast, name: str, group: str = "CY") -> None:
    membership = db.get(WorkingGroupMembership, (cast.participants[name].id, cast.groups[group].id))
    assert membership is not None
    membership.is_co_chair = True
    db.flush()


def test_a_proposal_goes_from_draft_to_norm(client: TestClient, db: Session, cast: Cast) -> None:
    c = cast.commission.id
    group_page = f"/commissions/{c}/groups/cybersecurity"
    make_chair(db, cast, "pei")

    sign_in(client, "ursula")
    created = post(
        client,
        group_page,
        f"{group_page}/proposals",
        {
            "title": "No attacks on power grids",
            "text": "Neither side attacks **civilian** power grids.",
        },
    )
    assert created.status_code == 303, created.text  # type: ignore[attr-defined]
    url = created.headers["location"]  # type: ignore[attr-defined]
    pid = int(url.rsplit("/", 1)[1])

    # Tabling is refused until a PRC delegate sponsors, and the page says what is missing.
    refused = post(client, url, f"{url}/stage", {"action": "table"})
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert "A sponsor from People&#39;s Republic of China must accept." in refused.text  # type: ignore[attr-defined]

    # The draft is invisible to the PRC delegate until asked to sponsor.
    as_user(client, "pei")
    assert client.get(url).status_code == 404
    as_user(client, "ursula")
    post(client, url, f"{url}/sponsors", {"participant_id": str(cast.participants["pei"].id)})
    as_user(client, "pei")
    assert client.get(url).status_code == 200
    post(client, url, f"{url}/sponsorship", {"answer": "accept"})

    as_user(client, "ursula")
    tabled = post(client, url, f"{url}/stage", {"action": "table"})
    assert tabled.status_code == 303  # type: ignore[attr-defined]

    # The co-chair opens debate; arguments and an amendment follow.
    as_user(client, "pei")
    assert post(client, url, f"{url}/stage", {"action": "open_debate"}).status_code == 303  # type: ignore[attr-defined]
    post(client, url, f"{url}/arguments", {"stance": "question", "body": "Does this cover ports?"})
    amended = post(
        client,
        url,
        f"{url}/amendments",
        {
            "text": "Neither side attacks **civilian** power grids or ports.",
            "rationale": "Ports too.",
        },
    )
    assert amended.status_code == 303  # type: ignore[attr-defined]

    as_user(client, "ursula")
    page = client.get(url).text
    amendment_id = re.search(r"/amendments/(\d+)/accept", page)
    assert amendment_id
    post(client, url, f"{url}/amendments/{amendment_id.group(1)}/accept", {})
    revisions = db.scalars(select(Revision).where(Revision.proposal_id == pid)).all()
    assert [r.number for r in revisions] == [1, 2]
    assert revisions[1].author_id == cast.participants["pei"].id
    diff = client.get(f"{url}/diff?from=1&to=2").text
    assert "<ins> or ports</ins>" in diff

    # The vote opens; both delegations vote; the tally explains itself; closing adopts.
    as_user(client, "pei")
    assert post(client, url, f"{url}/stage", {"action": "open_vote"}).status_code == 303  # type: ignore[attr-defined]
    vote_id = re.search(r"/votes/(\d+)/ballot", client.get(url).text)
    assert vote_id
    ballot = f"{url}/votes/{vote_id.group(1)}/ballot"
    for name in ("pei", "ursula", "ulysses"):
        as_user(client, name)
        assert post(client, url, ballot, {"choice": "yes"}).status_code == 303  # type: ignore[attr-defined]
    as_user(client, "ursula")
    again = post(client, url, ballot, {"choice": "no"})
    assert again.status_code == 409  # type: ignore[attr-defined]
    assert "already" in again.text  # type: ignore[attr-defined]
    standing = client.get(url).text
    # The cybersecurity group decides by consensus in "Cooling Off".
    assert "United States: 2 yes, 0 no, 0 abstain: no objection." in standing
    assert "Consensus: no objection and 3 yes votes, met." in standing
    assert "Would pass if the vote closed now." in standing

    as_user(client, "pei")
    post(client, url, f"{url}/votes/{vote_id.group(1)}/close", {})
    proposal = db.get(Proposal, pid)
    db.refresh(proposal)
    assert proposal is not None and proposal.stage == "adopted"
    norm = db.scalar(select(Norm).where(Norm.proposal_id == pid))
    assert norm is not None
    assert norm.code == "CY-1"
    assert "ports" in norm.text
    assert norm.tally["US"]["yes"] == 2
    assert "Adopted as norm CY-1 of the commission." in client.get(url).text

    kinds = set(db.scalars(select(Activity.kind).where(Activity.proposal_id == pid)))
    assert {
        "proposal.drafted",
        "sponsor.invited",
        "sponsor.accepted",
        "proposal.tabled",
        "debate.opened",
        "argument.posted",
        "amendment.proposed",
        "amendment.accepted",
        "vote.opened",
        "ballot.cast",
        "vote.closed",
        "norm.adopted",
    } <= kinds


def test_a_rationale_too_long_is_marked_at_its_field_and_kept(
    client: TestClient, db: Session, cast: Cast
) -> None:
    group_page = f"/commissions/{cast.commission.id}/groups/cybersecurity"
    sign_in(client, "ursula")
    long_rationale = "why " * 5001
    refused = post(
        client,
        group_page,
        f"{group_page}/proposals",
        {"title": "Ports", "text": "Ports stay open.", "rationale": long_rationale},
    )
    assert refused.status_code == 422  # type: ignore[attr-defined]
    html = refused.text  # type: ignore[attr-defined]
    assert '<p class="field__error" id="rationale-error">Use at most 20,000 characters.</p>' in html
    assert 'aria-describedby="rationale-error"' in html
    assert long_rationale.strip() in html
    assert db.scalars(select(Proposal).where(Proposal.title == "Ports")).first() is None
