from django.apps import AppConfig


class AugmentConfig(AppConfig):
    """Augmentation operations, shared by the preview page and classifier training."""

    name = "augment"
    verbose_name = "Augmentation"

    def ready(self) -> None:
        # `train_classifier --augment N` uses the very operations the preview shows.
        from augment.spec import augment_crops
        from classifiers.ml.sources import register_augmenter

        register_augmenter(augment_crops)
