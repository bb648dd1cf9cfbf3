"""The recognize page, the JSON API and the review admin, end to end."""

import io

import pandas as pd
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from digitsite import intake
from digitsite.models import Upload
from digitsite.tests.localserver import serving
from recognizer.models import Digit, Recognition
from recognizer.services import recognition_create
from recognizer.tests.conftest import number_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def png(bundled_model):
    return number_image(bundled_model[3], "7041")


@pytest.fixture
def stored(active_version, png):
    return recognition_create(image=intake.read_image(png), version=active_version).recognition


# ---------------------------------------------------------------- page


def test_the_home_page_is_the_upload_form(client, active_version):
    response = client.get("/")
    assert response.status_code == 200
    for needle in (b'capture="environment"', b'name="url"', b'name="classifier"', b"csrfmiddlewaretoken"):
        assert needle in response.content


def test_posting_a_photo_shows_boxes_text_and_confidence(client, active_version, png):
    response = client.post("/", {"image": SimpleUploadedFile("n.png", png)}, follow=True)
    assert response.status_code == 200
    recognition = Recognition.objects.get()
    assert response.redirect_chain[-1][0] == recognition.get_absolute_url()
    assert recognition.text == "7041"
    page = response.content.decode()
    assert page.count('class="box') == 4
    assert '<code class="line-text" id="line-1">7041</code>' in page
    assert "Recent results" in page and recognition.get_absolute_url() in page


def test_a_bad_image_shows_the_intake_error_next_to_the_form(client, active_version):
    response = client.post("/", {"image": SimpleUploadedFile("n.png", b"%PDF-1.4")})
    assert response.status_code == 415
    assert b"not an image format we accept" in response.content
    assert Upload.objects.count() == 0


def test_without_an_active_classifier_the_page_says_what_to_do(client, db, png):
    response = client.post("/", {"image": SimpleUploadedFile("n.png", png)})
    assert response.status_code == 503
    assert b"No classifier is active" in response.content


# ---------------------------------------------------------------- API


def test_api_reads_a_file_and_serves_it_again(client, active_version, png):
    response = client.post("/api/v1/recognitions", {"image": SimpleUploadedFile("n.png", png)})
    assert response.status_code == 201
    body = response.json()
    assert body["text"] == "7041" and body["lines"] == ["7041"]
    assert body["classifier"] == {"name": "logreg", "version": active_version.pk}
    assert body["url"].endswith(f"/r/{body['id']}/")
    again = client.get(f"/api/v1/recognitions/{body['id']}")
    assert again.status_code == 200 and again.json()["digits"] == body["digits"]
    repeat = client.post("/api/v1/recognitions", {"image": SimpleUploadedFile("copy.png", png)})
    assert repeat.status_code == 200 and repeat.json()["id"] == body["id"]


def test_api_reads_a_url_from_a_local_server(client, settings, active_version, png, monkeypatch):
    settings.INTAKE_URL_ALLOW_LOOPBACK = True  # UNSAFE, test-only: the server below is on 127.0.0.1
    monkeypatch.setattr("digitsite.tests.localserver.PNG", png)
    with serving() as base:
        response = client.post("/api/v1/recognitions", {"url": f"{base}/digits.png"}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["text"] == "7041"
    assert Upload.objects.get().source == f"{base}/digits.png"


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"data": {}}, 400, "missing_image"),
        ({"data": {"image": SimpleUploadedFile("a.png", b"not an image")}}, 415, "unsupported_format"),
        ({"data": '{"url": "http://127.0.0.1/a.png"}', "content_type": "application/json"}, 400, "url_forbidden"),
        ({"data": '{"url": "ftp://example.com/a.png"}', "content_type": "application/json"}, 400, "url_scheme"),
        (
            {"data": '{"url": "https://x.org/a.png", "classifier": "nope"}', "content_type": "application/json"},
            404,
            "no_classifier",
        ),
    ],
)
def test_api_errors(client, active_version, kwargs, status, code):
    response = client.post("/api/v1/recognitions", **kwargs)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_api_oversize_image_is_413(client, settings, active_version, png):
    settings.INTAKE_MAX_BYTES = 1000
    response = client.post("/api/v1/recognitions", {"image": SimpleUploadedFile("n.png", png)})
    assert response.status_code == 413
    assert "limit" in response.json()["error"]["message"]


