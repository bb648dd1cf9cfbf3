from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from metadata.models import ImageMetadata


class FormatFilter(admin.SimpleListFilter):
    title = "format"
    parameter_name = "format"

    def lookups(self, request, model_admin):
        formats = ImageMetadata.objects.values_list("upload__format", flat=True).distinct().order_by("upload__format")
        return [(f, f) for f in formats]

    def queryset(self, request, queryset):
        return queryset.filter(upload__format=self.value()) if self.value() else queryset


@admin.register(ImageMetadata)
class ImageMetadataAdmin(admin.ModelAdmin):
    list_display = ("upload_link", "format", "dimensions", "has_gps", "blurry", "stripped", "extractor_version")
    list_filter = (FormatFilter, "has_gps", "blurry", "stripped", "extractor_version")
    search_fields = ("ahash", "dhash", "phash", "upload__sha256", "upload__original_name")
    list_select_related = ("upload",)
    readonly_fields = (
        "upload",
        "extractor_version",
        "has_gps",
        "blurry",
        "ahash",
        "dhash",
        "phash",
        "stripped",
        "data",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="upload")
    def upload_link(self, obj: ImageMetadata) -> str:
        url = reverse("metadata-detail", args=[obj.upload.public_id])
        return format_html('<a href="{}">{}</a>', url, obj.upload)

    @admin.display(description="format", ordering="upload__format")
    def format(self, obj: ImageMetadata) -> str:
        return obj.upload.format

    @admin.display(description="size (px)")
    def dimensions(self, obj: ImageMetadata) -> str:
        return f"{obj.upload.width}×{obj.upload.height}"
