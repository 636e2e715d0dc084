"""A password reset under `commission serve` on the demo data, the way an instructor does it:
the console's form with its CSRF token, then the student's old cookie and token are useless and
the new password signs in."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.demo import DEMO_PASSWORD
from tests.conftest import empty_postgres_database, is_postgres
from tests.seminar import Seminar
from tests.servers import (
    ServedApp,
    api_token,
    app_environment,
    csrf_in,
    page_sign_in,
    run_cli,
    served_app,
    sqlite_url,
)

STUDENT = "prc-pla"  # Zhang Min in the demo seminar


@pytest.fixture(scope="module")
def demo_app() -> Iterator[ServedApp]:
    if is_postgres():
        database = empty_postgres_database("reset_served")
    else:
        database = sqlite_url(Path(tempfile.mkdtemp(prefix="commission-reset-served-")))
    env = app_environment(database)
    run_cli(["demo", "--no-serve"], env)
    with served_app(env) as app:
        yield app


def test_an_instructor_resets_a_students_password_from_the_console(demo_app: ServedApp) -> None:
    seminar = Seminar(demo_app)
    commission_id = seminar.commission_id()
    participant_id = seminar.participant_ids(commission_id)[STUDENT]
    overview = f"/commissions/{commission_id}"

    with demo_app.client() as student, demo_app.client() as instructor:
        page_sign_in(student, STUDENT, DEMO_PASSWORD)
        assert student.get(overview).status_code == 200
        token = api_token(student)
        bearer = {"Authorization": f"Bearer {token}"}
        assert student.get("/api/v1/commissions", headers=bearer).status_code == 200

        page_sign_in(instructor, "instructor", DEMO_PASSWORD)
        console = instructor.get(f"{overview}/manage")
        assert console.status_code == 200
        action = f"{overview}/manage/participants/{participant_id}/password"
        form = re.search(rf'<form method="post" action="{action}".*?</form>', console.text, re.S)
        assert form, "the console has no reset form for the student"
        assert "Zhang Min" in form.group(0)
        reset = instructor.post(action, data={"csrf_token": csrf_in(form.group(0))})
        assert reset.status_code == 200, reset.text
        assert reset.headers["cache-control"] == "no-store"
        found = re.search(r'<code class="new-password">([a-z0-9-]+)</code>', reset.text)
        assert found, reset.text
        new_password = found.group(1)
        assert new_password not in str(reset.url)

        # The student's browser still sends its old cookie: it is sent to sign in.
        signed_out = student.get(overview)
        assert signed_out.status_code == 303
        assert signed_out.headers["location"] == f"/sign-in?next={overview}"
        assert student.get("/api/v1/commissions", headers=bearer).status_code == 401

    with demo_app.client() as fresh:
        refused = fresh.post(
            "/sign-in",
            data={
                "username": STUDENT,
                "password": DEMO_PASSWORD,
                "csrf_token": csrf_in(fresh.get("/sign-in").text),
            },
        )
        assert refused.status_code == 400  # the old password no longer signs in
        assert "do not match an account" in refused.text
        page_sign_in(fresh, STUDENT, new_password)
        assert fresh.get(overview).status_code == 200

    # Not in the activity log (which the archive exports whole), and not in the server log.
    archive = Path(tempfile.mkdtemp(prefix="commission-reset-archive-")) / "demo.json"
    run_cli(["export", str(commission_id), "-o", str(archive)], demo_app.env)
    exported = archive.read_text(encoding="utf-8")
    assert "participant.password_reset" in exported
    assert new_password not in exported
    assert new_password not in demo_app.log()
