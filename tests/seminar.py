"""A seminar driven through a served app's JSON API, the way a script or an LMS would drive it.

Used by the tests that run against `commission serve` (tests/servers.py) on the demo data:
every account signs in through the page form, makes a personal API token on its account
page, and acts with it. Nothing here reaches into the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from app.demo import DEMO_COMMISSION_TITLE, DEMO_DELEGATES, DEMO_PASSWORD, PAST_SEMINAR_TITLE
from tests.servers import ServedApp, api_token, page_sign_in

US_DELEGATES = tuple(d[0] for d in DEMO_DELEGATES if d[2] == "US")
PRC_DELEGATES = tuple(d[0] for d in DEMO_DELEGATES if d[2] == "PRC")
DEMO_NAMES = ("Dr. Morgan Hale", *(d[1] for d in DEMO_DELEGATES))
DEMO_USERNAMES = ("instructor", *(d[0] for d in DEMO_DELEGATES))


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    return response.json() if response.content else None


@dataclass
class Seminar:
    """The demo commission on a served app, with an API client per account."""

    app: ServedApp
    tokens: dict[str, str] = field(default_factory=dict)

    def api(self, username: str) -> httpx.Client:
        if username not in self.tokens:
            with self.app.client() as browser:
                page_sign_in(browser, username, DEMO_PASSWORD)
                self.tokens[username] = api_token(browser)
        return httpx.Client(
            base_url=self.app.base_url + "/api/v1",
            headers={"Authorization": f"Bearer {self.tokens[username]}"},
            timeout=30,
        )

    def commission_id(self, title: str = DEMO_COMMISSION_TITLE) -> int:
        with self.api("instructor") as api:
            found = [c["id"] for c in ok(api.get("/commissions")) if c["title"] == title]
        assert found, f"no commission {title!r}"
        return int(found[0])

    def past_seminar_id(self) -> int:
        return self.commission_id(PAST_SEMINAR_TITLE)

    def participant_ids(self, commission_id: int) -> dict[str, int]:
        with self.api("instructor") as api:
            rows = ok(api.get(f"/commissions/{commission_id}/participants"))
        return {r["username"]: int(r["id"]) for r in rows}

    def adopt(
        self,
        commission_id: int,
        *,
        pillar: str = "FT",
        title: str,
        text: str,
        author: str = "us-lab",
        sponsor: str = "prc-tsinghua",
        argument: str = "This is worth adopting.",
    ) -> dict[str, Any]:
        """Draft, sponsor, table, debate, vote (everyone yes) and close: a norm is adopted."""
        seats = self.participant_ids(commission_id)
        with self.api(author) as api:
            proposal = ok(
                api.post(
                    f"/commissions/{commission_id}/groups/{pillar}/proposals",
                    json={"title": title, "text": text},
                ),
                201,
            )
            pid = proposal["id"]
            ok(api.post(f"/proposals/{pid}/sponsors", json={"participant_id": seats[sponsor]}))
        with self.api(sponsor) as api:
            ok(api.post(f"/proposals/{pid}/sponsorship", json={"accept": True}))
        with self.api(author) as api:
            ok(api.post(f"/proposals/{pid}/stage", json={"action": "table"}))
        with self.api("instructor") as api:
            ok(api.post(f"/proposals/{pid}/stage", json={"action": "open_debate"}))
        with self.api(sponsor) as api:
            ok(
                api.post(
                    f"/proposals/{pid}/arguments", json={"stance": "support", "body": argument}
                ),
                201,
            )
        with self.api("instructor") as api:
            vote = ok(api.post(f"/proposals/{pid}/stage", json={"action": "open_vote"}))["vote"]
        for voter in US_DELEGATES + PRC_DELEGATES:
            with self.api(voter) as api:
                ok(
                    api.post(
                        f"/proposals/{pid}/votes/{vote['id']}/ballots", json={"choice": "yes"}
                    ),
                    201,
                )
        with self.api("instructor") as api:
            closed = ok(api.post(f"/proposals/{pid}/votes/{vote['id']}/close"))
        assert closed["stage"] == "adopted", closed
        return dict(closed)

    def conclude(
        self, commission_id: int, visibility: str = "public", *, credit_by_name: bool = False
    ) -> None:
        body = {"visibility": visibility, "credit_students_by_name": credit_by_name}
        with self.api("instructor") as api:
            ok(api.post(f"/commissions/{commission_id}/conclude", json=body), 204)
