from __future__ import annotations

from django.core.management.base import CommandError

from classifiers.management.commands._common import VersionOptionMixin, command_errors, dump
from classifiers.ml import training
from classifiers.models import ClassifierVersion
from classifiers.services import classifier_evaluate
from digitsite.commands import DatabaseCommand


class Command(VersionOptionMixin, DatabaseCommand):
    help = "Evaluate a stored classifier version on a data source: accuracy, per-class report, confusion matrix."

    def add_arguments(self, parser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--version", type=int, metavar="ID")
        which.add_argument("--active", action="store_true", help="the active version (the default)")
        parser.add_argument("--data", action="append", metavar="SOURCE", required=True)
        parser.add_argument("--json", action="store_true", help="print one JSON object (accuracy, n, per_class, …)")
        parser.add_argument("--plot", metavar="FILE.png", help="write the confusion matrix as a PNG")

    def handle(self, *args, **options) -> None:
        if options["version"] is not None:
            version = ClassifierVersion.objects.filter(pk=options["version"]).first()
            if version is None:
                raise CommandError(f"No classifier version {options['version']}; see list_classifiers.")
        else:
            version = ClassifierVersion.objects.active()
            if version is None:
                raise CommandError("No classifier is active; pass --version ID or train one.")
        with command_errors():
            metrics = classifier_evaluate(version=version, data=options["data"])
        if options["plot"]:
            try:
                training.plot_confusion(metrics.confusion, options["plot"], title=f"{version}")
            except OSError as exc:
                raise CommandError(f"Cannot write {options['plot']}: {exc}") from None
        if options["json"]:
            dump(self, {"version": version.pk, "algorithm": version.algorithm, **metrics.to_dict()})
            return
        self.stdout.write(f"{version} on {', '.join(options['data'])}: accuracy {metrics.accuracy:.2%} (n={metrics.n})")
        self.stdout.write(metrics.report())
