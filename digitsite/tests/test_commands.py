"""The base every database command shares: a database that is not ready is one clear error."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, get_commands, load_command_class
from django.db import IntegrityError, OperationalError, ProgrammingError

from digitsite.commands import DatabaseCommand


def _command_raising(exc: Exception) -> DatabaseCommand:
    class Command(DatabaseCommand):
        def handle(self, *args, **options):
            raise exc

    return Command()


@pytest.mark.parametrize(
    "exc",
    [
        OperationalError("no such table: classifiers_classifierversion"),  # SQLite, before migrate
        ProgrammingError('relation "classifiers_classifierversion" does not exist'),  # PostgreSQL
        OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused"),
    ],
)
def test_a_database_that_is_not_ready_is_one_clear_error(exc):
    with pytest.raises(CommandError, match=r"database is not ready .* run `make run` or `python manage.py migrate`"):
        _command_raising(exc).execute(skip_checks=True, no_color=True, force_color=False, stdout=None, stderr=None)


@pytest.mark.parametrize("exc", [ProgrammingError("syntax error at or near SELECT"), IntegrityError("UNIQUE failed")])
def test_other_database_errors_are_not_hidden(exc):
    with pytest.raises(type(exc)):
        _command_raising(exc).execute(skip_checks=True, no_color=True, force_color=False, stdout=None, stderr=None)


def test_every_project_command_that_uses_the_database_shares_the_base():
    ours = {name: app for name, app in get_commands().items() if app.split(".")[0] in _PROJECT_APPS}
    assert "recognize" in ours and "add_upload" in ours
    for name, app in ours.items():
        command = load_command_class(app, name)
        if name in _WITHOUT_DATABASE:
            continue
        assert isinstance(command, DatabaseCommand), name


_PROJECT_APPS = {"digitsite", "classifiers", "recognizer", "augment", "metadata"}
_WITHOUT_DATABASE = {
    "deploy_prepare",  # it migrates: the tables come from it
    "ensure_verifier",  # a file in the models directory, no rows
}
