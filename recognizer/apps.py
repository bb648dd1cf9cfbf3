from django.apps import AppConfig


class RecognizerConfig(AppConfig):
    """Multi-digit recognition: segmentation, stored predictions and their review."""

    name = "recognizer"
    verbose_name = "Recognizer"

    def ready(self) -> None:
        # The classifiers app trains on reviewers' corrections without importing this app.
        from classifiers.ml.sources import register_source
        from recognizer.sources import load_reviewed

        register_source("reviewed", load_reviewed)
