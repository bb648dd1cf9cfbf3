from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import CommandError

from classifiers.management.commands._common import VersionOptionMixin
from classifiers.ml.artifacts import ArtifactError
from classifiers.selectors import classifier_load
from digitsite.commands import DatabaseCommand
from recognizer.batch import MIN_PARALLEL_INPUTS, Outcome, recognize_paths
from recognizer.models import Recognition
from recognizer.services import (
    NoClassifier,
    classifier_resolve,
    recognition_create,
    recognition_payload,
    verifier_answers,
    verifier_missing,
)


class Command(VersionOptionMixin, DatabaseCommand):
    help = (
        "Read the numbers in images (files or http(s) addresses). Loads the classifier once for all inputs. "
        "With --json prints one JSON object per input, in input order; a failed input prints "
        '{"path": ..., "error": ...}, the rest go on, and the command exits non-zero at the end. '
        "Nothing is written to the database unless --save is given. "
        f"From {MIN_PARALLEL_INPUTS} inputs on, one worker process per CPU reads them (see --jobs)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--json", action="store_true", help="one JSON object per line per input")
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--classifier", metavar="NAME", help="newest version of this algorithm")
        which.add_argument("--version", type=int, metavar="ID", help="a specific classifier version")
        parser.add_argument("--save", action="store_true", help="store Upload and Recognition rows")
        parser.add_argument(
            "--jobs",
            type=int,
            default=0,
            metavar="N",
            help=f"worker processes (default 0: one per CPU for {MIN_PARALLEL_INPUTS}+ inputs); 1 = none",
        )

    def handle(self, *args, paths: list[str], **options) -> None:
        try:
            version = classifier_resolve(version_id=options["version"], algorithm=options["classifier"])
            pipeline = classifier_load(version)  # load once, up front: a broken artifact fails before any input
        except (NoClassifier, ArtifactError) as exc:
            raise CommandError(str(exc)) from None
        if options["jobs"] < 0:
            raise CommandError("--jobs must be 0 (one per CPU) or more")
        save = options["save"]
        stored = Recognition.objects.stored_hashes(version) if save else frozenset()
        failures = 0
        if verifier_missing() and options["verbosity"] > 0:
            self.stderr.write(
                "Training the single-digit verifier first (~1 min, once; `ensure_verifier` does it ahead)…"
            )
        outcomes = recognize_paths(
            paths, pipeline, jobs=options["jobs"], keep_images=save, stored=stored, answers=verifier_answers()
        )
        for outcome in outcomes:
            if outcome.error is not None:
                failures += 1
                payload = {"path": outcome.path, "error": outcome.error}
            else:
                payload = self._payload(outcome, version, save=save)
            self._emit(payload, as_json=options["json"])
        if failures:
            raise CommandError(f"{failures} of {len(paths)} input(s) failed")

    def _payload(self, outcome: Outcome, version, *, save: bool) -> dict:
        if save:
            stored = recognition_create(
                image=outcome.image, version=version, original_name=Path(outcome.path).name, result=outcome.result
            )
            payload = recognition_payload(stored.recognition)
            payload["id"] = str(stored.recognition.public_id)
        else:
            payload = outcome.result.to_dict()
            payload["classifier"] = {"name": version.algorithm, "version": version.pk}
        return {"path": outcome.path, **payload}

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
