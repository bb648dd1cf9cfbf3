from __future__ import annotations

from django.core.management.base import CommandError

from classifiers.management.commands._common import command_errors
from classifiers.models import ClassifierVersion
from classifiers.services import classifier_activate
from digitsite.commands import DatabaseCommand


class Command(DatabaseCommand):
    help = "Make a stored classifier version the active one (also how you roll back to an older version)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("version", type=int, metavar="ID")

    def handle(self, *args, version: int, **options) -> None:
        found = ClassifierVersion.objects.filter(pk=version).first()
        if found is None:
            raise CommandError(f"No classifier version {version}; see list_classifiers.")
        with command_errors():
            classifier_activate(version=found)
        self.stdout.write(self.style.SUCCESS(f"{found} is now the active classifier."))
