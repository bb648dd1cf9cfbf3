"""The metadata inspector end to end: service, page, API, admin, refresh command, privacy."""

import io
from io import StringIO

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from digitsite import intake
from digitsite.models import Upload
from digitsite.services import upload_create
from metadata.extract import EXTRACTOR_VERSION
from metadata.models import ImageMetadata
from metadata.services import metadata_get_or_extract

pytestmark = pytest.mark.django_db


def gps_jpeg(seed: int = 0) -> bytes:
    """A photo-like JPEG with camera EXIF and a GPS position of 52°30'N 13°24'E."""
    rng = np.random.default_rng(seed)
    pixels = (rng.random((120, 160, 3)) * 255).astype(np.uint8)
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    exif[0x0110] = "Model 7"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (52.0, 30.0, 0.0)
    gps[3], gps[4] = "E", (13.0, 24.0, 0.0)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="JPEG", exif=exif, quality=90)
    return buf.getvalue()


def stored(data: bytes) -> Upload:
    return upload_create(image=intake.read_image(data), original_name="photo.jpg").upload


def test_extraction_is_stored_once_and_strips_the_stored_copy(settings):
    upload = stored(gps_jpeg())
    record = metadata_get_or_extract(upload=upload)
    assert record.extractor_version == EXTRACTOR_VERSION
    assert record.has_gps and record.stripped
    assert record.data["location"]["latitude"] == pytest.approx(52.5)
    assert record.data["camera"]["make"] == "TestCam"
    upload.refresh_from_db()
    with upload.file.open("rb") as fh:
        kept = Image.open(io.BytesIO(fh.read()))
        assert 0x8825 not in kept.getexif() and 0x010F not in kept.getexif()
    again = metadata_get_or_extract(upload=upload)
    assert again.pk == record.pk and ImageMetadata.objects.count() == 1


def test_stripping_can_be_switched_off(settings):
    settings.METADATA_STRIP_STORED = False
    upload = stored(gps_jpeg(1))
    record = metadata_get_or_extract(upload=upload)
    assert not record.stripped
    with upload.file.open("rb") as fh:
        assert 0x8825 in Image.open(io.BytesIO(fh.read())).getexif()


def test_a_refresh_keeps_gps_extracted_from_the_original():
    upload = stored(gps_jpeg(2))
    metadata_get_or_extract(upload=upload)
    refreshed = metadata_get_or_extract(upload=upload, refresh=True)
    assert refreshed.data["location"]["latitude"] == pytest.approx(52.5)


def test_the_page_shows_groups_and_gps_to_the_uploader_only(client):
    response = client.post(reverse("metadata-inspect"), {"image": SimpleUploadedFile("p.jpg", gps_jpeg(3))})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    for text in (b"TestCam", b"52.500000", b"Dominant colours", b"<polyline"):
        assert text in page.content
    stranger = client.__class__().get(response["Location"])
    assert b"52.500000" not in stranger.content
    assert b"shown to its uploader only" in stranger.content


def test_the_page_rejects_bad_input_with_the_intake_status(client):
    response = client.post(reverse("metadata-inspect"), {"image": SimpleUploadedFile("x.png", b"<svg/>")})
    assert response.status_code == 415
    assert Upload.objects.count() == 0


def test_api_post_file_then_get_by_upload_id(client):
    created = client.post("/api/v1/metadata", {"image": SimpleUploadedFile("p.jpg", gps_jpeg(4))})
    assert created.status_code == 201
    body = created.json()
    assert body["metadata"]["location"]["longitude"] == pytest.approx(13.4)
    assert body["metadata"]["file"]["format"] == "JPEG"
    again = client.post("/api/v1/metadata", {"upload": body["upload"]}, content_type="application/json")
    assert again.status_code == 200
    anonymous = client.__class__().get(f"/api/v1/metadata/{body['upload']}")
    assert anonymous.status_code == 200
    assert anonymous.json()["metadata"]["location"] == "hidden: shown to the uploader only"


def test_api_finds_near_duplicates():
    rng = np.random.default_rng(7)
    base = (rng.random((60, 80, 3)) * 255).astype(np.uint8)
    base = np.kron(base, np.ones((4, 4, 1), np.uint8))  # blocky, so hashes survive re-encoding
    first = io.BytesIO()
    Image.fromarray(base).save(first, format="PNG")
    second = io.BytesIO()
    Image.fromarray(base).save(second, format="JPEG", quality=85)
    a = metadata_get_or_extract(upload=stored(first.getvalue()))
    b_upload = stored(second.getvalue())
    from metadata.selectors import metadata_payload

    payload = metadata_payload(metadata_get_or_extract(upload=b_upload), show_location=False)
    assert [d["upload"] for d in payload["near_duplicates"]] == [str(a.upload.public_id)]


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"data": {}}, 400, "missing_image"),
        ({"data": {"image": SimpleUploadedFile("a.png", b"GIF89a-not-really")}}, 415, "unsupported_format"),
        ({"data": '{"url": "http://10.0.0.1/a.png"}', "content_type": "application/json"}, 400, "url_forbidden"),
        (
            {"data": '{"upload": "00000000-0000-0000-0000-000000000000"}', "content_type": "application/json"},
            404,
            "not_found",
        ),
        ({"data": "{nope", "content_type": "application/json"}, 400, "invalid_json"),
    ],
)
def test_api_errors_have_one_shape(client, kwargs, status, code):
    response = client.post("/api/v1/metadata", **kwargs)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_api_unknown_upload_is_404(client):
    response = client.get("/api/v1/metadata/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_refresh_command_recomputes_stale_rows():
    record = metadata_get_or_extract(upload=stored(gps_jpeg(5)))
    ImageMetadata.objects.filter(pk=record.pk).update(extractor_version=0)
    out = StringIO()
    call_command("refresh_metadata", stdout=out, stderr=StringIO())
    record.refresh_from_db()
    assert record.extractor_version == EXTRACTOR_VERSION
    assert "Recomputed 1 row" in out.getvalue()


def test_admin_lists_filters_and_searches_by_hash(client):
    record = metadata_get_or_extract(upload=stored(gps_jpeg(6)))
    client.force_login(get_user_model().objects.create_superuser("a", "a@example.com", "pw-long-enough-2"))
    url = reverse("admin:metadata_imagemetadata_changelist")
    assert client.get(url).status_code == 200
    assert client.get(url, {"has_gps__exact": "1"}).context["cl"].result_count == 1
    assert client.get(url, {"has_gps__exact": "0"}).context["cl"].result_count == 0
    assert client.get(url, {"q": record.phash}).context["cl"].result_count == 1
    assert client.get(url, {"format": "JPEG"}).context["cl"].result_count == 1


def test_api_extracts_from_a_url_on_a_local_server(client, settings, monkeypatch):
    from digitsite.tests.localserver import serving

    settings.INTAKE_URL_ALLOW_LOOPBACK = True  # UNSAFE, test-only: the server below is on 127.0.0.1
    monkeypatch.setattr("digitsite.tests.localserver.PNG", gps_jpeg(8))
    with serving() as base:
        response = client.post("/api/v1/metadata", {"url": f"{base}/digits.png"}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["metadata"]["camera"]["make"] == "TestCam"
    assert Upload.objects.get().source == f"{base}/digits.png"


def test_api_refuses_a_private_url_and_stores_nothing(client):
    response = client.post("/api/v1/metadata", {"url": "http://192.168.0.10/x.jpg"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "url_forbidden"
    assert Upload.objects.count() == 0
