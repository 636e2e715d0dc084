"""Self-hosted Swagger UI at /docs: vendored assets only, no CDN, no inline script or style.

FastAPI's built-in docs page loads Swagger UI from a CDN and starts it with an inline
<script>, which the app's Content-Security-Policy (script-src 'self'; style-src 'self')
blocks. This page loads the copies under static/vendor/swagger-ui/ (see
scripts/vendor_assets.sh) and starts Swagger UI from static/js/apidocs.js. Use it with
FastAPI(docs_url=None, ...) so the built-in route does not shadow this one.

Swagger UI 5 renders its own <main id="operations"> inside #swagger-ui, so the page puts
no <main> of its own around it (that would nest one main landmark in another); the
page's <h1> sits in a <header> instead, and apidocs.js puts Swagger UI's info block in a
labelled <section> so that no content is left outside a landmark.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter()

DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Commission API documentation</title>
  <link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">
  <link rel="stylesheet" href="/static/css/apidocs.css">
  <link rel="icon" href="data:,">
  <script src="/static/vendor/swagger-ui/swagger-ui-bundle.js" defer></script>
  <script src="/static/js/apidocs.js" defer></script>
</head>
<body>
  <header>
    <h1 class="visually-hidden">Commission API documentation</h1>
  </header>
  <div id="swagger-ui"></div>
</body>
</html>
"""


@router.get("/docs", include_in_schema=False)
async def api_docs() -> HTMLResponse:
    return HTMLResponse(DOCS_PAGE)
