"""Helpers the classifier commands share: turning library errors into CommandErrors."""

from __future__ import annotations

import contextlib
import json
import sys

from django.core.management.base import CommandError

from classifiers.ml.artifacts import ArtifactError
from classifiers.ml.registry import UnknownClassifier
from classifiers.ml.sources import DataSourceError


class VersionOptionMixin:
    """Lets a command define its own ``--version ID`` (Django's built-in ``--version`` is replaced)."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)


@contextlib.contextmanager
def command_errors():
    """Report expected failures as one clear line (CommandError), never a traceback."""
    try:
        yield
    except (DataSourceError, ArtifactError, UnknownClassifier, ValueError) as exc:
        raise CommandError(str(exc)) from exc


def stage_printer(command, enabled: bool):
    """A progress callback writing one line per training stage to stderr (stdout stays clean for --json)."""
    if not enabled:
        return None

    def report(message: str) -> None:
        command.stderr.write(message)
        sys.stderr.flush()

    return report


def dump(command, payload) -> None:
    command.stdout.write(json.dumps(payload, sort_keys=True))
