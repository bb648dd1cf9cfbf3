"""The review UI: staff check every prediction, correct digits and export them."""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from PIL import Image

from recognizer.models import Digit, Recognition
from recognizer.services import (
    digit_review,
    recognition_correct_text,
    recognition_mark_correct,
    recognition_mark_reviewed,
)


def crop_data_uri(digit: Digit) -> str:
    pixels = np.frombuffer(bytes(digit.crop), np.uint8).reshape(28, 28)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def annotated_image(recognition: Recognition, *, max_width: int, digits=None) -> str:
    """The upload with every digit's box drawn over it (HTML/CSS, sharp at any zoom)."""
    upload = recognition.upload
    digits = recognition.digits.all() if digits is None else digits
    boxes = format_html_join(
        "",
        '<span style="position:absolute;left:{}%;top:{}%;width:{}%;height:{}%;border:2px solid {};'
        'box-sizing:border-box"><b style="position:absolute;top:-1.2em;left:0;font-size:11px;background:{};'
        'color:#fff;padding:0 2px;line-height:1.1">{}</b></span>',
        (
            (
                f"{100 * d.x / upload.width:.3f}",
                f"{100 * d.y / upload.height:.3f}",
                f"{100 * d.w / upload.width:.3f}",
                f"{100 * d.h / upload.height:.3f}",
                "#e8710a" if d.confidence < settings.REVIEW_LOW_CONFIDENCE else "#0b8043",
                "#b3540a" if d.confidence < settings.REVIEW_LOW_CONFIDENCE else "#0b8043",
                d.reviewed_label if d.reviewed_label is not None else d.label,
            )
            for d in digits
        ),
    )
    src = reverse("upload-image", args=[upload.public_id])
    return format_html(
        '<span style="position:relative;display:inline-block;line-height:0;max-width:{}px">'
        '<img src="{}" alt="" style="max-width:100%;height:auto" loading="lazy">{}</span>',
        max_width,
        src,
        boxes,
    )


class LowConfidenceFilter(admin.SimpleListFilter):
    title = "confidence"
    parameter_name = "confidence"

    def lookups(self, request, model_admin):
        pct = round(settings.REVIEW_LOW_CONFIDENCE * 100)
        return [("low", f"low (a digit below {pct}%)"), ("ok", f"all digits ≥ {pct}%"), ("none", "no digits found")]

    def queryset(self, request, queryset):
        threshold = settings.REVIEW_LOW_CONFIDENCE
        if self.value() == "low":
            return queryset.filter(min_confidence__lt=threshold)
        if self.value() == "ok":
            return queryset.filter(min_confidence__gte=threshold)
        if self.value() == "none":
            return queryset.filter(digit_count=0)
        return queryset


