"""The `commission` command: demo, serve, database, instructors, scenario files and archives."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer
from alembic.config import Config

from app.config import ROOT_DIR, get_settings

cli = typer.Typer(
    help="Commission: a simulated US-China bilateral commission for the seminar room."
)
db_cli = typer.Typer(help="Database migrations.")
scenario_cli = typer.Typer(help="Scenario files (YAML or JSON).")
cli.add_typer(db_cli, name="db")
cli.add_typer(scenario_cli, name="scenario")

HostOption = Annotated[str, typer.Option(help="Address to listen on.")]
PortOption = Annotated[int, typer.Option(help="Port to listen on.")]


def alembic_config() -> Config:
    config = Config(str(ROOT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT_DIR / "migrations"))
    return config


def upgrade_database() -> None:
    from alembic import command

    command.upgrade(alembic_config(), "head")


WorkersOption = Annotated[
    int,
    typer.Option(
        min=1,
        help="App processes (PostgreSQL only: live events reach every process by LISTEN/NOTIFY).",
    ),
]


def _serve(host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    settings = get_settings()
    if workers > 1 and settings.is_sqlite:
        typer.echo(
            "Several processes need PostgreSQL: on SQLite live events stay inside one process "
            "and one writer at a time is all the file allows. Serve with --workers 1, or set "
            "DATABASE_URL to a PostgreSQL database.",
            err=True,
        )
        raise typer.Exit(2)
    # Forwarded headers are believed only from the proxies named in FORWARDED_ALLOW_IPS:
    # otherwise any client could name its own address and step around the sign-in limits.
    proxies = settings.forwarded_allow_ips
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies,
    )


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration (same as `alembic upgrade head`)."""
    upgrade_database()
    typer.echo("Database is up to date.")


@cli.command()
def serve(
    host: HostOption = "127.0.0.1", port: PortOption = 8000, workers: WorkersOption = 1
) -> None:
    """Serve the app (run `commission db upgrade` first)."""
    _serve(host, port, workers)


@cli.command()
def demo(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Prepare only; do not serve.")
    ] = False,
) -> None:
    """Migrate, load the built-in scenario and demo accounts if absent, print logins, serve."""
    from app.commissions.service import format_join_code
    from app.db import session_scope
    from app.demo import DEMO_PASSWORD, ensure_demo
    from app.i18n import environment_locale, locale_scope
    from app.i18n import gettext as _

    upgrade_database()
    with session_scope() as session:
        commission, logins = ensure_demo(session)
        join_code = format_join_code(commission.join_code)
        commission_id = commission.id
    url = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"  # noqa: S104
    # In the terminal's language (LANG=zh_CN.UTF-8 is Chinese), like the pages' for a browser.
    overview = f"{url}/commissions/{commission_id}"
    with locale_scope(environment_locale()):
        typer.echo("")
        typer.echo(_("Commission is ready at %(url)s", url=url))
        typer.echo(
            _(
                "Demo commission: %(url)s   join code: %(code)s",
                url=overview,
                code=join_code,
            )
        )
        typer.echo(_("Every demo account's password is: %(password)s", password=DEMO_PASSWORD))
        for login in logins:
            typer.echo(f"  {login.username:<14} {login.display_name:<18} {_(login.seat)}")
        typer.echo("")
    if not no_serve:
        _serve(host, port)


@cli.command("create-instructor")
def create_instructor(
    username: Annotated[str, typer.Argument(help="Sign-in name.")],
    display_name: Annotated[str, typer.Option("--name", help="Name shown to others.")] = "",
    password: Annotated[
        str | None, typer.Option(help="Password; asked for when omitted.", hidden=True)
    ] = None,
) -> None:
    """Create an instructor account, or make an existing account an instructor."""
    from sqlalchemy import select

    from app.accounts import service as accounts
    from app.accounts.models import User
    from app.accounts.rules import normalize_username, username_problem
    from app.db import session_scope

    name = normalize_username(username)
    if problem := username_problem(name):
        typer.echo(f"Sign-in name: {problem}", err=True)
        raise typer.Exit(2)
    with session_scope() as session:
        user = session.scalar(select(User).where(User.username == name))
        if user is not None:
            user.is_instructor = True
            typer.echo(f"{name} is now an instructor.")
            return
        accounts.create_user(
            session,
            username=name,
            display_name=display_name.strip() or name,
            password=_new_password(password),
            is_instructor=True,
        )
    typer.echo(f"Instructor {name} created.")


def _new_password(given: str | None) -> str:
    """The password from the option, or asked for twice; refused (exit 2) when too weak."""
    from app.accounts.rules import password_problem

    password = given
    if password is None:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            typer.echo("The passwords differ.", err=True)
            raise typer.Exit(2)
    if problem := password_problem(password):
        typer.echo(f"Password: {problem}", err=True)
        raise typer.Exit(2)
    return password


@cli.command("set-password")
def set_password(
    username: Annotated[str, typer.Argument(help="Sign-in name.")],
    password: Annotated[
        str | None, typer.Option(help="Password; asked for when omitted.", hidden=True)
    ] = None,
) -> None:
    """Give an account a new password, sign it out everywhere and revoke its API tokens.

    Accounts created by `commission import` have no usable password until this is run.
    """
    from sqlalchemy import select

    from app.accounts import service as accounts
    from app.accounts.models import User
    from app.accounts.rules import normalize_username
    from app.db import session_scope

    name = normalize_username(username)
    with session_scope() as session:
        user = session.scalar(select(User).where(User.username == name))
        if user is None:
            typer.echo(f"There is no account {name!r}.", err=True)
            raise typer.Exit(2)
        accounts.replace_password(session, user, _new_password(password))
    typer.echo(f"{name} has a new password.")


