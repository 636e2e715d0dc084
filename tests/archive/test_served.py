"""The archive against the real thing: drafts written through the API of `commission serve`,
the instructor's download through the page, `commission export` and `import` as processes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import fresh_database
from tests.seminar import Seminar, ok
from tests.servers import ServedApp, app_environment, page_sign_in, run_cli

US_DRAFT = ("Served US draft on lab audits", "The US side alone has read this text.")
PRC_DRAFT = ("Served PRC draft on chips", "The PRC side alone has read this text.")
TABLED = ("Served tabled norm on hotlines", "Both sides keep a crisis hotline staffed.")
PRIVATE = [*US_DRAFT, *PRC_DRAFT]


def test_the_instructors_download_holds_no_draft_and_imports(
    served_demo: ServedApp, tmp_path: Path
) -> None:
    seminar = Seminar(served_demo)
    cid = seminar.commission_id()
    seats = seminar.participant_ids(cid)
    drafts = {}
    for author, (title, text) in (("us-lab", US_DRAFT), ("prc-tsinghua", PRC_DRAFT)):
        with seminar.api(author) as api:
            made = api.post(
                f"/commissions/{cid}/groups/FT/proposals", json={"title": title, "text": text}
            )
            drafts[author] = ok(made, 201)["id"]
    with seminar.api("us-lab") as api:
        made = api.post(
            f"/commissions/{cid}/groups/FT/proposals", json={"title": TABLED[0], "text": TABLED[1]}
        )
        tabled = ok(made, 201)["id"]
        ok(api.post(f"/proposals/{tabled}/sponsors", json={"participant_id": seats["prc-mfa"]}))
    with seminar.api("prc-mfa") as api:
        ok(api.post(f"/proposals/{tabled}/sponsorship", json={"accept": True}))
    with seminar.api("us-lab") as api:
        ok(api.post(f"/proposals/{tabled}/stage", json={"action": "table"}))

    with served_demo.client() as instructor:
        page_sign_in(instructor, "instructor", "demo-password")
        for draft in drafts.values():  # the pages do not show them to the instructor …
            assert instructor.get(f"/proposals/{draft}").status_code == 404
        manage = instructor.get(f"/commissions/{cid}/manage").text
        assert "without students’ private drafts" in manage
        download = instructor.get(f"/commissions/{cid}/archive.json")
    assert download.status_code == 200
    # … and neither does the archive; what is tabled is there.
    assert [word for word in PRIVATE if word in download.text] == []
    titles = {p["title"]: p["stage"] for p in download.json()["proposals"]}
    assert titles[TABLED[0]] == "tabled"
    assert not {p for p in download.json()["proposals"] if p["id"] in drafts.values()}

    file = tmp_path / "download.json"
    file.write_bytes(download.content)
    elsewhere = app_environment(fresh_database("archive_drafts_import"))
    run_cli(["db", "upgrade"], elsewhere)
    new_id = run_cli(["import", str(file)], elsewhere).stdout.strip()
    again = json.loads(run_cli(["export", new_id, "--include-drafts"], elsewhere).stdout)
    assert {p["title"] for p in again["proposals"]} == set(titles)

    # The operator's export: the same without the flag, the drafts only when asked for.
    plain = run_cli(["export", str(cid)], served_demo.env).stdout
    assert [word for word in PRIVATE if word in plain] == []
    assert TABLED[1] in plain
    full = run_cli(["export", str(cid), "--include-drafts"], served_demo.env).stdout
    assert all(word in full for word in PRIVATE)
