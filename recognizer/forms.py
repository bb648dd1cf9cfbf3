from __future__ import annotations

from django import forms

from classifiers.models import ClassifierVersion
from digitsite.forms import ImageSourceForm


class RecognizeForm(ImageSourceForm):
    """An image (file, photo or address) plus the classifier to read it with (default: the active one)."""

    classifier = forms.ModelChoiceField(
        queryset=ClassifierVersion.objects.none(),
        required=False,
        empty_label="the active classifier",
        label="Classifier",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["image"].widget.attrs.update({"capture": "environment", "accept": "image/*"})
        self.fields["image"].label = "Photo or scan"
        self.fields["classifier"].queryset = ClassifierVersion.objects.order_by("-is_active", "-created_at")
        self.fields["classifier"].label_from_instance = lambda v: (
            f"{v} — {v.accuracy:.1%}{' (active)' if v.is_active else ''}"
        )
