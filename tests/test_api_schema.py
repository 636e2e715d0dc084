"""The API answers as its OpenAPI document says: schemathesis against the real server.

Every operation of /api/v1/openapi.json, with bounded examples of valid and of invalid
requests (its Python API: each operation's Hypothesis strategy), on `commission serve` with
the demo data, a server of its own: the generated requests write, and may conclude the demo
commission. The instructor's API token for the instructor and inject operations, a
delegate's for the others, so that the cases get past authentication: a 401 is a problem.
Every response must be no server error and match its operation's schema (status code,
content type, headers, body), and every request outside the schema must be refused. All
problems are listed at the end, the first answer of each.

Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL names one (the server's database sits
beside the suite's). At the end it writes how many cases ran.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi import checks as openapi_checks

from app.demo import DEMO_PASSWORD
from tests.conftest import fresh_database, is_postgres
from tests.servers import ServedApp, api_token, app_environment, page_sign_in, run_cli, served_app

MAX_EXAMPLES = 5  # per operation and mode: the whole run stays within seconds per database
CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
]
INSTRUCTOR_TAGS = {"instructor", "injects"}


@dataclass
class ApiUnderTest:
    served: ServedApp
    instructor_token: str
    delegate_token: str
    cases: int = 0
    failures: dict[str, str] = field(default_factory=dict)  # where -> the first answer

    def headers_for(self, case: Case[Any]) -> dict[str, str]:
        tags = set(case.operation.tags or [])
        token = self.instructor_token if tags & INSTRUCTOR_TAGS else self.delegate_token
        return {"Authorization": f"Bearer {token}"}


def _token(served: ServedApp, username: str) -> str:
    with served.client() as browser:
        page_sign_in(browser, username, DEMO_PASSWORD)
        return api_token(browser)


@pytest.fixture(scope="module")
def api(request: pytest.FixtureRequest) -> Iterator[ApiUnderTest]:
    env = app_environment(fresh_database("schema_run"), SWEEP_SECONDS="60")
    run_cli(["demo", "--no-serve"], env)
    with served_app(env) as served:
        under_test = ApiUnderTest(served, _token(served, "instructor"), _token(served, "us-lab"))
        yield under_test
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            database = "PostgreSQL" if is_postgres() else "SQLite"
            reporter.write_line(f"schemathesis: {under_test.cases} cases on {database}")


def run_operation(
    api: ApiUnderTest, operation: APIOperation[Any, Any, Any, Any], mode: GenerationMode
) -> None:
    """Bounded examples of one operation in one mode; each failure is noted, none stops the run
    (no shrinking either: the first example of each kind is reported as it came)."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def one_case(case: Case[Any]) -> None:
        headers = api.headers_for(case)
        response = case.call(headers=headers)
        api.cases += 1
        if response.status_code == 401:
            api.failures.setdefault(f"{operation.label}: 401", response.text)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                where = f"{operation.label}: {failure.code} {failure.title}"
                api.failures.setdefault(where, f"{response.status_code} {response.text[:300]}")

    try:
        one_case()
    except Unsatisfiable:  # no invalid request exists for an operation without inputs
        assert mode is GenerationMode.NEGATIVE and not operation.body and not operation.query


def test_every_operation_answers_as_its_schema_says(api: ApiUnderTest) -> None:
    schema = schemathesis.openapi.from_url(f"{api.served.base_url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 40  # the whole API, /api/v1 only
    assert all(op.path.startswith("/api/v1/") for op in operations)
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run_operation(api, operation, mode)
    assert api.cases >= len(operations) * MAX_EXAMPLES
    problems = [f"{where}\n    {answer}" for where, answer in sorted(api.failures.items())]
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)
