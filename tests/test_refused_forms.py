"""After a refused form: the address bar and the reload."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.demo import DEMO_PASSWORD
from tests.conftest import Cast, csrf_from, sign_in
from tests.servers import ServedApp, page_sign_in


def test_a_refused_htmx_form_sets_the_address_bar_to_the_page_it_drew(
    client: TestClient, cast: Cast
) -> None:
    sign_in(client, "ursula")
    group = f"/commissions/{cast.commission.id}/groups/frontier-technology"
    token = csrf_from(client.get(group).text)
    response = client.post(
        f"{group}/proposals",
        data={"title": "No text", "text": " ", "csrf_token": token},
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{group}?from=x"},
    )
    assert response.status_code == 422
    assert response.headers["HX-Replace-Url"] == f"{group}?from=x"
    # Without HTMX the header means nothing and is not sent.
    plain = client.post(
        f"{group}/proposals", data={"title": "No text", "text": " ", "csrf_token": token}
    )
    assert "HX-Replace-Url" not in plain.headers


def test_the_address_of_a_form_answers_a_reload_with_the_readers_own_navigation(
    served_demo: ServedApp,
) -> None:
    """Reloading a form's address (a GET on a POST-only route) explains itself, and the header
    still shows the signed-in person's navigation (it showed a visitor's)."""
    with served_demo.client() as browser:
        page_sign_in(browser, "us-lab", DEMO_PASSWORD)
        response = browser.get("/commissions/1/groups/frontier-technology/proposals")
    assert response.status_code == 405
    assert "only takes a form" in response.text
    assert "Sign out" in response.text
    assert "Sam Whitaker" in response.text