def test_api_unknown_recognition_is_404(client, db):
    response = client.get("/api/v1/recognitions/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_api_without_active_classifier_is_503(client, db, png):
    response = client.post("/api/v1/recognitions", {"image": SimpleUploadedFile("n.png", png)})
    assert response.status_code == 503 and response.json()["error"]["code"] == "no_classifier"


def test_api_throttles_with_429(client, active_version, settings):
    from digitsite.api import api

    cache.clear()
    throttle = api.throttle[0]  # AnonRateThrottle
    original = throttle.rate, throttle.num_requests, throttle.duration
    throttle.rate, throttle.num_requests, throttle.duration = "2/min", 2, 60
    try:
        codes = [client.get("/api/v1/classifiers").status_code for _ in range(3)]
    finally:
        throttle.rate, throttle.num_requests, throttle.duration = original
        cache.clear()
    assert codes == [200, 200, 429]


def test_api_lists_classifiers_with_metrics(client, active_version):
    rows = client.get("/api/v1/classifiers").json()
    assert rows[0]["id"] == active_version.pk and rows[0]["active"] is True
    assert len(rows[0]["confusion"]) == 10 and "3" in rows[0]["per_class"]


def test_the_openapi_schema_is_served_and_valid(client, db):
    from openapi_spec_validator import validate

    schema = client.get("/api/v1/openapi.json").json()
    validate(schema)
    paths = set(schema["paths"])
    assert {"/api/v1/recognitions", "/api/v1/classifiers", "/api/v1/metadata", "/api/v1/augmentations"} <= paths
    assert client.get("/api/v1/docs").status_code == 200


# ---------------------------------------------------------------- review admin


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_user(
        "reviewer", "r@example.com", "pw-long-enough-4", is_staff=True, is_superuser=True
    )
    client.force_login(user)
    return user


def test_admin_list_filters_and_search(client, staff, stored, settings):
    url = reverse("admin:recognizer_recognition_changelist")
    listing = client.get(url)
    assert listing.status_code == 200 and b"7041" in listing.content
    settings.REVIEW_LOW_CONFIDENCE = 1.01  # every digit counts as low
    assert client.get(url, {"confidence": "low"}).context["cl"].result_count == 1
    settings.REVIEW_LOW_CONFIDENCE = 0.0
    assert client.get(url, {"confidence": "low"}).context["cl"].result_count == 0
    assert client.get(url, {"reviewed": "no"}).context["cl"].result_count == 1
    assert client.get(url, {"reviewed": "yes"}).context["cl"].result_count == 0
    assert client.get(url, {"q": "7041"}).context["cl"].result_count == 1
    assert client.get(url, {"q": "1111"}).context["cl"].result_count == 0


def test_admin_list_makes_a_fixed_number_of_queries(
    client, staff, stored, active_version, bundled_model, django_assert_max_num_queries
):
    for text in ("11", "22", "33"):
        recognition_create(image=intake.read_image(number_image(bundled_model[3], text)), version=active_version)
    with django_assert_max_num_queries(12):
        client.get(reverse("admin:recognizer_recognition_changelist"))


def test_admin_detail_inline_correction_sits_beside_the_prediction(client, staff, stored):
    url = reverse("admin:recognizer_recognition_change", args=[stored.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"data:image/png;base64" in page.content
    digits = list(stored.digits.order_by("index"))
    data = {
        "digits-TOTAL_FORMS": str(len(digits)),
        "digits-INITIAL_FORMS": str(len(digits)),
        "digits-MIN_NUM_FORMS": "0",
        "digits-MAX_NUM_FORMS": "1000",
        "corrected_text": "",
        "_continue": "1",
    }
    for i, d in enumerate(digits):
        data[f"digits-{i}-id"] = str(d.pk)
        data[f"digits-{i}-recognition"] = str(stored.pk)
        data[f"digits-{i}-reviewed_label"] = "6" if i == 1 else ""
    response = client.post(url, data)
    assert response.status_code == 302
    corrected = Digit.objects.get(pk=digits[1].pk)
    assert corrected.reviewed_label == 6 and corrected.label == digits[1].label
    assert corrected.reviewed_by == staff
    assert Digit.objects.reviewed().count() == 1


def test_admin_whole_string_correction_and_buttons(client, staff, stored):
    url = reverse("admin:recognizer_recognition_change", args=[stored.pk])
    base = {
        "digits-TOTAL_FORMS": "0",
        "digits-INITIAL_FORMS": "0",
        "digits-MIN_NUM_FORMS": "0",
        "digits-MAX_NUM_FORMS": "1000",
    }
    mismatch = client.post(url, {**base, "corrected_text": "12", "_continue": "1"}, follow=True)
    assert b"has 2 digits but 4 were found" in mismatch.content
    client.post(url, {**base, "corrected_text": "7 0 4 9", "_continue": "1"})
    assert list(stored.digits.order_by("index").values_list("reviewed_label", flat=True)) == [7, 0, 4, 9]
    client.post(url, {**base, "corrected_text": "", "_mark_reviewed": "1"})
    stored.refresh_from_db()
    assert stored.reviewed_at is not None


def test_admin_bulk_mark_correct_and_csv_exports(client, staff, stored):
    url = reverse("admin:recognizer_recognition_changelist")
    client.post(url, {"action": "mark_correct", "_selected_action": [stored.pk]})
    assert Digit.objects.reviewed().count() == 4
    digits_csv = client.post(url, {"action": "export_digits_csv", "_selected_action": [stored.pk]})
    assert digits_csv["Content-Type"].startswith("text/csv")
    frame = pd.read_csv(io.StringIO(digits_csv.content.decode()))
    assert len(frame) == 4
    assert frame["reviewed_label"].tolist() == frame["predicted"].tolist()
    assert "".join(str(v) for v in frame.sort_values("index")["predicted"]) == "7041"
    rec_csv = client.post(url, {"action": "export_recognitions_csv", "_selected_action": [stored.pk]})
    rows = pd.read_csv(io.StringIO(rec_csv.content.decode()), dtype={"text": str})
    assert rows.loc[0, "text"] == "7041" and rows.loc[0, "digits"] == 4


def test_admin_is_closed_to_anonymous_and_non_staff(client, stored):
    url = reverse("admin:recognizer_recognition_changelist")
    assert client.get(url).status_code == 302
    client.force_login(get_user_model().objects.create_user("plain", "p@example.com", "pw-long-enough-5"))
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_tools_link_a_stored_upload_to_recognition(client, active_version, png):
    from digitsite.services import upload_create

    upload = upload_create(image=intake.read_image(png), original_name="n.png").upload
    page = client.get(reverse("metadata-detail", args=[upload.public_id]))
    action = reverse("recognize-upload", args=[upload.public_id])
    assert action.encode() in page.content
    response = client.post(action)
    recognition = Recognition.objects.get(upload=upload)
    assert response.status_code == 302 and response["Location"] == recognition.get_absolute_url()
    assert recognition.text == "7041"
    assert client.get(action).status_code == 405


def test_recognizing_a_stored_upload_without_a_classifier_says_so(client, db, png):
    from digitsite.services import upload_create

    upload = upload_create(image=intake.read_image(png), original_name="n.png").upload
    response = client.post(reverse("recognize-upload", args=[upload.public_id]))
    assert response.status_code == 503 and b"No classifier is active" in response.content
