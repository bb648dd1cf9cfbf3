"""The augmentation preview end to end: page, permalink, API, stored previews, command, training hook."""

import io
import json
from io import StringIO
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from augment.models import AugmentationPreview
from augment.services import preview_get_or_create
from classifiers.ml import sources
from digitsite import intake
from digitsite.models import Upload
from digitsite.services import upload_create
from digitsite.testing import image_bytes

pytestmark = pytest.mark.django_db

ROTATE = {"ops": [{"op": "rotate", "strength": 1.0}, {"op": "gaussian_noise", "strength": 0.5}]}


def digit_png() -> bytes:
    canvas = np.full((90, 160), 255, np.uint8)
    cv2.putText(canvas, "47", (30, 70), cv2.FONT_HERSHEY_SIMPLEX, 2.2, 0, 6)
    buf = io.BytesIO()
    Image.fromarray(canvas).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def upload():
    return upload_create(image=intake.read_image(digit_png()), original_name="47.png").upload


def test_a_preview_is_made_once_and_reused(upload, settings):
    first = preview_get_or_create(upload=upload, spec=ROTATE, seed=3, n=4)
    again = preview_get_or_create(upload=upload, spec=json.dumps(ROTATE), seed=3, n=4)
    assert again.pk == first.pk
    assert AugmentationPreview.objects.count() == 1
    files = [Path(settings.MEDIA_ROOT) / name for name in first.files]
    assert len(files) == 4 and all(f.is_file() for f in files)
    pixels = [np.asarray(Image.open(f)) for f in files]
    assert not np.array_equal(pixels[0], pixels[1])  # different samples
    other_seed = preview_get_or_create(upload=upload, spec=ROTATE, seed=4, n=4)
    assert other_seed.pk != first.pk


def test_the_choose_page_uploads_and_redirects_to_a_permalink(client):
    response = client.post(reverse("augment-choose"), {"image": SimpleUploadedFile("d.png", digit_png())})
    assert response.status_code == 302
    assert "op_rotate=on" in response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.content.count(b'alt="Augmented sample') == 8
    assert b"Exact spec" in page.content and b"Permalink" in page.content


def test_the_permalink_reproduces_the_grid(client, upload):
    url = reverse("augment-preview", args=[upload.public_id])
    query = {"spec": json.dumps(ROTATE), "seed": "11", "n": "3"}
    first = client.get(url, query)
    second = client.get(url, query)
    assert first.status_code == second.status_code == 200
    assert AugmentationPreview.objects.count() == 1
    sample = client.get(reverse("augment-sample", args=[AugmentationPreview.objects.get().pk, 0]), {"download": 1})
    assert sample["Content-Type"] == "image/png"
    assert "attachment" in sample["Content-Disposition"]


def test_a_bad_spec_is_explained_on_the_page(client, upload):
    url = reverse("augment-preview", args=[upload.public_id])
    response = client.get(
        url, {"spec": '{"ops": [{"op": "rotate", "params": {"max_degrees": 500}}]}', "n": 2, "seed": 0}
    )
    assert response.status_code == 400
    assert b"max_degrees" in response.content and b"180" in response.content
    assert AugmentationPreview.objects.count() == 0


def test_no_operation_chosen_is_a_clear_error(client, upload):
    response = client.get(reverse("augment-preview", args=[upload.public_id]), {"n": 2, "seed": 0})
    assert response.status_code == 400
    assert b"at least one operation" in response.content


def test_api_creates_then_serves_the_stored_preview(client, upload):
    body = {"upload": str(upload.public_id), "spec": ROTATE, "seed": 5, "n": 2}
    created = client.post("/api/v1/augmentations", body, content_type="application/json")
    assert created.status_code == 201
    payload = created.json()
    assert [s["index"] for s in payload["samples"]] == [0, 1]
    assert payload["digest"] and payload["permalink"].startswith("http://testserver/augment/")
    again = client.post("/api/v1/augmentations", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == payload["id"]


def test_api_accepts_a_file_upload(client):
    response = client.post(
        "/api/v1/augmentations",
        {"image": SimpleUploadedFile("d.png", digit_png()), "spec": json.dumps(ROTATE), "n": "1"},
    )
    assert response.status_code == 201
    assert Upload.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"spec": {"ops": [{"op": "warp-speed"}]}}, "invalid_spec"),
        ({"spec": {"ops": [{"op": "rotate"}]}, "n": 999}, "invalid_spec"),
        ({"spec": {"ops": [{"op": "rotate"}]}, "seed": "abc"}, "invalid"),
        ({}, "missing_spec"),
    ],
)
def test_api_rejects_bad_specs(client, upload, body, code):
    response = client.post(
        "/api/v1/augmentations", {"upload": str(upload.public_id), **body}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_api_rejects_bad_images_through_intake(client):
    response = client.post(
        "/api/v1/augmentations", {"image": SimpleUploadedFile("x.png", b"<svg/>"), "spec": json.dumps(ROTATE)}
    )
    assert response.status_code == 415
    assert Upload.objects.count() == 0


def test_command_regenerates_identically_and_purges(upload, settings):
    made = preview_get_or_create(upload=upload, spec=ROTATE, seed=1, n=2)
    media = Path(settings.MEDIA_ROOT)
    before = [np.asarray(Image.open(media / name)) for name in made.files]
    out = StringIO()
    call_command("augment_previews", "--regenerate", stdout=out, stderr=StringIO())
    assert "Regenerated 1" in out.getvalue()
    remade = AugmentationPreview.objects.get()
    assert remade.pk != made.pk
    after = [np.asarray(Image.open(media / name)) for name in remade.files]
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    call_command("augment_previews", "--purge", stdout=out)
    assert AugmentationPreview.objects.count() == 0
    assert not any((media / name).exists() for name in remade.files)


def test_training_uses_these_operations():
    assert sources.has_augmenter()
    crops = np.zeros((3, 28, 28), np.float32)
    crops[:, 8:20, 12:16] = 1.0
    dataset = sources.Dataset(crops=crops, labels=np.array([1, 1, 1]), name="ones")
    bigger = sources.augment_dataset(dataset, 2, seed=0)
    assert len(bigger) == 9
    assert not np.array_equal(bigger.crops[3], crops[0])


def test_greyscale_preview_of_a_colour_gif_has_equal_channels(settings):
    up = upload_create(image=intake.read_image(image_bytes("GIF", size=(50, 40))), original_name="g.gif").upload
    made = preview_get_or_create(upload=up, spec={"ops": [{"op": "greyscale"}]}, seed=0, n=1)
    pixels = np.asarray(Image.open(Path(settings.MEDIA_ROOT) / made.files[0]))
    assert pixels.ndim == 3 and np.array_equal(pixels[..., 0], pixels[..., 1])


def test_sliders_a_query_leaves_out_show_the_values_used(client, upload):
    response = client.get(reverse("augment-preview", args=[upload.public_id]), {"op_rotate": "on", "n": 1, "seed": 0})
    assert response.status_code == 200
    assert b'name="p_rotate" value="1.0"' in response.content
    assert AugmentationPreview.objects.get().spec["ops"][0]["p"] == 1.0
