from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from digitsite.forms import ImageSourceForm
from digitsite.models import Upload
from digitsite.ownership import owns_upload, remember_upload
from digitsite.services import upload_create
from metadata.selectors import metadata_payload
from metadata.services import metadata_get_or_extract

HIST_W, HIST_H = 256, 80


@require_http_methods(["GET", "POST"])
def inspect(request: HttpRequest) -> HttpResponse:
    form = ImageSourceForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            result = upload_create(
                image=form.cleaned_data["image"], original_name=form.cleaned_data["original_name"], user=request.user
            )
            remember_upload(request, result.upload)
            return redirect("metadata-detail", public_id=result.upload.public_id)
        return render(request, "metadata/inspect.html", {"form": form}, status=form.status)
    return render(request, "metadata/inspect.html", {"form": form})


@require_GET
def detail(request: HttpRequest, public_id) -> HttpResponse:
    upload = get_object_or_404(Upload, public_id=public_id)
    record = metadata_get_or_extract(upload=upload)
    payload = metadata_payload(record, show_location=owns_upload(request, upload))
    content = payload["metadata"].get("content") or {}
    context = {
        "upload": upload,
        "payload": payload,
        "m": payload["metadata"],
        "histogram": histogram_polylines(content.get("histogram") or {}),
        "tags": sorted(((payload["metadata"].get("camera") or {}).get("tags") or {}).items()),
    }
    return render(request, "metadata/detail.html", context)


def histogram_polylines(histogram: dict[str, list[int]]) -> list[dict]:
    """SVG polyline points per channel, scaled to a shared peak."""
    colours = {"r": "#d93025", "g": "#188038", "b": "#1a73e8", "l": "#3c4043"}
    peak = max((max(v) for v in histogram.values() if v), default=0)
    if not peak:
        return []
    lines = []
    for channel, values in histogram.items():
        step = HIST_W / max(len(values) - 1, 1)
        points = " ".join(f"{i * step:.1f},{HIST_H - v / peak * HIST_H:.1f}" for i, v in enumerate(values))
        lines.append({"channel": channel, "colour": colours.get(channel, "#555"), "points": points})
    return lines