def _write_out(text: str, output: Path | None) -> None:
    """An export to the named file, or to standard output."""
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {output}", err=True)


def _read_in(path: Path) -> str:
    """A file to import as UTF-8 text; one that cannot be read ends the command (exit 1)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        typer.echo(f"Cannot read {path}: {error}", err=True)
        raise typer.Exit(1) from error


@scenario_cli.command("export")
def scenario_export(
    slug: Annotated[str, typer.Argument(help="The scenario's slug, e.g. cooling-off.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File; default stdout.")
    ] = None,
    json_format: Annotated[bool, typer.Option("--json", help="JSON instead of YAML.")] = False,
) -> None:
    """Write a scenario to one YAML (or JSON) file."""
    from app.db import session_scope
    from app.scenarios import service as scenarios

    with session_scope(write=False) as session:
        scenario = scenarios.find_scenario_by_slug(session, slug)
        if scenario is None:
            typer.echo(f"No scenario with the slug '{slug}'.", err=True)
            raise typer.Exit(1)
        text = scenarios.dump_scenario_file(
            scenarios.scenario_to_file(scenario), "json" if json_format else "yaml"
        )
    _write_out(text, output)


@scenario_cli.command("import")
def scenario_import(
    path: Annotated[Path, typer.Argument(help="A scenario file (YAML or JSON).")],
    slug: Annotated[str | None, typer.Option(help="Store under this slug instead.")] = None,
) -> None:
    """Read a scenario file, validate it and store it."""
    from app.db import session_scope
    from app.scenarios import service as scenarios

    text = _read_in(path)
    try:
        spec = scenarios.parse_scenario_file(text)
    except scenarios.ScenarioFileError as error:
        typer.echo(f"{path} is not a valid scenario:", err=True)
        for problem in error.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(1) from error
    try:
        with session_scope() as session:
            scenario = scenarios.create_scenario(session, spec, slug=slug)
            typer.echo(f"Imported scenario '{scenario.title}' as {scenario.slug}.")
    except scenarios.ScenarioExists as error:
        typer.echo(f"{error} Use --slug to store it under another name.", err=True)
        raise typer.Exit(1) from error


@cli.command("export")
def commission_export(
    commission_id: Annotated[int, typer.Argument(help="The commission's id (in its address).")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File; default stdout.")
    ] = None,
    include_drafts: Annotated[
        bool,
        typer.Option(
            "--include-drafts",
            help="Also the private drafts, which only their authors may read: to move a whole "
            "installation. Without it, the archive holds what the instructor may read.",
        ),
    ] = False,
) -> None:
    """Write a whole commission, with its roster and everything said and voted, to one JSON file.

    Students' private drafts stay out unless --include-drafts is given.
    """
    from app.archive import service as archive
    from app.db import session_scope
    from app.errors import NotFound

    with (
        session_scope(write=False) as session,
        typer.progressbar(length=len(archive.STEPS), label="Exporting", file=sys.stderr) as bar,
    ):
        try:
            data = archive.export_commission(
                session,
                commission_id,
                progress=lambda _step, _rows: bar.update(1),
                include_drafts=include_drafts,
            )
        except NotFound as error:
            typer.echo(error.message, err=True)
            raise typer.Exit(1) from error
    text = archive.archive_json(data)
    _write_out(text, output)


@cli.command("import")
def commission_import(
    path: Annotated[Path, typer.Argument(help="A commission archive (JSON).")],
    owner: Annotated[
        str | None,
        typer.Option(help="Sign-in name that owns the imported scenario; default its creator."),
    ] = None,
) -> None:
    """Store a commission archive as a new commission and print its id.

    Accounts are matched by sign-in name; new ones cannot sign in until given a password.
    """
    from sqlalchemy import select

    from app.accounts.models import User
    from app.accounts.rules import normalize_username
    from app.archive import service as archive
    from app.db import session_scope
    from app.errors import Invalid

    text = _read_in(path)
    try:
        data = archive.parse_archive(text)
    except Invalid as error:
        typer.echo(f"{path}: {error.message}", err=True)
        raise typer.Exit(1) from error
    try:
        with session_scope() as session:
            importer = None
            if owner is not None:
                importer = session.scalar(
                    select(User).where(User.username == normalize_username(owner))
                )
                if importer is None:
                    typer.echo(f"No account with the sign-in name '{owner}'.", err=True)
                    raise typer.Exit(1)
            with typer.progressbar(
                length=archive.rows_in(data), label="Importing", file=sys.stderr
            ) as bar:
                commission = archive.import_commission(
                    session,
                    data,
                    created_by=importer,
                    progress=lambda _step, rows: bar.update(rows),
                )
            commission_id, title = commission.id, commission.title
    except Invalid as error:
        typer.echo(f"{path}: {error.message}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"Imported '{title}' as commission {commission_id}.", err=True)
    typer.echo(commission_id)


@cli.callback()
def main() -> None:
    """Settings come from the environment and an optional .env (DATABASE_URL, SECRET_KEY, …)."""
    from app.models import install_model_events

    get_settings()
    install_model_events()


if __name__ == "__main__":
    cli()
