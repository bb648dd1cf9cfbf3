from __future__ import annotations

from urllib.parse import urlencode

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from augment.forms import PreviewForm, default_query, slider_defaults, spec_json
from augment.models import AugmentationPreview
from augment.services import preview_get_or_create
from digitsite.forms import ImageSourceForm
from digitsite.models import Upload
from digitsite.ownership import remember_upload
from digitsite.services import upload_create


@require_http_methods(["GET", "POST"])
def choose(request: HttpRequest) -> HttpResponse:
    """Pick the image: a new file or address, or one of the recent uploads."""
    form = ImageSourceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        result = upload_create(
            image=form.cleaned_data["image"], original_name=form.cleaned_data["original_name"], user=request.user
        )
        remember_upload(request, result.upload)
        return redirect(f"{reverse('augment-preview', args=[result.upload.public_id])}?{urlencode(default_query())}")
    recent = Upload.objects.only("public_id", "original_name", "width", "height")[:12]
    status = form.status if request.method == "POST" else 200
    return render(
        request,
        "augment/choose.html",
        {"form": form, "recent": recent, "query": urlencode(default_query())},
        status=status,
    )


@require_GET
def preview(request: HttpRequest, public_id) -> HttpResponse:
    upload = get_object_or_404(Upload, public_id=public_id)
    form = PreviewForm(slider_defaults() | (request.GET.dict() if request.GET else default_query()))
    context = {"upload": upload, "form": form}
    if not form.is_valid():
        return render(request, "augment/preview.html", context, status=400)
    spec = form.cleaned_data["parsed_spec"]
    made = preview_get_or_create(upload=upload, spec=spec, seed=form.cleaned_data["seed"], n=form.cleaned_data["n"])
    samples = [
        {
            "index": i,
            "url": reverse("augment-sample", args=[made.pk, i]),
            "seen": (made.model_view or [None] * made.n)[i],
        }
        for i in range(made.n)
    ]
    context |= {"made": made, "samples": samples, "spec_json": spec_json(spec), "permalink": request.get_full_path()}
    return render(request, "augment/preview.html", context)


@require_GET
def sample(request: HttpRequest, pk: int, index: int) -> FileResponse:
    made = get_object_or_404(AugmentationPreview, pk=pk)
    if not 0 <= index < len(made.files):
        raise Http404("No such sample.")
    name = made.files[index]
    response = FileResponse(
        default_storage.open(name, "rb"),
        content_type="image/png",
        as_attachment="download" in request.GET,
        filename=f"{made.upload.public_id}-seed{made.seed}-{index}.png",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
