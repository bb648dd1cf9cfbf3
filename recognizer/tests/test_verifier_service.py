"""The single-digit verifier's life in the project: trained on first use, kept as a file, used everywhere."""

from __future__ import annotations

import json
import logging
from io import StringIO

import cv2
import numpy as np
import pytest
from django.core.management import call_command

from recognizer import services, vision
from recognizer.vision import synthetic
from recognizer.vision import verifier as V


@pytest.fixture
def verifier_on(settings, tmp_path, monkeypatch):
    settings.RECOGNIZER_VERIFIER = True
    path = tmp_path / "verifier-models" / f"verifier-{V.RECIPE}.npz"
    monkeypatch.setattr(services, "verifier_path", lambda: path)  # the classifier's model dir stays shared
    monkeypatch.setattr(services, "VERIFIER_SAMPLES", 1500)  # a quick one; the product's uses 20,000
    monkeypatch.setattr(services, "VERIFIER_LETTER_SAMPLES", 1500)  # and 18,000
    monkeypatch.setattr(services, "_verifiers", {})
    return path


def test_the_verifier_lives_beside_the_classifiers(settings, tmp_path):
    settings.CLASSIFIERS_MODEL_DIR = tmp_path
    assert services.verifier_path() == tmp_path / f"verifier-{V.RECIPE}.npz"


def _constant(logit: float) -> V.Perceptron:
    n = V._N_FEATURES
    return V.Perceptron(
        mean=np.zeros(n), scale=np.ones(n), hidden_weights=np.zeros((n, 1)), hidden_bias=np.zeros(1),
        out_weights=np.zeros((1, 1)), out_bias=np.array([logit]),
    )  # fmt: skip


def _never_one_digit() -> vision.SingleDigitVerifier:
    """A verifier that calls every piece "not one digit" (touching digits are never split) and
    no piece a letter."""
    return vision.SingleDigitVerifier(one_digit=_constant(-9.0), letter=_constant(-9.0))


def _all_letters() -> vision.SingleDigitVerifier:
    """A verifier that calls every piece a printed letter: every word of two or more goes."""
    return vision.SingleDigitVerifier(one_digit=_constant(9.0), letter=_constant(9.0))


def _refuse_training(*args, **kwargs):
    raise AssertionError("the verifier was trained again")


