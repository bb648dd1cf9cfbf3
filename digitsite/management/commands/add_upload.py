from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from digitsite import intake
from digitsite.commands import DatabaseCommand
from digitsite.services import upload_create


class Command(DatabaseCommand):
    help = (
        "Store images as Uploads through the safe intake (files or http(s) addresses). "
        "A rejected input prints its reason, stores nothing and makes the command exit non-zero."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("sources", nargs="+", metavar="PATH_OR_URL")

    def handle(self, *args, sources: list[str], **options) -> None:
        failures = 0
        for source in sources:
            try:
                image = intake.read_source(source)
            except intake.IntakeError as exc:
                failures += 1
                self.stderr.write(f"{source}: {exc.message}")
                continue
            result = upload_create(image=image, original_name=Path(source).name)
            state = "stored" if result.created else "already stored"
            self.stdout.write(f"{source}: {state} as {result.upload.public_id}")
        if failures:
            raise CommandError(f"{failures} of {len(sources)} input(s) were rejected")
