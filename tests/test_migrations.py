"""Migrations go up, down and up again, and agree with the models (`alembic check`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.orm import Session

from app.caucus.models import CaucusMessage
from app.cli import alembic_config
from app.commissions.models import Delegation
from app.config import ROOT_DIR, normalize_database_url
from app.db import SEARCH_INDEX_OBJECTS, in_model_schema, rendered_columns
from app.demo import ensure_demo
from app.models import Base
from app.proposals.models import Amendment, Revision
from tests.conftest import empty_postgres_database, is_postgres


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the kind under test, separate from the suite's own."""
    if not is_postgres():
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    yield empty_postgres_database("migrations")


def config_for(url: str) -> Config:
    config = alembic_config()
    config.attributes["configure_logging"] = False
    config.set_main_option("sqlalchemy.url", normalize_database_url(url))
    return config


def tables(url: str) -> set[str]:
    engine = create_engine(normalize_database_url(url))
    try:
        names = set(inspect(engine).get_table_names()) - {"alembic_version"}
        return {n for n in names if not n.startswith(SEARCH_INDEX_OBJECTS)}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(scratch_url: str) -> None:
    config = config_for(scratch_url)
    command.upgrade(config, "head")
    assert tables(scratch_url) == set(Base.metadata.tables)
    command.downgrade(config, "base")
    assert tables(scratch_url) == set()
    command.upgrade(config, "head")
    assert tables(scratch_url) == set(Base.metadata.tables)


def test_models_and_migrations_agree(scratch_url: str) -> None:
    command.upgrade(config_for(scratch_url), "head")
    engine = create_engine(normalize_database_url(scratch_url))
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "target_metadata": Base.metadata,
                "include_object": in_model_schema,
            },
        )
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_alembic_works_from_the_repository_root(scratch_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": scratch_url}
    alembic = Path(sys.executable).with_name("alembic")
    for args in (["upgrade", "head"], ["check"]):
        result = subprocess.run(
            [str(alembic), *args],
            cwd=ROOT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr


def test_the_html_migration_renders_the_rows_already_there(scratch_url: str) -> None:
    """0009 adds an HTML column beside each column of user Markdown (and a norm's plain text)
    and fills them by rendering the text as it stands, in every row of every such table."""
    config = config_for(scratch_url)
    command.upgrade(config, "head")
    engine = create_engine(normalize_database_url(scratch_url))
    with Session(engine) as session, session.begin():
        ensure_demo(session)  # briefs, mandates, injects, arguments, revisions, norms
        revision = session.scalars(select(Revision).order_by(Revision.id)).first()
        delegation = session.scalars(select(Delegation).order_by(Delegation.id)).first()
        assert revision is not None and delegation is not None
        session.add(CaucusMessage(delegation_id=delegation.id, body="ours"))
        session.add(
            Amendment(
                proposal_id=revision.proposal_id,
                base_revision_number=revision.number,
                text="new",
                rationale="why",
            )
        )
    command.downgrade(config, "0008")
    # The columns 0009 renders; a later migration's rendered columns are not there at 0008.
    in_0009 = ScriptDirectory.from_config(config).get_revision("0009").module
    columns = [
        (table, source, rendered, render)
        for table, source, rendered, render in rendered_columns()
        if (table, source, rendered) in in_0009.HTML_COLUMNS + in_0009.TEXT_COLUMNS
    ]
    assert len(columns) == len(in_0009.HTML_COLUMNS + in_0009.TEXT_COLUMNS)
    with engine.begin() as conn:  # text written by the code before 0009, script and all
        for table, source, _rendered, _render in columns:
            conn.execute(
                text(f"UPDATE {table} SET {source} = '**Now** <script>x</script> ' || {source}")
            )
    command.upgrade(config, "head")
    with engine.connect() as conn:
        for table, source, rendered, render in columns:
            rows = conn.execute(text(f"SELECT {source}, {rendered} FROM {table}")).all()
            assert rows, table
            for markdown, stored in rows:
                assert stored == str(render(markdown)), (table, markdown)
                assert stored.startswith(("<p><strong>Now</strong>", "Now <script>")), stored
    engine.dispose()
