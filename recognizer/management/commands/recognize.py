from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from classifiers.management.commands._common import VersionOptionMixin
from classifiers.ml.artifacts import ArtifactError
from classifiers.selectors import classifier_load
from digitsite import intake
from recognizer.services import (
    NoClassifier,
    classifier_resolve,
    recognition_compute,
    recognition_create,
    recognition_payload,
)


class Command(VersionOptionMixin, BaseCommand):
    help = (
        "Read the numbers in images (files or http(s) addresses). Loads the classifier once for all inputs. "
        "With --json prints one JSON object per input, in input order; a failed input prints "
        '{"path": ..., "error": ...}, the rest go on, and the command exits non-zero at the end. '
        "Nothing is written to the database unless --save is given."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--json", action="store_true", help="one JSON object per line per input")
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--classifier", metavar="NAME", help="newest version of this algorithm")
        which.add_argument("--version", type=int, metavar="ID", help="a specific classifier version")
        parser.add_argument("--save", action="store_true", help="store Upload and Recognition rows")

    def handle(self, *args, paths: list[str], **options) -> None:
        try:
            version = classifier_resolve(version_id=options["version"], algorithm=options["classifier"])
            classifier_load(version)  # load once, up front: a broken artifact fails before any input
        except (NoClassifier, ArtifactError) as exc:
            raise CommandError(str(exc)) from None
        failures = 0
        for path in paths:
            try:
                payload = self._recognize(path, version, save=options["save"])
            except intake.IntakeError as exc:
                failures += 1
                payload = {"path": path, "error": exc.message}
            self._emit(payload, as_json=options["json"])
        if failures:
            raise CommandError(f"{failures} of {len(paths)} input(s) failed")

    def _recognize(self, path: str, version, *, save: bool) -> dict:
        image = intake.read_source(path)
        if save:
            stored = recognition_create(image=image, version=version, original_name=Path(path).name)
            payload = recognition_payload(stored.recognition)
            payload["id"] = str(stored.recognition.public_id)
        else:
            payload = recognition_compute(image=image, version=version).to_dict()
            payload["classifier"] = {"name": version.algorithm, "version": version.pk}
        return {"path": path, **payload}

    def _emit(self, payload: dict, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(payload))
        elif "error" in payload:
            self.stderr.write(f"{payload['path']}: {payload['error']}")
        else:
            text = payload["text"].replace("\n", " / ") or "(no digits found)"
            low = min((d["confidence"] for d in payload["digits"]), default=None)
            extra = f"  [min confidence {low:.2f}]" if low is not None else ""
            self.stdout.write(f"{payload['path']}: {text}{extra}")
