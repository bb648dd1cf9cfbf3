from __future__ import annotations

from classifiers.management.commands._common import dump
from classifiers.models import ClassifierVersion
from digitsite.commands import DatabaseCommand


class Command(DatabaseCommand):
    help = "List stored classifier versions, newest first; the active one is marked with *."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        versions = list(ClassifierVersion.objects.all())
        if options["json"]:
            dump(self, [v.summary() for v in versions])
            return
        if not versions:
            self.stdout.write("No classifier versions yet; run train_classifier.")
            return
        self.stdout.write(f"   {'id':>4}  {'algorithm':<11} {'accuracy':>8}  {'train':>6}  {'test':>6}  created")
        for v in versions:
            mark = "*" if v.is_active else " "
            self.stdout.write(
                f" {mark} {v.pk:>4}  {v.algorithm:<11} {v.accuracy:>8.2%}  {v.n_train:>6}  {v.n_test:>6}  "
                f"{v.created_at:%Y-%m-%d %H:%M}"
            )
