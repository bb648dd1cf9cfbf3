from django.apps import AppConfig


class MetadataConfig(AppConfig):
    """Image metadata inspector for uploads."""

    name = "metadata"
    verbose_name = "Metadata"
