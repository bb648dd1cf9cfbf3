"""The Upload service, the upload page, the add_upload command and the Upload admin."""

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.urls import reverse

from digitsite import intake
from digitsite.models import Upload
from digitsite.services import upload_create
from digitsite.testing import image_bytes

pytestmark = pytest.mark.django_db


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_upload_create_stores_the_file_under_a_random_name_and_keeps_the_original(settings):
    data = image_bytes("JPEG", size=(80, 60))
    result = upload_create(image=intake.read_image(data), original_name="C:\\photos\\meter 1.jpg")
    upload = result.upload
    assert result.created
    assert upload.original_name == "meter 1.jpg"
    assert "meter" not in upload.file.name and upload.file.name.endswith(".jpg")
    assert (upload.width, upload.height, upload.size, upload.format) == (80, 60, len(data), "JPEG")
    assert upload.mime_type == "image/jpeg"
    assert upload.source == "file"
    assert upload.file.read() == data


def test_the_same_bytes_twice_are_recognised_as_the_same_content(settings):
    data = image_bytes("PNG")
    first = upload_create(image=intake.read_image(data), original_name="a.png")
    second = upload_create(image=intake.read_image(data), original_name="b.png")
    assert not second.created
    assert second.upload.pk == first.upload.pk
    assert Upload.objects.count() == 1
    assert len(stored_files(settings)) == 1


def test_a_failed_database_write_leaves_no_orphan_file(settings, monkeypatch):
    def broken_save(self, *args, **kwargs):
        raise OperationalError("simulated: database is locked")

    monkeypatch.setattr(Upload, "save", broken_save)
    with pytest.raises(OperationalError, match="simulated"):
        upload_create(image=intake.read_image(image_bytes("PNG")))
    assert stored_files(settings) == []


def test_the_upload_page_renders_with_a_form(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content
    assert b'name="url"' in response.content


def test_posting_an_image_stores_it_and_shows_it(client):
    data = image_bytes("PNG", size=(90, 40))
    response = client.post(reverse("home"), {"image": SimpleUploadedFile("n.png", data)})
    upload = Upload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == upload.get_absolute_url()
    page = client.get(upload.get_absolute_url())
    assert upload.sha256.encode() in page.content
    image = client.get(reverse("upload-image", args=[upload.public_id]))
    assert image["Content-Type"] == "image/png"
    assert image["X-Content-Type-Options"] == "nosniff"
    assert b"".join(image.streaming_content) == data


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", 415, b"not an image format we accept"),
        (b"", 400, b"submitted file is empty"),
        (image_bytes("JPEG", size=(100, 100))[:300], 400, b"damaged or truncated"),
    ],
)
def test_a_bad_file_is_refused_with_its_status_and_message_and_nothing_is_stored(
    client, settings, payload, status, message
):
    response = client.post(reverse("home"), {"image": SimpleUploadedFile("evil.png", payload)})
    assert response.status_code == status
    assert message in response.content
    assert Upload.objects.count() == 0
    assert stored_files(settings) == []


def test_an_oversize_upload_gets_413_naming_the_limit(client, settings):
    settings.INTAKE_MAX_BYTES = 2048
    response = client.post(
        reverse("home"), {"image": SimpleUploadedFile("big.bmp", image_bytes("BMP", size=(200, 200)))}
    )
    assert response.status_code == 413
    assert b"2.0 KB limit" in response.content
    assert Upload.objects.count() == 0


def test_a_private_url_is_refused_on_the_page(client):
    response = client.post(reverse("home"), {"url": "http://169.254.169.254/latest"})
    assert response.status_code == 400
    assert b"Only public internet addresses" in response.content
    assert Upload.objects.count() == 0


def test_the_form_wants_exactly_one_source(client):
    assert client.post(reverse("home"), {}).status_code == 400
    both = client.post(reverse("home"), {"image": SimpleUploadedFile("a.png", image_bytes()), "url": "https://x.org/a"})
    assert both.status_code == 400
    assert b"not both" in both.content


def test_an_unknown_upload_is_404(client):
    assert client.get("/uploads/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_add_upload_command_stores_files_and_reports_rejections(tmp_path, settings):
    good = tmp_path / "good.png"
    good.write_bytes(image_bytes("PNG"))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"<html></html>")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="2 of 3"):
        call_command("add_upload", str(good), str(bad), str(tmp_path / "missing.png"), stdout=out, stderr=err)
    assert "stored as" in out.getvalue()
    assert "not an image format we accept" in err.getvalue()
    assert "Cannot open" in err.getvalue() and "No such file" in err.getvalue()
    assert Upload.objects.count() == 1


def test_add_upload_command_refuses_private_urls():
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("add_upload", "http://10.0.0.1/a.png", stderr=err, stdout=StringIO())
    assert "private address" in err.getvalue()
    assert Upload.objects.count() == 0


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-1234-long")
    client.force_login(user)
    return client


def test_the_admin_lists_uploads_and_adds_through_intake(staff_client, settings):
    upload_create(image=intake.read_image(image_bytes("GIF")), original_name="first.gif")
    listing = staff_client.get(reverse("admin:digitsite_upload_changelist"))
    assert listing.status_code == 200
    assert b"first.gif" in listing.content
    bad = staff_client.post(
        reverse("admin:digitsite_upload_add"), {"image": SimpleUploadedFile("x.png", b"<svg></svg>")}
    )
    assert bad.status_code == 200
    assert b"not an image format we accept" in bad.content
    good = staff_client.post(
        reverse("admin:digitsite_upload_add"), {"image": SimpleUploadedFile("second.webp", image_bytes("WEBP"))}
    )
    assert good.status_code == 302
    assert Upload.objects.filter(original_name="second.webp", format="WEBP").exists()


def test_the_admin_is_closed_to_anonymous_users(client):
    response = client.get(reverse("admin:digitsite_upload_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
