"""Review services and the reviewed training source."""

import pytest
from django.contrib.auth import get_user_model

from classifiers.ml import sources
from classifiers.services import classifier_train
from digitsite import intake
from recognizer.models import Digit
from recognizer.services import (
    digit_review,
    recognition_correct_text,
    recognition_create,
    recognition_mark_correct,
)
from recognizer.tests.conftest import number_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer():
    return get_user_model().objects.create_user("rev", "rev@example.com", "pw-long-enough-3", is_staff=True)


@pytest.fixture
def recognition(active_version, bundled_model):
    image = intake.read_image(number_image(bundled_model[3], "7041"))
    return recognition_create(image=image, version=active_version).recognition


def test_the_reviewed_source_is_empty_until_someone_reviews(recognition):
    assert len(sources.load_source("reviewed", allow_empty=True)) == 0
    with pytest.raises(sources.DataSourceError, match="empty"):
        sources.load_source("reviewed")


def test_a_correction_sits_beside_the_prediction(recognition, reviewer):
    digit = recognition.digits.get(index=0)
    predicted = digit.label
    digit_review(digit=digit, label=(predicted + 1) % 10, reviewer=reviewer)
    digit.refresh_from_db()
    assert digit.label == predicted
    assert digit.reviewed_label == (predicted + 1) % 10 and digit.is_corrected
    assert digit.reviewed_by == reviewer and digit.reviewed_at is not None
    data = sources.load_source("reviewed")
    assert data.labels.tolist() == [(predicted + 1) % 10]
    assert data.crops[0].max() > 0.5


def test_mark_correct_confirms_every_pending_digit(recognition, reviewer):
    assert recognition_mark_correct(recognition=recognition, reviewer=reviewer) == 4
    recognition.refresh_from_db()
    assert recognition.reviewed_at is not None
    assert list(Digit.objects.reviewed().values_list("reviewed_label", flat=True)) == [
        d.label for d in recognition.digits.order_by("index")
    ]


def test_whole_string_correction_maps_onto_digits(recognition, reviewer):
    recognition_correct_text(recognition=recognition, text="70 41", reviewer=reviewer)
    assert [d.reviewed_label for d in recognition.digits.order_by("index")] == [7, 0, 4, 1]
    with pytest.raises(ValueError, match="5 digits but 4"):
        recognition_correct_text(recognition=recognition, text="70411", reviewer=reviewer)
    with pytest.raises(ValueError, match="only digits"):
        recognition_correct_text(recognition=recognition, text="7O41", reviewer=reviewer)


def test_reviewed_digits_train_a_classifier_with_other_sources(recognition, reviewer, settings, tmp_path):
    settings.CLASSIFIERS_MODEL_DIR = tmp_path / "models"
    recognition_mark_correct(recognition=recognition, reviewer=reviewer)
    version = classifier_train(algorithm="knn", data=["sklearn-digits", "reviewed"], augment=0, seed=0)
    assert {"spec": "reviewed", "samples": 4} in version.data_sources
