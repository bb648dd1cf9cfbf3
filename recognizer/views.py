from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from classifiers.ml.artifacts import ArtifactError
from digitsite.intake import read_image
from digitsite.models import Upload
from digitsite.ownership import remember_upload
from recognizer.forms import RecognizeForm
from recognizer.models import Recognition
from recognizer.services import NoClassifier, classifier_resolve, recognition_create

RECENT = 8


def _recent():
    return Recognition.objects.select_related("upload").only(
        "public_id", "text", "created_at", "digit_count", "upload__public_id", "upload__original_name"
    )[:RECENT]


@require_http_methods(["GET", "POST"])
def recognize(request: HttpRequest) -> HttpResponse:
    """The home page: upload a photo or scan, get the numbers back."""
    form = RecognizeForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            chosen = form.cleaned_data.get("classifier")
            try:
                version = chosen or classifier_resolve()
                stored = recognition_create(
                    image=form.cleaned_data["image"],
                    version=version,
                    original_name=form.cleaned_data["original_name"],
                    user=request.user,
                )
            except (NoClassifier, ArtifactError) as exc:
                form.add_error(None, str(exc))
                status = 503
            else:
                remember_upload(request, stored.recognition.upload)
                return redirect(stored.recognition)
        else:
            status = form.status
    return render(request, "recognizer/recognize.html", {"form": form, "recent": _recent()}, status=status)


@require_POST
def recognize_upload(request: HttpRequest, public_id) -> HttpResponse:
    """Read a stored upload (the tools link here) with the active classifier."""
    upload = get_object_or_404(Upload, public_id=public_id)
    with upload.file.open("rb") as fh:
        image = read_image(fh.read())
    try:
        stored = recognition_create(image=image, version=classifier_resolve(), user=request.user)
    except (NoClassifier, ArtifactError) as exc:
        context = {"form": RecognizeForm(), "recent": _recent(), "page_error": str(exc)}
        return render(request, "recognizer/recognize.html", context, status=503)
    return redirect(stored.recognition)


@require_GET
def detail(request: HttpRequest, public_id) -> HttpResponse:
    recognition = get_object_or_404(Recognition.objects.select_related("upload", "classifier"), public_id=public_id)
    digits = list(recognition.digits.all())
    upload = recognition.upload
    lines = [{"text": text, "digits": [d for d in digits if d.line == i]} for i, text in enumerate(recognition.lines)]
    context = {
        "r": recognition,
        "upload": upload,
        "digits": digits,
        "lines": lines,
        "boxes": [
            {
                "digit": d,
                "left": 100 * d.x / upload.width,
                "top": 100 * d.y / upload.height,
                "width": 100 * d.w / upload.width,
                "height": 100 * d.h / upload.height,
                "low": d.confidence < settings.REVIEW_LOW_CONFIDENCE,
            }
            for d in digits
        ],
        "threshold": settings.REVIEW_LOW_CONFIDENCE,
        "form": RecognizeForm(),
        "recent": _recent(),
    }
    return render(request, "recognizer/detail.html", context)