class ReviewedFilter(admin.SimpleListFilter):
    title = "reviewed"
    parameter_name = "reviewed"

    def lookups(self, request, model_admin):
        return [("yes", "reviewed"), ("no", "not reviewed")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(reviewed_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(reviewed_at__isnull=True)
        return queryset


class DigitInlineForm(forms.ModelForm):
    class Meta:
        model = Digit
        fields = ["reviewed_label"]


class DigitInline(admin.TabularInline):
    model = Digit
    form = DigitInlineForm
    extra = 0
    can_delete = False
    fields = ("index", "crop_image", "label", "confidence_pct", "alternatives_text", "reviewed_label", "reviewed_by")
    readonly_fields = ("index", "crop_image", "label", "confidence_pct", "alternatives_text", "reviewed_by")
    ordering = ("index",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="crop")
    def crop_image(self, obj: Digit) -> str:
        return format_html(
            '<img src="{}" width="42" height="42" style="image-rendering:pixelated;background:#000" alt="crop">',
            crop_data_uri(obj),
        )

    @admin.display(description="confidence")
    def confidence_pct(self, obj: Digit) -> str:
        return f"{obj.confidence:.0%}"

    @admin.display(description="alternatives")
    def alternatives_text(self, obj: Digit) -> str:
        return ", ".join(f"{label} ({p:.0%})" for label, p in obj.alternatives) or "—"


class RecognitionForm(forms.ModelForm):
    corrected_text = forms.CharField(
        required=False,
        label="Correct the whole string",
        help_text="Type the true digits (spaces and line breaks ignored); applied when the digit count matches.",
        widget=forms.TextInput(attrs={"size": 30, "autocomplete": "off"}),
    )

    class Meta:
        model = Recognition
        fields: list[str] = []


@admin.register(Recognition)
class RecognitionAdmin(admin.ModelAdmin):
    form = RecognitionForm
    inlines = [DigitInline]
    change_form_template = "admin/recognizer/recognition/change_form.html"
    list_display = ("thumbnail", "text_display", "min_confidence_pct", "classifier", "is_reviewed", "created_at")
    list_filter = (LowConfidenceFilter, ReviewedFilter, "classifier", "created_at")
    list_select_related = ("upload", "classifier")
    search_fields = ("text",)
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over 100k rows on every page
    actions = ["mark_correct", "export_digits_csv", "export_recognitions_csv"]
    readonly_fields = (
        "annotated",
        "text",
        "classifier",
        "upload_link",
        "digit_count",
        "mean_confidence",
        "min_confidence",
        "elapsed_ms",
        "warnings",
        "created_at",
        "reviewed_at",
        "reviewed_by",
    )
    fields = (
        "annotated",
        "text",
        "corrected_text",
        "classifier",
        "upload_link",
        "digit_count",
        "mean_confidence",
        "min_confidence",
        "elapsed_ms",
        "warnings",
        "created_at",
        "reviewed_at",
        "reviewed_by",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("digits")

    # --- columns

    @admin.display(description="image")
    def thumbnail(self, obj: Recognition) -> str:
        return annotated_image(obj, max_width=140, digits=obj.digits.all())

    @admin.display(description="annotated image")
    def annotated(self, obj: Recognition) -> str:
        return annotated_image(obj, max_width=900)

    @admin.display(description="text", ordering="text")
    def text_display(self, obj: Recognition) -> str:
        return format_html("<code>{}</code>", obj.text.replace("\n", " / ") or "∅")

    @admin.display(description="min confidence", ordering="min_confidence")
    def min_confidence_pct(self, obj: Recognition) -> str:
        return "—" if obj.min_confidence is None else f"{obj.min_confidence:.0%}"

    @admin.display(description="reviewed", boolean=True, ordering="reviewed_at")
    def is_reviewed(self, obj: Recognition) -> bool:
        return obj.reviewed_at is not None

    @admin.display(description="upload")
    def upload_link(self, obj: Recognition) -> str:
        return format_html('<a href="{}">{}</a>', obj.upload.get_absolute_url(), obj.upload)

    # --- saving: corrections go through the review services, beside the predictions

    def save_model(self, request, obj, form, change) -> None:
        pass  # nothing on the recognition itself is editable

    def save_formset(self, request, form, formset, change) -> None:
        formset.save(commit=False)  # validates and fills the change log; writes go through the services
        for inline_form in formset.forms:
            if (
                "reviewed_label" in inline_form.changed_data
                and inline_form.cleaned_data.get("reviewed_label") is not None
            ):
                digit_review(
                    digit=inline_form.instance, label=inline_form.cleaned_data["reviewed_label"], reviewer=request.user
                )
        text = form.cleaned_data.get("corrected_text", "").strip()
        if text:
            try:
                recognition_correct_text(recognition=form.instance, text=text, reviewer=request.user)
            except ValueError as exc:
                self.message_user(request, str(exc), messages.ERROR)

    def response_change(self, request: HttpRequest, obj: Recognition):
        if "_mark_correct" in request.POST:
            n = recognition_mark_correct(recognition=obj, reviewer=request.user)
            self.message_user(request, f"Marked {n} digit(s) correct; the recognition is reviewed.", messages.SUCCESS)
            return HttpResponseRedirect(request.path)
        if "_mark_reviewed" in request.POST:
            recognition_mark_reviewed(recognition=obj, reviewer=request.user)
            self.message_user(request, "Marked as reviewed.", messages.SUCCESS)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    # --- bulk actions

    @admin.action(description="Mark selected as correct (confirm every unreviewed digit)")
    def mark_correct(self, request: HttpRequest, queryset) -> None:
        total = sum(recognition_mark_correct(recognition=r, reviewer=request.user) for r in queryset)
        self.message_user(
            request, f"Confirmed {total} digit(s) in {queryset.count()} recognition(s).", messages.SUCCESS
        )

    @admin.action(description="Export digits of the selected as CSV")
    def export_digits_csv(self, request: HttpRequest, queryset) -> HttpResponse:
        rows = Digit.objects.filter(recognition__in=queryset).select_related("recognition", "recognition__upload")
        frame = pd.DataFrame.from_records(
            [
                {
                    "recognition": str(d.recognition.public_id),
                    "upload": str(d.recognition.upload.public_id),
                    "classifier_version": d.recognition.classifier_id,
                    "index": d.index,
                    "line": d.line,
                    "x": d.x,
                    "y": d.y,
                    "w": d.w,
                    "h": d.h,
                    "predicted": d.label,
                    "confidence": round(d.confidence, 4),
                    "alternatives": " ".join(f"{label}:{p:.3f}" for label, p in d.alternatives),
                    "reviewed_label": d.reviewed_label,
                    "reviewed_at": d.reviewed_at.isoformat() if d.reviewed_at else None,
                }
                for d in rows.iterator(chunk_size=2000)
            ],
            columns=[
                "recognition",
                "upload",
                "classifier_version",
                "index",
                "line",
                "x",
                "y",
                "w",
                "h",
                "predicted",
                "confidence",
                "alternatives",
                "reviewed_label",
                "reviewed_at",
            ],
        )
        frame["reviewed_label"] = frame["reviewed_label"].astype("Int64")
        return _csv_response(frame, "digits")

    @admin.action(description="Export the selected recognitions as CSV")
    def export_recognitions_csv(self, request: HttpRequest, queryset) -> HttpResponse:
        frame = pd.DataFrame.from_records(
            [
                {
                    "recognition": str(r.public_id),
                    "upload": str(r.upload.public_id),
                    "original_name": r.upload.original_name,
                    "text": r.text,
                    "digits": r.digit_count,
                    "mean_confidence": r.mean_confidence,
                    "min_confidence": r.min_confidence,
                    "classifier_version": r.classifier_id,
                    "elapsed_ms": round(r.elapsed_ms, 2),
                    "created_at": r.created_at.isoformat(),
                    "reviewed_at": r.reviewed_at.isoformat() if r.reviewed_at else None,
                }
                for r in queryset.select_related("upload")
            ],
            columns=[
                "recognition",
                "upload",
                "original_name",
                "text",
                "digits",
                "mean_confidence",
                "min_confidence",
                "classifier_version",
                "elapsed_ms",
                "created_at",
                "reviewed_at",
            ],
        )
        return _csv_response(frame, "recognitions")


def _csv_response(frame: pd.DataFrame, what: str) -> HttpResponse:
    response = HttpResponse(frame.to_csv(index=False), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{what}-{timezone.now():%Y%m%d-%H%M%S}.csv"'
    return response
