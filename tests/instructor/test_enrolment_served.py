"""Enrolling a class through the console form of a served app: thirty accounts in one upload,
each able to sign in with the password printed on the sheet."""

from __future__ import annotations

import re

from sqlalchemy import create_engine, select

from app.accounts.models import User
from app.accounts.service import password_hasher
from app.config import normalize_database_url
from app.demo import DEMO_PASSWORD
from tests.seminar import Seminar, ok
from tests.servers import ServedApp, page_sign_in, submit_form

ROSTER = "name,delegation,sector\n" + "".join(
    f"Enrolled Student {n:02d},{'US' if n % 2 else 'PRC'},academia\n" for n in range(30)
)


def test_a_class_of_thirty_enrols_through_the_form_and_signs_in(served_demo: ServedApp) -> None:
    with Seminar(served_demo).api("instructor") as api:
        opened = ok(
            api.post("/commissions", json={"scenario": "cooling-off", "title": "Enrol thirty"}),
            201,
        )
    manage = f"/commissions/{opened['id']}/manage"
    with served_demo.client() as instructor:
        page_sign_in(instructor, "instructor", DEMO_PASSWORD)
        sheet = submit_form(
            instructor,
            manage,
            f"{manage}/roster",
            {},
            files={"file": ("class.csv", ROSTER.encode(), "text/csv")},
        )
    assert sheet.status_code == 200, sheet.text[:1000]
    rows = [re.findall(r"<code[^>]*>([^<]+)</code>", row) for row in sheet.text.split("<tr")]
    logins = [(codes[0], codes[1]) for codes in rows if len(codes) == 2]
    assert len(logins) == 30, sheet.text[:3000]

    username, password = logins[7]
    with served_demo.client() as student:
        page_sign_in(student, username, password)
        assert student.get("/").status_code == 200
    # The light hash of a generated first password is replaced at the first sign-in.
    engine = create_engine(normalize_database_url(served_demo.env["DATABASE_URL"]))
    with engine.connect() as conn:
        hashes = dict(
            conn.execute(
                select(User.username, User.password_hash).where(
                    User.username.in_([u for u, _ in logins])
                )
            ).all()
        )
    engine.dispose()
    assert not password_hasher.hashers[0].check_needs_rehash(hashes[username])
    others = [h for u, h in hashes.items() if u != username]
    assert len(others) == 29
    assert all(password_hasher.hashers[0].check_needs_rehash(h) for h in others)
