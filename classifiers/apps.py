from django.apps import AppConfig


class ClassifiersConfig(AppConfig):
    """Pluggable digit classifiers: versioned, trained and activated from the command line."""

    name = "classifiers"
    verbose_name = "Classifiers"

    def ready(self) -> None:
        from classifiers import checks  # noqa: F401 - registers the system checks
