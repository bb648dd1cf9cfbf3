from django.apps import AppConfig


class DigitsiteConfig(AppConfig):
    """The shared core: the Upload model and safe image intake used by every tool."""

    name = "digitsite"
    verbose_name = "Uploads"
    default_auto_field = "django.db.models.BigAutoField"
