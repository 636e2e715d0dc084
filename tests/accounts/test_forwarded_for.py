"""X-Forwarded-For against a real `commission serve`: believed only from a configured proxy.

The attack run forged the header from 127.0.0.1 and made 35 failures that the per-address
limit never saw. Here the forged header changes nothing unless FORWARDED_ALLOW_IPS names the
proxy; with it set to 127.0.0.1 the header is the client's address, which also lets these tests
play several addresses against one served app.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import yaml
from pydantic import ValidationError
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.accounts.auth import DEVICE_COOKIE
from app.accounts.models import SignInThrottle
from app.config import ROOT_DIR, Settings, normalize_database_url
from tests.conftest import PASSWORD, fresh_database
from tests.servers import ServedApp, app_environment, csrf_in, page_sign_in, run_cli, served_app

WRONG = "wrong-guess-1"


@contextmanager
def served_with_student(name: str, proxies: str) -> Iterator[tuple[ServedApp, str]]:
    """`commission serve` on a fresh database holding one account, `stu`."""
    url = fresh_database(name)
    env = app_environment(url, FORWARDED_ALLOW_IPS=proxies)
    run_cli(["db", "upgrade"], env)
    run_cli(["create-instructor", "stu", "--name", "Stu Student", "--password", PASSWORD], env)
    with served_app(env) as served:
        yield served, url


def attempt(client: httpx.Client, name: str, password: str, forwarded_for: str) -> int:
    headers = {"X-Forwarded-For": forwarded_for}
    token = csrf_in(client.get("/sign-in", headers=headers).text)
    response = client.post(
        "/sign-in",
        data={"username": name, "password": password, "csrf_token": token},
        headers=headers,
    )
    return response.status_code


def counted(url: str) -> set[tuple[str, str, str, int]]:
    """What the served app's limits counted: (scope, name, client, strikes) of every row."""
    engine = create_engine(normalize_database_url(url))
    try:
        with Session(engine) as session:
            rows = session.scalars(select(SignInThrottle).where(SignInThrottle.strikes > 0))
            return {(r.scope, r.name, r.client, r.strikes) for r in rows}
    finally:
        engine.dispose()


def test_without_a_configured_proxy_a_forged_forwarded_for_changes_nothing() -> None:
    with served_with_student("forwarded_none", proxies="") as (served, url):
        with served.client() as client:
            answers = [
                attempt(client, "stu", WRONG, forwarded_for=f"198.51.100.{n}") for n in range(1, 36)
            ]
        # Every failure counted against 127.0.0.1, whatever the header said ...
        assert counted(url) == {
            ("pair", "stu", "127.0.0.1", answers.count(400)),
            ("name", "stu", "", answers.count(400)),
            ("address", "", "127.0.0.1", answers.count(400)),
        }
        # ... so the pair's limit held them: the first six were looked at, then refusals came.
        assert answers[:6] == [400] * 6
        assert 429 in answers


def test_with_the_proxy_configured_its_forwarded_for_is_the_client_address() -> None:
    with served_with_student("forwarded_local", proxies="127.0.0.1") as (served, url):
        with served.client() as client:
            answers = [
                attempt(client, "nobody", WRONG, forwarded_for=f"198.51.100.{n}")
                for n in range(1, 4)
            ]
            answers += [attempt(client, "ghost", WRONG, forwarded_for="203.0.113.7") for _ in "ab"]
        assert answers == [400] * 5
        assert counted(url) == {
            ("pair", "nobody", "198.51.100.1", 1),
            ("pair", "nobody", "198.51.100.2", 1),
            ("pair", "nobody", "198.51.100.3", 1),
            ("name", "nobody", "", 3),
            ("address", "", "198.51.100.1", 1),
            ("address", "", "198.51.100.2", 1),
            ("address", "", "198.51.100.3", 1),
            ("pair", "ghost", "203.0.113.7", 2),
            ("name", "ghost", "", 2),
            ("address", "", "203.0.113.7", 2),
        }


def test_an_attack_from_several_addresses_does_not_stop_the_student_signing_in() -> None:
    """Behind a proxy (FORWARDED_ALLOW_IPS=127.0.0.1, the header plays the addresses): an
    attacker fails against the student's name from eight addresses; the student still signs in
    from their own address, and with their own browser from anywhere."""
    with served_with_student("forwarded_attack", proxies="127.0.0.1") as (served, _url):
        home = {"X-Forwarded-For": "192.0.2.10"}
        with served.client(headers=home) as laptop:
            page_sign_in(laptop, "stu", PASSWORD)
            device_cookie = laptop.cookies[DEVICE_COOKIE]

        answers = []
        with served.client() as attacker:
            for host in range(1, 9):
                for _ in range(4):
                    answers.append(attempt(attacker, "stu", WRONG, f"203.0.113.{host}"))
        # The first eleven failures were looked at; the name's limit then slowed the rest.
        assert answers[:11] == [400] * 11
        assert 429 in answers[11:]

        with served.client(headers=home) as another_browser_at_home:
            page_sign_in(another_browser_at_home, "stu", PASSWORD)
        with served.client(
            headers={"X-Forwarded-For": "198.51.100.77"}, cookies={DEVICE_COOKIE: device_cookie}
        ) as laptop_in_a_cafe:
            page_sign_in(laptop_in_a_cafe, "stu", PASSWORD)


def test_forwarded_allow_ips_takes_addresses_and_networks_and_refuses_anything_else() -> None:
    settings = Settings(forwarded_allow_ips=" 10.0.0.5, 172.18.0.0/16,::1 ")
    assert settings.forwarded_allow_ips == "10.0.0.5,172.18.0.0/16,::1"
    assert Settings.model_fields["forwarded_allow_ips"].default == ""
    # A name, a wildcard (uvicorn would then believe the first, client-written address) and a
    # network with host bits set (uvicorn would silently match nothing) are refused at start.
    for wrong in ("proxy.local", "*", "172.18.0.1/16"):
        with pytest.raises(ValidationError, match=f"{wrong!r} is not an IP address or network"):
            Settings(forwarded_allow_ips=f"10.0.0.5,{wrong}")


def test_compose_and_the_example_settings_trust_no_proxy_unless_told() -> None:
    compose = yaml.safe_load((ROOT_DIR / "docker-compose.yml").read_text())
    assert compose["services"]["app"]["environment"]["FORWARDED_ALLOW_IPS"] == (
        "${FORWARDED_ALLOW_IPS:-}"
    )
    assert "# FORWARDED_ALLOW_IPS=" in (ROOT_DIR / ".env.example").read_text()
