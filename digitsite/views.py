from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from digitsite.forms import ImageSourceForm
from digitsite.models import Upload
from digitsite.ownership import remember_upload
from digitsite.services import upload_create

RECENT = 12


@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    form = ImageSourceForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            result = upload_create(
                image=form.cleaned_data["image"],
                original_name=form.cleaned_data["original_name"],
                user=request.user,
            )
            remember_upload(request, result.upload)
            return redirect(result.upload)
        status = form.status
    else:
        status = 200
    recent = Upload.objects.only("public_id", "original_name", "width", "height", "format", "created_at")[:RECENT]
    return render(request, "home.html", {"form": form, "recent": recent}, status=status)


@require_GET
def upload_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    upload = get_object_or_404(Upload, public_id=public_id)
    return render(request, "upload_detail.html", {"upload": upload})


@require_GET
def upload_image(request: HttpRequest, public_id: str) -> FileResponse:
    """Serve a stored upload (validated by intake) with its sniffed type, in any deployment."""
    upload = get_object_or_404(Upload, public_id=public_id)
    response = FileResponse(upload.file.open("rb"), content_type=upload.mime_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=86400, immutable"
    return response
