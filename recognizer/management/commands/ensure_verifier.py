from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recognizer import services


class Command(BaseCommand):
    help = (
        "Train the single-digit verifier that splits touching digits and tells printed labels from digits "
        "(from the bundled digits and the training fonts, ~30-60 s) when its file in CLASSIFIERS_MODEL_DIR "
        "is missing or damaged (or of an older recipe); otherwise do nothing. "
        "`make run` and the container entrypoint call it, so the first recognition does not wait for it."
    )

    def handle(self, *args, **options) -> None:
        if not settings.RECOGNIZER_VERIFIER:
            self.stdout.write("RECOGNIZER_VERIFIER is off: no verifier is used.")
            return
        if options["verbosity"] > 0:
            self.stderr.write(f"Checking for the single-digit verifier ({services.verifier_path()})…")
        try:
            _, trained = services.verifier_ensure()
        except OSError as exc:
            raise CommandError(f"cannot write the verifier to {services.verifier_path()}: {exc}") from None
        if trained:
            self.stdout.write(self.style.SUCCESS(f"Trained the single-digit verifier: {services.verifier_path()}"))
        elif options["verbosity"] > 0:
            self.stdout.write("The single-digit verifier is in place.")
