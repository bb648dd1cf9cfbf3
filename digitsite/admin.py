from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from digitsite import intake
from digitsite.models import Upload
from digitsite.services import upload_create


class UploadAddForm(forms.ModelForm):
    """Adding an upload in the admin goes through the same intake as every other entry point."""

    image = forms.FileField(required=True, widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))

    class Meta:
        model = Upload
        fields = []

    def clean_image(self):
        upload = self.cleaned_data["image"]
        try:
            self.intake_image = intake.read_file(upload)
        except intake.IntakeError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        return upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ("thumbnail", "original_name", "format", "dimensions", "size", "source", "created_at")
    list_filter = ("format", "created_at")
    search_fields = ("sha256", "original_name", "source", "public_id")
    readonly_fields = (
        "preview",
        "public_id",
        "original_name",
        "sha256",
        "size",
        "width",
        "height",
        "format",
        "mime_type",
        "source",
        "created_at",
        "uploaded_by",
        "file",
    )
    list_select_related = ("uploaded_by",)
    date_hierarchy = "created_at"

    def get_form(self, request: HttpRequest, obj: Upload | None = None, **kwargs):
        if obj is None:
            kwargs["form"] = UploadAddForm
            kwargs["fields"] = ["image"]
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Upload | None = None):
        return self.readonly_fields if obj else ()

    def save_model(self, request: HttpRequest, obj: Upload, form, change: bool) -> None:
        if change:
            return
        result = upload_create(
            image=form.intake_image, original_name=form.cleaned_data["image"].name, user=request.user
        )
        for f in Upload._meta.concrete_fields:  # the admin redirects to and logs ``obj``
            setattr(obj, f.attname, getattr(result.upload, f.attname))

    def has_change_permission(self, request: HttpRequest, obj: Upload | None = None) -> bool:
        # Uploads are immutable records; staff can view and delete them.
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description="image")
    def thumbnail(self, obj: Upload) -> str:
        url = reverse("upload-image", kwargs={"public_id": obj.public_id})
        return format_html('<img src="{}" alt="" style="max-height:48px;max-width:96px">', url)

    @admin.display(description="preview")
    def preview(self, obj: Upload) -> str:
        url = reverse("upload-image", kwargs={"public_id": obj.public_id})
        return format_html('<img src="{}" alt="" style="max-width:480px">', url)

    @admin.display(description="size (px)")
    def dimensions(self, obj: Upload) -> str:
        return f"{obj.width}×{obj.height}"
