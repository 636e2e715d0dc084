"""create_app(): routers, static files, error pages and the middleware."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import apidocs, page_parts
from app.accounts import routes as account_routes
from app.accounts.auth import SignInRequired, current_user, identify_for_error_page
from app.activity.kinds import label as activity_label
from app.api import router as api_router
from app.archive import routes as archive_routes
from app.caucus import api as caucus_api
from app.caucus import fragments as caucus_fragments
from app.caucus import routes as caucus_routes
from app.commissions import fragments as commission_fragments
from app.commissions import routes as commission_routes
from app.commissions import service as commissions
from app.config import ROOT_DIR, get_settings
from app.db import SessionDep, get_engine, session_scope, unavailable
from app.edge import RefuseUnstorableText
from app.errors import ERROR_RESPONSES, DomainError
from app.gate import RequestGate
from app.i18n import gettext as _
from app.i18n import request_choice
from app.ids import MAX_ID
from app.injects import api as inject_api
from app.injects import fragments as inject_fragments
from app.injects import parts as inject_parts
from app.injects import routes as inject_routes
from app.injects import service as injects
from app.instructor import api as instructor_api
from app.instructor import fragments as instructor_fragments
from app.instructor import parts as instructor_parts
from app.instructor import routes as instructor_routes
from app.live import events as live_events
from app.live import registry as live_registry
from app.live import routes as live_routes
from app.live.broker import make_broker
from app.models import install_model_events
from app.norms import parts as norm_parts
from app.norms import routes as norm_routes
from app.notices import routes as notice_routes
from app.proposals import api as proposal_api
from app.proposals import fragments as proposal_fragments
from app.proposals import routes as proposal_routes
from app.proposals import service as proposals
from app.reports import routes as report_routes
from app.scenarios import routes as scenario_routes
from app.voting import api as voting_api
from app.voting import fragments as voting_fragments
from app.voting import panel as voting_parts
from app.voting import routes as voting_routes
from app.voting import scrub
from app.voting import service as voting
from app.web import RequestContextMiddleware, render, templates, verify_csrf

logger = logging.getLogger(__name__)

# How long a client is asked to wait when the database is away (a restart takes a second or two).
RETRY_AFTER_SECONDS = 5

PAGE_ROUTERS = (
    account_routes.router,
    commission_routes.router,
    proposal_routes.router,
    voting_routes.router,
    caucus_routes.router,
    live_routes.router,
    instructor_routes.router,
    inject_routes.router,
    scenario_routes.router,
    norm_routes.router,
    report_routes.router,
    archive_routes.router,
    notice_routes.router,
)
API_ROUTERS = (
    api_router,
    proposal_api.router,
    voting_api.router,
    caucus_api.router,
    instructor_api.router,
    inject_api.router,
)

# What the stream draws for each kind of event: every feature's table (app.live.registry).
LIVE_FRAGMENTS = (
    proposal_fragments.FRAGMENTS,
    voting_fragments.FRAGMENTS,
    voting_fragments.OWN_BALLOTS,
    caucus_fragments.FRAGMENTS,
    inject_fragments.FRAGMENTS,
    commission_fragments.FRAGMENTS,
    instructor_fragments.FRAGMENTS,
)


# Who supplies which part of another feature's page (app.page_parts): voting's vote panel and
# vote actions, norms' adopted norm, on the proposal page; the instructor's console, which the
# injects' forms redraw; the injects in the overview's news feed.
PAGE_PARTS = (voting_parts.PARTS, norm_parts.PARTS, instructor_parts.PARTS, inject_parts.PARTS)


def install_features() -> None:
    """What the features lend to core where the app starts, never as a side effect of an
    import: the parts of pages below them, what the stream draws, their template functions.
    Called by `create_app` and by the test set-up (tests that draw pages or pushes without an
    app), beside `install_model_events`."""
    install_page_parts()
    install_live_fragments()
    install_template_functions()


def install_page_parts() -> None:
    """Let pages ask the features above them for their parts (PAGE_PARTS)."""
    page_parts.install(PAGE_PARTS)


def install_live_fragments() -> None:
    """Let the stream draw the features' fragments (LIVE_FRAGMENTS)."""
    live_registry.install(LIVE_FRAGMENTS)


def install_template_functions() -> None:
    """The template functions that features provide (web, being core, cannot import them): a
    page and a live push draw with the same ones."""
    templates.env.globals["activity_label"] = activity_label


