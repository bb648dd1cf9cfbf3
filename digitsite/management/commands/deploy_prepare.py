"""Start-up steps every deployment runs before serving: migrate, then make sure a classifier is active.

Several replicas may start at once; the steps run under one lock (a PostgreSQL advisory lock,
or a file lock in the data folder otherwise) so that exactly one replica migrates and trains while
the others wait and then find nothing left to do.
"""

from __future__ import annotations

import contextlib
import fcntl
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

# An arbitrary constant shared by every replica ("digitsite" in ASCII, fits a bigint).
ADVISORY_LOCK_KEY = 0x6469676974736974


@contextlib.contextmanager
def startup_lock():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
        return
    lock_dir = Path(settings.VAR_DIR)  # one host: SQLite (or another engine) with the data folder
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / ".deploy_prepare.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class Command(BaseCommand):
    help = (
        "Run the start-up steps of a deployment under a lock shared by all replicas: "
        "migrate, then ensure_default_classifier and ensure_verifier. The container entrypoint calls it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--skip-classifier", action="store_true", help="only migrate (no models trained)")

    def handle(self, *args, **options) -> None:
        verbosity = options["verbosity"]
        with startup_lock():
            call_command("migrate", interactive=False, verbosity=verbosity)
            if not options["skip_classifier"]:
                call_command("ensure_default_classifier", verbosity=verbosity)
                call_command("ensure_verifier", verbosity=verbosity)
