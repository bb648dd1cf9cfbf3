from __future__ import annotations

from datetime import timedelta

from django.core.management.base import CommandError
from django.utils import timezone

from augment.models import AugmentationPreview
from augment.services import preview_purge, preview_regenerate
from augment.spec import SpecError
from digitsite.commands import DatabaseCommand


class Command(DatabaseCommand):
    help = (
        "Regenerate or purge stored augmentation previews, in chunks. Use --regenerate after an "
        "operation changed (SPEC_VERSION bump) and --purge to free disk space."
    )

    def add_arguments(self, parser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--regenerate", action="store_true")
        action.add_argument("--purge", action="store_true")
        parser.add_argument("--upload", metavar="UUID", help="only previews of this upload")
        parser.add_argument("--chunk-size", type=int, default=200, help="rows fetched per query")
        parser.add_argument("--older-than-days", type=int, metavar="D", help="only previews older than D days")

    def handle(self, *args, **options) -> None:
        previews = AugmentationPreview.objects.all()
        if options["upload"]:
            previews = previews.filter(upload__public_id=options["upload"])
        if options["older_than_days"] is not None:
            previews = previews.filter(created_at__lt=timezone.now() - timedelta(days=options["older_than_days"]))
        if options["purge"]:
            count = preview_purge(queryset=previews, chunk_size=options["chunk_size"])
            self.stdout.write(self.style.SUCCESS(f"Purged {count} preview(s) and their files."))
            return
        done = failed = 0
        for pk in list(previews.values_list("pk", flat=True)):
            try:
                preview_regenerate(preview=AugmentationPreview.objects.select_related("upload").get(pk=pk))
                done += 1
            except (SpecError, ValueError, OSError) as exc:
                failed += 1
                self.stderr.write(f"preview {pk}: {exc}")
        self.stdout.write(f"Regenerated {done} preview(s); {failed} failed.")
        if failed:
            raise CommandError(f"{failed} preview(s) could not be regenerated")
