"""htmx's configuration, read from the meta tag every page carries (templates/base.html).

htmx ignores the whole tag when its JSON does not parse, and then falls back to defaults that
trip the Content Security Policy (an inline indicator <style>, style attributes settled and
restored): the browser test tests/e2e/test_layout.py shows the violations; this one guards the
tag itself.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from fastapi.testclient import TestClient


def htmx_config(page: str) -> dict[str, Any]:
    match = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page)
    assert match, "the page carries no htmx-config meta tag"
    config: dict[str, Any] = json.loads(html.unescape(match.group(1)))
    return config


def test_htmx_injects_no_style_and_keeps_no_page_copies(client: TestClient) -> None:
    config = htmx_config(client.get("/sign-in").text)
    assert config["includeIndicatorStyles"] is False  # the indicator CSS is in commission.css
    # Settling copies attributes with setAttribute; a style attribute there breaks the CSP.
    assert "style" not in config["attributesToSettle"]
    assert "class" in config["attributesToSettle"]
    # Back loads the page afresh: no re-parsed copy (with style attributes a script left) and
    # no copy of a credential sheet or a private brief in the tab's sessionStorage.
    assert config["historyCacheSize"] == 0
    assert config["refreshOnHistoryMiss"] is True
    assert config["allowEval"] is False and config["allowScriptTags"] is False
