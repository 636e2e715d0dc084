"""The JSON API: bearer tokens, permissions and JSON errors."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.main import API_ROUTERS, PAGE_ROUTERS
from tests.conftest import Cast


def bearer(db: Session, user: object) -> dict[str, str]:
    _record, token = accounts.create_api_token(db, user, "tests")  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}"}


def test_missing_or_bad_token_is_a_json_401(client: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["detail"]


def test_member_reads_the_commission(client: TestClient, db: Session, cast: Cast) -> None:
    response = client.get(
        f"/api/v1/commissions/{cast.commission.id}", headers=bearer(db, cast.prc_delegate)
    )
    assert response.status_code == 200
    body = response.json()
    assert [d["code"] for d in body["delegations"]] == ["US", "PRC"]
    assert {g["code"] for g in body["working_groups"]} == {"FT", "CY", "DI"}
    text = response.text
    for brief in cast.briefs.values():
        assert brief.title not in text
    assert cast.delegations["US"].brief[:80] not in text


def test_non_member_gets_a_json_403(client: TestClient, db: Session, cast: Cast) -> None:
    response = client.get(
        f"/api/v1/commissions/{cast.commission.id}", headers=bearer(db, cast.stranger)
    )
    assert response.status_code == 403
    assert "participants" not in response.json()


def test_unknown_commission_is_a_json_404(client: TestClient, db: Session, cast: Cast) -> None:
    response = client.get("/api/v1/commissions/424242", headers=bearer(db, cast.stranger))
    assert response.status_code == 404
    assert response.json() == {"detail": "There is no commission here."}


def test_a_path_id_that_cannot_exist_is_a_json_404(
    client: TestClient, db: Session, cast: Cast
) -> None:
    """Not an id at all, or past the id columns' range (tests/test_ids.py): nothing is there."""
    for bad in ("abc", "0", "-1", str(2**31)):
        response = client.get(f"/api/v1/commissions/{bad}", headers=bearer(db, cast.stranger))
        assert response.status_code == 404, bad
        assert response.json() == {"detail": "There is nothing at this address."}


def test_a_malformed_body_is_a_json_422_naming_the_field(
    client: TestClient, db: Session, cast: Cast
) -> None:
    response = client.post(
        "/api/v1/commissions", json={"title": 7}, headers=bearer(db, cast.instructor)
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "The request is not valid."
    assert [e["field"] for e in body["errors"]] == ["title"]


def test_openapi_declares_the_error_shape_the_api_sends(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    error = spec["components"]["schemas"]["ErrorOut"]
    assert error["properties"]["detail"] == {"type": "string", "title": "Detail"}
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status in ("401", "404", "422"):
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema["$ref"].endswith(("/ErrorOut", "/RosterRefusedOut")), (method, path)


def test_cookie_session_does_not_open_the_api(client: TestClient, cast: Cast) -> None:
    from tests.conftest import sign_in

    sign_in(client, "ursula")
    assert client.get("/api/v1/me").status_code == 401


def test_openapi_describes_the_api(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/commissions/{commission_id}" in spec["paths"]


def test_openapi_describes_the_api_and_nothing_else(client: TestClient) -> None:
    """Every /api/v1 route and method is in the document; no page or form route is."""
    spec = client.get("/api/v1/openapi.json").json()
    assert [path for path in spec["paths"] if not path.startswith("/api/v1/")] == []
    described = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    api_routes = routes_of(API_ROUTERS)
    assert len(api_routes) >= 20
    assert all(path.startswith("/api/v1/") for path, _method in api_routes)
    assert described == api_routes
    assert not any(path.startswith("/api/") for path, _method in routes_of(PAGE_ROUTERS))


def routes_of(routers: Iterable[APIRouter]) -> set[tuple[str, str]]:
    return {
        (route.path, method)
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }


def test_api_docs_are_served_without_a_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
