from __future__ import annotations

import io

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from classifiers.ml import training
from classifiers.ml.artifacts import ArtifactError
from classifiers.models import ClassifierVersion
from classifiers.services import classifier_activate


@admin.register(ClassifierVersion)
class ClassifierVersionAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "algorithm",
        "active_badge",
        "accuracy_pct",
        "n_train",
        "n_test",
        "augment",
        "training_seconds_s",
        "created_at",
    )
    list_filter = ("algorithm", "is_active", "created_at")
    ordering = ("-created_at",)
    actions = ["activate"]
    readonly_fields = (
        "algorithm",
        "is_active",
        "accuracy_pct",
        "confusion_image",
        "per_class",
        "params",
        "data_sources",
        "augment",
        "test_size",
        "seed",
        "n_train",
        "n_test",
        "training_seconds",
        "library_versions",
        "artifact_path",
        "artifact_sha256",
        "artifact_size",
        "created_at",
    )
    exclude = ("metrics", "accuracy")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # versions come from train_classifier, which writes the artifact first

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        extra = [
            path(
                "<int:pk>/confusion.png",
                self.admin_site.admin_view(self.confusion_png),
                name="classifiers_classifierversion_confusion",
            )
        ]
        return extra + super().get_urls()

    def confusion_png(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = get_object_or_404(ClassifierVersion, pk=pk)
        buf = io.BytesIO()
        training.plot_confusion(version.confusion, buf, title=str(version))
        return HttpResponse(buf.getvalue(), content_type="image/png")

    @admin.action(description="Activate the selected version")
    def activate(self, request: HttpRequest, queryset) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to activate.", messages.ERROR)
            return
        version = queryset.get()
        try:
            classifier_activate(version=version)
        except ArtifactError as exc:
            self.message_user(request, f"{version} was not activated: {exc}", messages.ERROR)
            return
        self.message_user(request, f"{version} is now the active classifier.", messages.SUCCESS)

    @admin.display(description="active", boolean=True, ordering="is_active")
    def active_badge(self, obj: ClassifierVersion) -> bool:
        return obj.is_active

    @admin.display(description="held-out accuracy", ordering="accuracy")
    def accuracy_pct(self, obj: ClassifierVersion) -> str:
        return f"{obj.accuracy:.2%}"

    @admin.display(description="training time", ordering="training_seconds")
    def training_seconds_s(self, obj: ClassifierVersion) -> str:
        return f"{obj.training_seconds:.1f} s"

    @admin.display(description="confusion matrix")
    def confusion_image(self, obj: ClassifierVersion) -> str:
        url = reverse("admin:classifiers_classifierversion_confusion", args=[obj.pk])
        return format_html('<img src="{}" alt="Confusion matrix of {}" width="420">', url, obj)

    @admin.display(description="per-class precision / recall")
    def per_class(self, obj: ClassifierVersion) -> str:
        rows = sorted(obj.metrics.get("per_class", {}).items())
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((label, f"{r['precision']:.3f}", f"{r['recall']:.3f}", r["support"]) for label, r in rows),
        )
        return format_html(
            "<table><tr><th>digit</th><th>precision</th><th>recall</th><th>support</th></tr>{}</table>", body
        )
