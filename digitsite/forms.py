"""The image-source form every tool page uses: a file, or an http(s) address."""

from __future__ import annotations

from django import forms

from digitsite import intake


class ImageSourceForm(forms.Form):
    """Validates through :mod:`digitsite.intake`; ``cleaned_data['image']`` is an IntakeImage.

    After ``is_valid()`` returns False, ``status`` is the HTTP status to answer with
    (415 for a non-image, 413 for an oversize one, 400 otherwise).
    """

    image = forms.FileField(
        required=False,
        label="Image file",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text="JPEG, PNG, WebP, BMP, TIFF or GIF.",
    )
    url = forms.CharField(
        required=False,
        label="…or an image address",
        max_length=2048,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/photo.jpg", "inputmode": "url"}),
    )

    status = 400

    def clean(self) -> dict:
        cleaned = super().clean()
        upload, url = cleaned.get("image"), (cleaned.get("url") or "").strip()
        if self.errors:
            return cleaned
        if upload and url:
            raise forms.ValidationError("Give either a file or an address, not both.", code="both")
        if not upload and not url:
            raise forms.ValidationError("Choose an image file or give an image address.", code="missing")
        try:
            if upload:
                image = intake.read_file(upload)
                cleaned["original_name"] = upload.name or ""
            else:
                image = intake.read_url(url)
                cleaned["original_name"] = url.rsplit("/", 1)[-1].split("?", 1)[0]
        except intake.IntakeError as exc:
            # Shown next to the input the user filled in.
            self.status = exc.status
            self.add_error("image" if upload else "url", forms.ValidationError(exc.message, code=exc.code))
            return cleaned
        cleaned["image"] = image
        return cleaned
