"""Schema versions: upgrade to head, and refuse a warehouse made by a newer IOC."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from ioc.errors import IOCError
from ioc.warehouse.engine import display_url

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for IOC's migrations, bound to ``connection`` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest schema revision this IOC knows."""
    head = script_directory().get_current_head()
    assert head is not None, "IOC ships at least one migration"
    return head


def current_revision(connection: Connection) -> str | None:
    """The warehouse's schema revision, or None for an empty database."""
    return MigrationContext.configure(connection).get_current_revision()


def check_known_revision(revision: str | None) -> None:
    """Refuse a schema revision this IOC does not know: the warehouse was made by a newer IOC."""
    if revision is None:
        return
    known = {script.revision for script in script_directory().walk_revisions()}
    if revision not in known:
        raise IOCError(
            f"the warehouse has schema revision {revision!r}, which this IOC does not know "
            f"(it knows up to {head_revision()!r}): it was made by a newer IOC; upgrade IOC instead"
        )


def upgrade_to_head(connection: Connection) -> tuple[str | None, str]:
    """Migrate the warehouse on ``connection`` to head, inside the caller's transaction.

    Returns the revisions before and after.
    """
    before = current_revision(connection)
    check_known_revision(before)
    command.upgrade(alembic_config(connection), "head")
    return before, head_revision()


def require_current(connection: Connection) -> None:
    """Fail clearly unless the warehouse is initialised and at this IOC's head revision."""
    revision = current_revision(connection)
    where = display_url(connection.engine.url)
    if revision is None:
        raise IOCError(f"the warehouse {where} is not initialised: run `ioc init`")
    check_known_revision(revision)
    if revision != head_revision():
        raise IOCError(f"the warehouse {where} is at schema revision {revision!r}, older than this IOC: run `ioc init`")
