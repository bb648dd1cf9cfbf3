from django.apps import AppConfig


class ClassifiersConfig(AppConfig):
    """Pluggable digit classifiers: versioned, trained and activated from the command line."""

    name = "classifiers"
    verbose_name = "Classifiers"

    def ready(self) -> None:
        from classifiers import checks  # noqa: F401 - registers the system checks
        from digitsite.health import register_readiness_check

        register_readiness_check("classifier", _active_classifier_ready)


def _active_classifier_ready() -> str | None:
    """/readyz: an active classifier exists and its artifact loads (this also warms the worker's cache)."""
    from classifiers.models import ClassifierVersion
    from classifiers.selectors import classifier_load

    active = ClassifierVersion.objects.active()
    if active is None:
        return "no active classifier"
    classifier_load(active)
    return None
