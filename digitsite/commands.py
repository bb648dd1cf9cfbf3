"""What the project's management commands share."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, ProgrammingError


class DatabaseCommand(BaseCommand):
    """A command that reads or writes the database.

    A database that is not there or has none of the project's tables yet (a fresh clone
    before ``make run`` migrates, a server that is down) is one clear error, not a
    traceback. Other database errors (a constraint, a query bug) still raise as they are.
    """

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except (OperationalError, ProgrammingError) as exc:
            if not _not_ready(exc):
                raise
            raise CommandError(
                f"the database is not ready ({str(exc).strip()}): run `make run` or `python manage.py migrate` "
                "first (or check DATABASE_URL)"
            ) from None


def _not_ready(exc: Exception) -> bool:
    """An error saying the database or its tables are missing, not a query's own fault."""
    if isinstance(exc, OperationalError):
        return True  # SQLite's "no such table", a server that cannot be reached
    message = str(exc).lower()
    return "relation" in message and "does not exist" in message  # PostgreSQL's missing table