def run_command(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_ensure_verifier_trains_once_then_finds_it(verifier_on, monkeypatch):
    assert "Trained the single-digit verifier" in run_command("ensure_verifier")
    assert verifier_on.exists()
    monkeypatch.setattr(vision, "train_verifier", _refuse_training)
    assert "in place" in run_command("ensure_verifier")


def test_a_damaged_verifier_file_is_trained_again(verifier_on, caplog):
    verifier_on.parent.mkdir(parents=True)
    verifier_on.write_bytes(b"half a file")
    with caplog.at_level(logging.WARNING, logger="recognizer.services"):
        verifier, trained = services.verifier_ensure()
    assert trained and "training the verifier again" in caplog.text
    assert isinstance(vision.SingleDigitVerifier.load(verifier_on), vision.SingleDigitVerifier)


def test_each_process_loads_the_verifier_once(verifier_on, monkeypatch):
    _never_one_digit().save(verifier_on)
    monkeypatch.setattr(vision, "train_verifier", _refuse_training)
    first = services.verifier_get()
    assert services.verifier_get() is first
    np.testing.assert_array_equal(first.one_digit.out_bias, [-9.0])
    answers = services.verifier_answers()
    assert answers["verify"].__self__ is first and answers["letters"].__self__ is first


def test_switched_off_there_is_no_verifier(settings, verifier_on):
    settings.RECOGNIZER_VERIFIER = False
    assert services.verifier_get() is None
    assert services.verifier_answers() == {}  # recognize() then runs without either answer
    assert "off" in run_command("ensure_verifier") and not verifier_on.exists()


@pytest.fixture
def touching_pair(tmp_path):
    """'4', a touching '07' (1.3 × the line's height: split without a verifier), '5'."""
    img, _ = synthetic.render_text(synthetic.paper(160, 420), "4", origin=(30, 110), height=60, thickness=4)
    img, _ = synthetic.render_text(img, "07", origin=(120, 110), height=60, gap=-0.2, thickness=4)
    img, _ = synthetic.render_text(img, "5", origin=(280, 110), height=60, thickness=4)
    path = tmp_path / "pair.png"
    cv2.imwrite(str(path), img)
    return path


def _digit_counts(*args) -> list[int]:
    return [len(json.loads(line)["digits"]) for line in run_command("recognize", "--json", *args).splitlines()]


@pytest.mark.django_db
def test_the_recognize_command_and_its_workers_use_the_verifier(settings, active_version, verifier_on, touching_pair):
    paths = [str(touching_pair)] * 2
    settings.RECOGNIZER_VERIFIER = False
    assert _digit_counts("--jobs", "1", *paths) == [4, 4]
    settings.RECOGNIZER_VERIFIER = True
    _never_one_digit().save(verifier_on)
    assert _digit_counts("--jobs", "1", *paths) == [3, 3]
    assert _digit_counts("--jobs", "2", *paths) == [3, 3]


@pytest.mark.django_db
def test_the_recognize_command_and_its_workers_drop_what_the_verifier_calls_printed_words(
    settings, active_version, verifier_on, tmp_path
):
    img, _ = synthetic.render_text(synthetic.paper(160, 420), "3719", origin=(30, 110), height=60, thickness=4, gap=0)
    path = tmp_path / "word.png"
    cv2.imwrite(str(path), img)
    paths = [str(path)] * 2
    _never_one_digit().save(verifier_on)
    assert _digit_counts("--jobs", "1", *paths) == [4, 4]
    _all_letters().save(verifier_on)
    services._verifiers.clear()  # a new process would load the new file
    assert _digit_counts("--jobs", "1", *paths) == [0, 0]
    assert _digit_counts("--jobs", "2", *paths) == [0, 0]


@pytest.mark.django_db
def test_the_api_uses_the_verifier(client, settings, active_version, verifier_on, touching_pair, tmp_path):
    def digits_read(path) -> int:
        with path.open("rb") as fh:
            response = client.post("/api/v1/recognitions", {"image": fh})
        assert response.status_code in (200, 201), response.content
        return len(response.json()["digits"])

    settings.RECOGNIZER_VERIFIER = False
    assert digits_read(touching_pair) == 4
    # Other content (one corner pixel), or the stored reading of the first would be served.
    img = cv2.imread(str(touching_pair), cv2.IMREAD_GRAYSCALE)
    img[0, 0] = 200
    other = tmp_path / "other.png"
    cv2.imwrite(str(other), img)
    settings.RECOGNIZER_VERIFIER = True
    _never_one_digit().save(verifier_on)
    assert digits_read(other) == 3


@pytest.mark.django_db(transaction=True)  # the start-up lock is an advisory lock on PostgreSQL
def test_deploy_prepare_trains_both_models(monkeypatch):
    calls = []
    monkeypatch.setattr(
        "digitsite.management.commands.deploy_prepare.call_command", lambda name, **kwargs: calls.append(name)
    )
    call_command("deploy_prepare", verbosity=0)
    assert calls == ["migrate", "ensure_default_classifier", "ensure_verifier"]


@pytest.mark.django_db
def test_the_augmentation_preview_reads_as_the_recognizer_does(settings, active_version, verifier_on, touching_pair):
    from augment.services import model_view

    image = cv2.imread(str(touching_pair), cv2.IMREAD_GRAYSCALE)
    settings.RECOGNIZER_VERIFIER = False
    assert len(model_view([image], active_version)[0]["digits"]) == 4
    settings.RECOGNIZER_VERIFIER = True
    _never_one_digit().save(verifier_on)
    assert len(model_view([image], active_version)[0]["digits"]) == 3


def test_an_unwritable_models_directory_keeps_the_verifier_in_memory(verifier_on, monkeypatch, tmp_path, caplog):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the models directory should be")
    monkeypatch.setattr(services, "verifier_path", lambda: blocker / "verifier.npz")
    with caplog.at_level(logging.WARNING, logger="recognizer.services"):
        verifier = services.verifier_get()
    assert isinstance(verifier, vision.SingleDigitVerifier) and "kept in memory only" in caplog.text
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="cannot write the verifier"):
        run_command("ensure_verifier")


@pytest.mark.django_db
def test_the_recognize_command_says_when_it_trains_the_verifier_first(active_version, verifier_on, touching_pair):
    err = StringIO()
    call_command("recognize", str(touching_pair), stdout=StringIO(), stderr=err)
    assert "Training the single-digit verifier first" in err.getvalue() and verifier_on.exists()
    err = StringIO()
    call_command("recognize", str(touching_pair), stdout=StringIO(), stderr=err)
    assert "Training" not in err.getvalue()
