from __future__ import annotations

from django.conf import settings

from classifiers.management.commands._common import command_errors, stage_printer
from classifiers.services import ensure_default_classifier
from digitsite.commands import DatabaseCommand


class Command(DatabaseCommand):
    help = (
        "Train and activate the default classifier (CLASSIFIERS_DEFAULT_ALGORITHM on the bundled data) "
        "when no version is active; otherwise do nothing. `make run` and the container entrypoint call it."
    )

    def handle(self, *args, **options) -> None:
        if options["verbosity"] > 0:
            self.stderr.write(f"Checking for an active classifier (default: {settings.CLASSIFIERS_DEFAULT_ALGORITHM})…")
        with command_errors():
            version, trained = ensure_default_classifier(progress=stage_printer(self, options["verbosity"] > 0))
        if trained:
            self.stdout.write(self.style.SUCCESS(f"Trained and activated {version} ({version.accuracy:.2%} held-out)."))
        elif options["verbosity"] > 0:
            self.stdout.write(f"{version} is active.")
