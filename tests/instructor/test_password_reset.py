"""An instructor gives one student a new password from the console; nobody else can."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import ApiToken, User, UserSession
from app.activity.models import Activity
from app.commissions import service as commissions
from app.commissions.models import Participant
from app.config import get_settings
from app.instructor import rules
from app.scenarios import service as scenarios
from tests.conftest import PASSWORD, Cast, csrf_from, make_user, sign_in

NEW_PASSWORD = re.compile(r'<code class="new-password">([a-z0-9-]+)</code>')


def reset_url(cast: Cast, participant_id: int) -> str:
    return f"/commissions/{cast.commission.id}/manage/participants/{participant_id}/password"


def reset(client: TestClient, cast: Cast, participant_id: int, page: str | None = None) -> Any:
    """Post the reset form of the console (or of `page`) with its CSRF token."""
    html = client.get(page or f"/commissions/{cast.commission.id}/manage").text
    return client.post(reset_url(cast, participant_id), data={"csrf_token": csrf_from(html)})


@pytest.fixture
def student(app: Any) -> Iterator[TestClient]:
    """A second browser: the student's own."""
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as browser:
        yield browser


def test_the_console_offers_a_reset_for_each_student_and_not_for_the_instructor(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    page = client.get(f"/commissions/{cast.commission.id}/manage").text
    for name in ("ursula", "ulysses", "pei", "newcomer"):
        assert f'action="{reset_url(cast, cast.participants[name].id)}"' in page
    me = db.scalar(select(Participant).where(Participant.user_id == cast.instructor.id))
    assert me is not None
    assert reset_url(cast, me.id) not in page


def test_an_instructor_gives_a_student_a_new_password_shown_once(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    ursula = cast.participants["ursula"]
    response = reset(client, cast, ursula.id)
    # The password comes in the answer to the POST: no redirect, so never in a URL.
    assert response.status_code == 200, response.text
    assert "location" not in response.headers
    assert response.headers["cache-control"] == "no-store"
    found = NEW_PASSWORD.search(response.text)
    assert found, response.text
    password = found.group(1)
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", password)
    assert "ursula" in response.text and "Ursula US" in response.text
    assert 'hx-history="false"' in response.text  # htmx keeps no copy in the browser

    db.expire_all()
    user = db.get(User, cast.us_delegate.id)
    assert user is not None
    assert password not in user.password_hash  # stored as an Argon2 hash only
    assert accounts.authenticate(db, "ursula", password) is not None
    assert accounts.authenticate(db, "ursula", PASSWORD) is None

    # The console is shown again with a fresh form: the password is not on it.
    console = client.get(f"/commissions/{cast.commission.id}/manage").text
    assert password not in console

    entry = db.scalar(
        select(Activity).where(
            Activity.commission_id == cast.commission.id,
            Activity.kind == "participant.password_reset",
        )
    )
    assert entry is not None
    assert entry.data == {"participant": ursula.id}
    assert password not in repr(entry.data)


def test_the_students_old_session_and_api_token_stop_working(
    client: TestClient, student: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(student, "ursula")
    overview = f"/commissions/{cast.commission.id}"
    assert student.get(overview).status_code == 200
    _record, token = accounts.create_api_token(db, cast.us_delegate, "my script")
    bearer = {"Authorization": f"Bearer {token}"}
    assert student.get("/api/v1/commissions", headers=bearer).status_code == 200

    sign_in(client, "ines")
    page = reset(client, cast, cast.participants["ursula"].id)
    assert page.status_code == 200
    found = NEW_PASSWORD.search(page.text)
    assert found

    signed_out = student.get(overview)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/sign-in")
    assert student.get("/api/v1/commissions", headers=bearer).status_code == 401
    # The instructor's own session is untouched.
    assert client.get(f"{overview}/manage").status_code == 200

    student.cookies.clear()
    sign_in(student, "ursula", found.group(1))
    assert student.get(overview).status_code == 200


@pytest.mark.parametrize("who", ["ulysses", "pei", "newcomer"])
def test_a_delegate_cannot_reset_anyones_password(
    client: TestClient, db: Session, cast: Cast, who: str
) -> None:
    sign_in(client, who)
    target = cast.participants["ursula"]
    before = db.get(User, cast.us_delegate.id)
    assert before is not None
    old_hash = before.password_hash
    refused = reset(client, cast, target.id, page=f"/commissions/{cast.commission.id}")
    assert refused.status_code == 403
    assert "Only the instructors of this commission can run it." in refused.text
    assert "new-password" not in refused.text
    db.expire_all()
    assert db.get(User, cast.us_delegate.id).password_hash == old_hash  # type: ignore[union-attr]


def test_an_instructor_of_another_commission_cannot_reset_this_ones_students(
    client: TestClient, db: Session, cast: Cast
) -> None:
    other_prof = make_user(db, "olga", instructor=True, name="Olga Other")
    scenario = scenarios.find_scenario_by_slug(db, "cooling-off")
    assert scenario is not None
    theirs = scenarios.open_commission(db, scenario, "Seminar B", other_prof)
    db.flush()
    sign_in(client, "olga")
    ursula = cast.participants["ursula"].id
    # Through this commission's console: not theirs to run.
    refused = reset(client, cast, ursula, page="/instructor")
    assert refused.status_code == 403
    assert "Only the instructors of this commission can run it." in refused.text
    # Through their own console, with this commission's participant id: no such participant.
    token = csrf_from(client.get(f"/commissions/{theirs.id}/manage").text)
    sneaky = client.post(
        f"/commissions/{theirs.id}/manage/participants/{ursula}/password",
        data={"csrf_token": token},
    )
    assert sneaky.status_code == 404
    assert accounts.authenticate(db, "ursula", PASSWORD) is not None


def test_an_instructor_account_is_never_reset_from_a_console(
    client: TestClient, db: Session, cast: Cast
) -> None:
    # A colleague with an instructor account who sits in this class as a delegate.
    colleague = make_user(db, "carla", instructor=True, name="Carla Colleague")
    seated = commissions.join_commission(db, cast.commission, colleague)
    # A student account that instructs a commission of its own (e.g. from an imported archive).
    assistant = make_user(db, "tam", name="Tam Assistant")
    scenario = scenarios.find_scenario_by_slug(db, "cooling-off")
    assert scenario is not None
    elsewhere = scenarios.open_commission(db, scenario, "Seminar C", cast.instructor)
    db.add(Participant(commission_id=elsewhere.id, user_id=assistant.id, role="instructor"))
    assisting = commissions.join_commission(db, cast.commission, assistant)
    me = db.scalar(
        select(Participant).where(
            Participant.user_id == cast.instructor.id,
            Participant.commission_id == cast.commission.id,
        )
    )
    assert me is not None
    db.flush()
    sign_in(client, "ines")
    page = client.get(f"/commissions/{cast.commission.id}/manage").text
    assert reset_url(cast, seated.id) not in page  # not offered to instructor accounts
    for target, username in ((seated, "carla"), (assisting, "tam"), (me, "ines")):
        refused = reset(client, cast, target.id)
        assert refused.status_code == 403, username
        assert "This is an instructor&#39;s account." in refused.text
        assert accounts.authenticate(db, username, PASSWORD) is not None, username


def test_a_reset_without_the_forms_csrf_token_is_refused(
    client: TestClient, db: Session, cast: Cast
) -> None:
    sign_in(client, "ines")
    refused = client.post(reset_url(cast, cast.participants["pei"].id), data={})
    assert refused.status_code == 403
    assert accounts.authenticate(db, "pei", PASSWORD) is not None


def test_a_student_still_gets_a_new_password_after_conclusion(
    client: TestClient, db: Session, cast: Cast
) -> None:
    cast.commission.status = "concluded"
    db.flush()
    sign_in(client, "ines")
    response = reset(client, cast, cast.participants["pei"].id)
    assert response.status_code == 200
    assert NEW_PASSWORD.search(response.text)


def test_replace_password_revokes_every_session_and_token(db: Session, cast: Cast) -> None:
    settings = get_settings()
    accounts.start_session(db, cast.prc_delegate, settings, "phone")
    accounts.start_session(db, cast.prc_delegate, settings, "laptop")
    accounts.create_api_token(db, cast.prc_delegate, "lms")
    kept = accounts.start_session(db, cast.us_delegate, settings, "other")
    accounts.replace_password(db, cast.prc_delegate, "a fresh long password")
    db.flush()
    live_sessions = db.scalars(
        select(UserSession).where(
            UserSession.user_id == cast.prc_delegate.id, UserSession.revoked_at.is_(None)
        )
    ).all()
    live_tokens = db.scalars(
        select(ApiToken).where(
            ApiToken.user_id == cast.prc_delegate.id, ApiToken.revoked_at.is_(None)
        )
    ).all()
    assert live_sessions == [] and live_tokens == []
    assert accounts.find_session(db, kept.token) is not None  # other people stay signed in


def test_the_rule_refuses_every_kind_of_instructor_account() -> None:
    assert (
        rules.password_reset_refusal(
            role="delegate", instructor_account=False, instructs_a_commission=False
        )
        is None
    )
    assert (
        rules.password_reset_refusal(
            role="observer", instructor_account=False, instructs_a_commission=False
        )
        is None
    )
    for role, account, instructs in (
        ("instructor", False, False),
        ("delegate", True, False),
        ("delegate", False, True),
    ):
        refusal = rules.password_reset_refusal(
            role=role, instructor_account=account, instructs_a_commission=instructs
        )
        assert refusal is not None and "instructor" in refusal
