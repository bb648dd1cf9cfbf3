import pytest
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from django.db import IntegrityError, transaction
from django.urls import reverse

from classifiers.models import ClassifierVersion
from classifiers.selectors import artifact_path, classifier_get, classifier_load
from classifiers.services import classifier_activate, classifier_train

pytestmark = pytest.mark.django_db


def check_ids() -> set[str]:
    return {m.id for m in run_checks(tags=["classifiers"])}


def test_the_database_allows_only_one_active_version(trained):
    other = classifier_train(algorithm="knn", data=["tiny"], augment=0, seed=5, activate=True)
    assert other.is_active
    with pytest.raises(IntegrityError), transaction.atomic():
        ClassifierVersion.objects.filter(pk=trained.pk).update(is_active=True)


def test_loading_is_cached_per_version_and_follows_activation(trained):
    classifier_activate(version=trained)
    assert classifier_load(classifier_get()) is classifier_load(trained)
    newer = classifier_train(algorithm="knn", data=["tiny"], augment=0, seed=9)
    classifier_activate(version=newer)
    assert classifier_get().pk == newer.pk
    assert classifier_load(classifier_get()) is not classifier_load(trained)


def test_a_loaded_pipeline_predicts_probabilities(trained):
    from classifiers.tests.conftest import _tiny_dataset

    data = _tiny_dataset()
    proba = classifier_load(trained).predict_proba(data.crops[:20])
    assert proba.shape == (20, 10)
    assert (proba.argmax(axis=1) == data.labels[:20]).mean() > 0.8


def test_system_checks_report_no_active_then_missing_then_tampered(trained):
    assert "classifiers.W001" in check_ids()
    classifier_activate(version=trained)
    assert check_ids() == set()
    path = artifact_path(trained)
    original = path.read_bytes()
    path.write_bytes(original[:-10])
    assert "classifiers.E002" in check_ids()
    path.unlink()
    assert "classifiers.E001" in check_ids()


def test_system_check_reports_library_mismatch(trained):
    classifier_activate(version=trained)
    ClassifierVersion.objects.filter(pk=trained.pk).update(library_versions={"scikit-learn": "0.1"})
    assert "classifiers.E003" in check_ids()


@pytest.fixture
def staff(client):
    client.force_login(get_user_model().objects.create_superuser("ml", "ml@example.com", "pw-long-enough-1"))
    return client


def test_admin_lists_versions_with_metrics_and_confusion_image(staff, trained):
    listing = staff.get(reverse("admin:classifiers_classifierversion_changelist"))
    assert listing.status_code == 200
    assert f"{trained.accuracy:.2%}".encode() in listing.content
    detail = staff.get(reverse("admin:classifiers_classifierversion_change", args=[trained.pk]))
    assert detail.status_code == 200
    assert b"confusion.png" in detail.content
    image = staff.get(reverse("admin:classifiers_classifierversion_confusion", args=[trained.pk]))
    assert image["Content-Type"] == "image/png"
    assert image.content[:4] == b"\x89PNG"


def test_admin_activate_action(staff, trained):
    response = staff.post(
        reverse("admin:classifiers_classifierversion_changelist"),
        {"action": "activate", "_selected_action": [trained.pk]},
        follow=True,
    )
    assert b"is now the active classifier" in response.content
    trained.refresh_from_db()
    assert trained.is_active


def test_admin_is_staff_only(client, trained):
    response = client.get(reverse("admin:classifiers_classifierversion_changelist"))
    assert response.status_code == 302
