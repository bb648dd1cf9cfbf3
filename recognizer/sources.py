"""The ``reviewed`` training source: digit crops whose label a reviewer confirmed or corrected.

Registered with the classifiers' source registry by RecognizerConfig.ready(), so the
lower layer never imports the recognizer.
"""

from __future__ import annotations

import datetime

import numpy as np

from classifiers.ml.crops import CROP_SIZE
from classifiers.ml.sources import Dataset, DataSourceError
from recognizer.models import Digit


def load_reviewed(arg: str | None = None, **kwargs) -> Dataset:
    """All reviewed digits (``reviewed``), or those reviewed since a date (``reviewed:2026-01-31``)."""
    digits = Digit.objects.reviewed()
    if arg:
        try:
            since = datetime.date.fromisoformat(arg)
        except ValueError:
            raise DataSourceError(f"reviewed:{arg}: expected a date like reviewed:2026-01-31") from None
        digits = digits.filter(reviewed_at__date__gte=since)
    rows = list(digits.values_list("crop", "reviewed_label"))
    crops = np.zeros((len(rows), CROP_SIZE, CROP_SIZE), np.float32)
    for i, (crop, _label) in enumerate(rows):
        crops[i] = np.frombuffer(bytes(crop), np.uint8).reshape(CROP_SIZE, CROP_SIZE) / 255.0
    labels = np.array([label for _crop, label in rows], dtype=np.int64)
    return Dataset(crops, labels, name="reviewed" + (f":{arg}" if arg else ""), origin=f"{len(rows)} reviewed digits")
