from __future__ import annotations

from tqdm import tqdm

from digitsite.commands import DatabaseCommand
from digitsite.models import Upload
from metadata.extract import EXTRACTOR_VERSION
from metadata.models import ImageMetadata
from metadata.services import metadata_get_or_extract


class Command(DatabaseCommand):
    help = (
        "Recompute stored metadata made by an older extractor version (or, with --all, every row; "
        "with --missing, also uploads that have none yet). Works in chunks; one bad file is reported "
        "and skipped."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true", help="recompute every row, not only stale ones")
        parser.add_argument("--missing", action="store_true", help="also extract uploads without metadata")
        parser.add_argument("--chunk-size", type=int, default=200)

    def handle(self, *args, **options) -> None:
        rows = ImageMetadata.objects.all() if options["all"] else ImageMetadata.objects.stale(EXTRACTOR_VERSION)
        upload_ids = list(rows.values_list("upload_id", flat=True))
        if options["missing"]:
            upload_ids += list(Upload.objects.filter(metadata__isnull=True).values_list("pk", flat=True))
        done = failed = 0
        uploads = Upload.objects.filter(pk__in=upload_ids).iterator(chunk_size=options["chunk_size"])
        for upload in tqdm(uploads, total=len(upload_ids), disable=options["verbosity"] == 0, file=self.stderr):
            try:
                metadata_get_or_extract(upload=upload, refresh=True)
                done += 1
            except (ValueError, OSError) as exc:
                failed += 1
                self.stderr.write(f"{upload.public_id}: {exc}")
        self.stdout.write(f"Recomputed {done} row(s) with extractor v{EXTRACTOR_VERSION}; {failed} failed.")