def page_language(request: Request, session: SessionDep) -> None:
    """On a commission's pages and its proposals', the commission's default language, for a
    reader who chose no language (no saved preference, no language cookie).

    One primary-key read, and only for such a reader: once they choose (the switch in the
    header sets the cookie), the commission's default cannot matter and nothing is read. The
    page's own loading of its commission comes too late, after the route's first words.
    """
    choice = request_choice()
    if choice is None or choice.settled_before_commission:
        return
    params = request.path_params
    for name, lookup in (
        ("commission_id", commissions.default_locale),
        ("proposal_id", proposals.commission_default_locale),
    ):
        raw = params.get(name)
        if isinstance(raw, str) and raw.isdigit() and 0 < int(raw) <= MAX_ID:
            choice.learn_commission_default(lookup(session, int(raw)))
            return


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_page(
    request: Request, status_code: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    titles = {
        400: _("Something in the request is wrong"),
        401: _("Please sign in"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Not allowed"),
        409: _("Conflict"),
        422: _("Something in the request is wrong"),
        429: _("Too many requests"),
        503: _("Back in a moment"),
    }
    return render(
        request,
        "errors/error.html",
        {
            "status_code": status_code,
            "title": titles.get(status_code, _("Error")),
            "message": message,
        },
        status_code=status_code,
        headers=headers,
    )


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = str(exc.detail) if exc.detail else _("Something went wrong.")
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=exc.status_code, headers=exc.headers)
    if exc.status_code == 405 and request.method == "GET":
        # Someone reloaded or typed the address a form posts to.
        message = _(
            "This address only takes a form. Go back to the page the form is on and send it again."
        )
    try:
        await run_in_threadpool(identify_for_error_page, request)
    except Exception:  # the error page must be drawn even when the database is away
        logger.exception("identifying the reader of an error page failed")
    return _error_page(request, exc.status_code, message)


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if any(e["loc"][:1] == ("path",) for e in exc.errors()):
        # An id out of range (app.ids) or a malformed one: nothing can be at this address.
        message = _("There is nothing at this address.")
        if _is_api(request):
            return JSONResponse({"detail": message}, status_code=404)
        return _error_page(request, 404, message)
    problems: list[dict[str, Any]] = [
        {"field": ".".join(str(p) for p in e["loc"][1:]), "message": e["msg"]} for e in exc.errors()
    ]
    if _is_api(request):
        return JSONResponse(
            {"detail": _("The request is not valid."), "errors": problems}, status_code=422
        )
    text = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    return _error_page(request, 400, text)


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if _is_api(request):
        body: dict[str, Any] = {"detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        return JSONResponse(body, status_code=exc.status_code)
    return _error_page(request, exc.status_code, exc.message)


async def sign_in_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    if _is_api(request):
        return JSONResponse({"detail": _("Sign in first.")}, status_code=401)
    if request.headers.get("hx-request") == "true":
        # A fragment request cannot follow a redirect into a full page; ask HTMX to navigate.
        return Response(status_code=204, headers={"HX-Redirect": exc.location})
    return RedirectResponse(exc.location, status_code=303)


async def server_error(request: Request, exc: Exception) -> Response:
    message = _("Something went wrong on our side. Nothing you typed was saved; try again.")
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=500)
    return _error_page(request, 500, message)


async def database_error(request: Request, exc: Exception) -> Response:
    """The database away (app.db.unavailable) is a moment to wait, not a fault: 503 and
    Retry-After. Any other database error is a fault, for server_error and the log."""
    if not unavailable(exc):
        raise exc
    logger.warning("the database is unavailable: %s", exc)
    message = _(
        "The database is not answering just now, perhaps because it is restarting. Wait a few"
        " seconds, then try again. If you were sending a form, see whether it arrived before"
        " you send it again."
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=503, headers=headers)
    request.state.count_notices = None  # the header's counter would ask the database again
    return _error_page(request, 503, message, headers)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """One live-event broker per process: in memory on SQLite, LISTEN/NOTIFY on PostgreSQL."""
    broker = make_broker(get_settings().database_url)
    await broker.start()
    live_events.install(broker)
    app.state.broker = broker
    app.state.rooms = live_routes.make_rooms(broker)
    sweeper = asyncio.create_task(close_votes_at_their_deadline(get_settings().sweep_seconds))
    try:
        yield
    finally:
        sweeper.cancel()
        app.state.rooms.close_all()
        live_events.uninstall()
        await broker.stop()


async def close_votes_at_their_deadline(every_seconds: float = 5.0) -> None:
    """Votes close at their deadline, scheduled and idle injects go out, closed secret votes
    whose scrub was put off are scrubbed; every app process sweeps, the row locks decide."""

    def sweep() -> None:
        # Look first without the write lock: on SQLite most sweeps then cost one cheap read.
        with session_scope(write=False) as session:
            due = bool(voting.overdue_vote_ids(session) or injects.due_inject_ids(session))
            unscrubbed = bool(scrub.pending(session))
        if due:
            with session_scope() as session:
                voting.close_overdue_votes(session)
                injects.publish_due(session)
        if unscrubbed:
            scrub.scrub(get_engine(get_settings().database_url))

    while True:
        await asyncio.sleep(every_seconds)
        try:
            await run_in_threadpool(sweep)
        except Exception:  # the database may be restarting; try again at the next sweep
            logger.exception("closing overdue votes failed")


def create_app() -> FastAPI:
    settings = get_settings()
    install_model_events()
    install_features()
    app = FastAPI(
        lifespan=lifespan,
        title="Commission",
        summary="A seminar's simulated US-China bilateral commission on frontier technology.",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = settings
    # Innermost: a form it refuses is redrawn as its page inside the request's gate place.
    app.add_middleware(RefuseUnstorableText)
    app.add_middleware(
        RequestGate, sqlite=settings.is_sqlite, max_in_flight=settings.max_requests_in_flight
    )
    app.add_middleware(RequestContextMiddleware)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(SQLAlchemyError, database_error)
    app.add_exception_handler(Exception, server_error)
    app.mount("/static", StaticFiles(directory=ROOT_DIR / "static"), name="static")
    page_dependencies = [
        Depends(current_user),
        Depends(page_language),
        Depends(verify_csrf),
        Depends(notice_routes.header_count, scope="function"),
    ]
    for router in PAGE_ROUTERS:
        # Pages and their forms are not the API: the OpenAPI document describes /api/v1 only.
        app.include_router(router, dependencies=page_dependencies, include_in_schema=False)
    for router in API_ROUTERS:
        app.include_router(router, responses=ERROR_RESPONSES)
    app.include_router(apidocs.router)
    _freeze_startup_objects()
    return app


@cache
def _freeze_startup_objects() -> None:
    """Move what the first app built (modules, routes, templates) out of the collector's reach.

    These live as long as the process; left in the oldest generation, every full collection
    walks them again, which added about 150 ms to one request in four on the report page
    (bench/report.py). Once per process: an app made later (in tests) is collected as usual.
    """
    gc.freeze()
