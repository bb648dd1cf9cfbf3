"""Recognition writes: run the vision pipeline with a stored classifier and keep the result."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from classifiers.ml import sources
from classifiers.ml.predict import digit_classifier
from classifiers.models import ClassifierVersion
from classifiers.selectors import classifier_get, classifier_load
from digitsite.intake import IntakeImage
from digitsite.services import upload_create
from recognizer import metrics, vision
from recognizer.models import Digit, Recognition

logger = logging.getLogger(__name__)


class NoClassifier(LookupError):
    """No classifier version matches the request (or none is active)."""


def classifier_resolve(*, version_id: int | None = None, algorithm: str | None = None) -> ClassifierVersion:
    version = classifier_get(version_id=version_id, algorithm=algorithm)
    if version is None:
        if version_id is not None:
            raise NoClassifier(f"No classifier version {version_id}.")
        if algorithm is not None:
            raise NoClassifier(f"No trained classifier named {algorithm!r}; train one with train_classifier.")
        raise NoClassifier("No classifier is active; run `python manage.py train_classifier --activate`.")
    return version


def recognition_compute(*, image: IntakeImage, version: ClassifierVersion) -> vision.Recognition:
    """Read the digits of an image; writes no rows (the verifier may be trained on first use)."""
    classify = digit_classifier(classifier_load(version))
    return vision.recognize(image.array, classify, **verifier_answers())


# --- the single-digit verifier (recognizer.vision.verifier) ---------------------------------------
# Trained from the bundled digits only (never from reviews), so one file per recipe serves every
# classifier version. It is plain arrays in an .npz, loaded without pickle.

VERIFIER_SAMPLES = vision.verifier.TRAINING_SAMPLES
VERIFIER_LETTER_SAMPLES = vision.verifier.LETTER_SAMPLES
_verifiers: dict[Path, vision.SingleDigitVerifier] = {}
_verifier_lock = threading.Lock()


def verifier_path() -> Path:
    return Path(settings.CLASSIFIERS_MODEL_DIR) / f"verifier-{vision.verifier.RECIPE}.npz"


def verifier_get() -> vision.SingleDigitVerifier | None:
    """The verifier of this process; loaded once, trained and saved first if its file is missing.

    None when ``RECOGNIZER_VERIFIER`` is off. A damaged file is trained again and replaced.
    """
    if not settings.RECOGNIZER_VERIFIER:
        return None
    path = verifier_path()
    with _verifier_lock:
        if path not in _verifiers:
            _verifiers[path] = verifier_ensure(path, keep_unsaved=True)[0]
        return _verifiers[path]


def verifier_missing() -> bool:
    """Whether this process's next :func:`verifier_get` will have to train the verifier (~30–60 s)."""
    path = verifier_path()
    return bool(settings.RECOGNIZER_VERIFIER) and path not in _verifiers and not path.exists()


def verifier_answers() -> dict[str, vision.Verify]:
    """``verify`` and ``letters`` for :func:`recognizer.vision.recognize`: the verifier's two answers
    (one whole digit? a printed letter?), or neither when it is off."""
    verifier = verifier_get()
    return verifier.answers() if verifier is not None else {}


def verifier_ensure(path: Path | None = None, *, keep_unsaved: bool = False) -> tuple[vision.SingleDigitVerifier, bool]:
    """Load the verifier from ``path`` (default :func:`verifier_path`), or train and save it.

    Returns the verifier and whether it was trained now (~30–60 s on 2 cores). A file that
    cannot be written raises ``OSError``; with ``keep_unsaved`` it is logged instead and
    the verifier serves from memory (a read-only models directory does not stop reading).
    """
    path = path or verifier_path()
    if path.exists():
        try:
            return vision.SingleDigitVerifier.load(path), False
        except vision.VerifierError as exc:
            logger.warning("%s; training the verifier again", exc)
    data = sources.load_source("bundled")
    verifier = vision.train_verifier(data.crops, n_samples=VERIFIER_SAMPLES, n_letter_samples=VERIFIER_LETTER_SAMPLES)
    try:
        verifier.save(path)
    except OSError as exc:
        if not keep_unsaved:
            raise
        logger.warning("cannot save the single-digit verifier to %s (%s); it is kept in memory only", path, exc)
        return verifier, True
    logger.info("trained the single-digit verifier on %d bundled digits: %s", len(data.labels), path)
    return verifier, True


@dataclass(frozen=True)
class StoredRecognition:
    recognition: Recognition
    created: bool


def recognition_create(
    *,
    image: IntakeImage,
    version: ClassifierVersion,
    original_name: str = "",
    user: AbstractBaseUser | None = None,
    result: vision.Recognition | None = None,
) -> StoredRecognition:
    """Store the upload and its recognition; the same content with the same version is served from the database.

    ``result`` is this image's recognition with this version when it was already
    computed (by a worker process of the ``recognize`` command); otherwise it is computed here.
    """
    upload = upload_create(image=image, original_name=original_name, user=user).upload
    existing = Recognition.objects.filter(upload=upload, classifier=version).first()
    if existing is not None:
        return StoredRecognition(existing, created=False)
    if result is None:
        result = recognition_compute(image=image, version=version)
    try:
        with transaction.atomic():
            recognition = _store(upload=upload, version=version, result=result)
    except IntegrityError:  # a concurrent request stored the same pair first
        return StoredRecognition(Recognition.objects.get(upload=upload, classifier=version), created=False)
    # Observability only (Prometheus, /metrics): counts, digits per image, low confidence.
    metrics.record_recognition(
        algorithm=version.algorithm,
        digit_count=recognition.digit_count,
        min_confidence=recognition.min_confidence,
        elapsed_ms=recognition.elapsed_ms,
    )
    return StoredRecognition(recognition, created=True)


def _store(*, upload, version: ClassifierVersion, result: vision.Recognition) -> Recognition:
    recognition = Recognition.objects.create(
        upload=upload,
        classifier=version,
        text=result.text,
        digit_count=len(result.digits),
        mean_confidence=result.mean_confidence,
        min_confidence=result.min_confidence,
        elapsed_ms=result.elapsed_ms,
        warnings=list(result.warnings),
    )
    Digit.objects.bulk_create(
        Digit(
            recognition=recognition,
            index=i,
            line=int(d.line),
            x=int(d.box[0]),
            y=int(d.box[1]),
            w=int(d.box[2]),
            h=int(d.box[3]),
            label=int(d.label),
            confidence=float(d.confidence),
            alternatives=[[int(label), float(p)] for label, p in d.alternatives],
            crop=Digit.pack_crop(d.crop),
        )
        for i, d in enumerate(result.digits)
    )
    return recognition


def recognition_payload(recognition: Recognition) -> dict:
    """The stored recognition in the same JSON shape as ``recognize --json``."""
    digits = list(recognition.digits.all())
    return {
        "text": recognition.text,
        "lines": recognition.lines,
        "digits": [
            {
                "label": d.label,
                "confidence": d.confidence,
                "box": d.box,
                "line": d.line,
                "alternatives": d.alternatives,
                **({"reviewed_label": d.reviewed_label} if d.reviewed_label is not None else {}),
            }
            for d in digits
        ],
        "classifier": {"name": recognition.classifier.algorithm, "version": recognition.classifier_id},
        "elapsed_ms": round(recognition.elapsed_ms, 2),
        "warnings": recognition.warnings,
    }


# ---------------------------------------------------------------- review (admin)


def digit_review(*, digit: Digit, label: int, reviewer: AbstractBaseUser) -> Digit:
    """Record a reviewer's label beside the prediction (never over it)."""
    if label not in range(10):
        raise ValueError(f"a reviewed label must be a digit 0–9; got {label!r}")
    digit.reviewed_label = label
    digit.reviewed_by = reviewer
    digit.reviewed_at = timezone.now()
    digit.save(update_fields=["reviewed_label", "reviewed_by", "reviewed_at"])
    return digit


@transaction.atomic
def recognition_mark_correct(*, recognition: Recognition, reviewer: AbstractBaseUser) -> int:
    """Confirm every not-yet-reviewed digit as predicted and mark the recognition reviewed."""
    now = timezone.now()
    pending = list(recognition.digits.filter(reviewed_label__isnull=True))
    for digit in pending:
        digit.reviewed_label, digit.reviewed_by, digit.reviewed_at = digit.label, reviewer, now
    Digit.objects.bulk_update(pending, ["reviewed_label", "reviewed_by", "reviewed_at"])
    recognition_mark_reviewed(recognition=recognition, reviewer=reviewer)
    return len(pending)


def recognition_mark_reviewed(*, recognition: Recognition, reviewer: AbstractBaseUser) -> Recognition:
    recognition.reviewed_at = timezone.now()
    recognition.reviewed_by = reviewer
    recognition.save(update_fields=["reviewed_at", "reviewed_by"])
    return recognition


@transaction.atomic
def recognition_correct_text(*, recognition: Recognition, text: str, reviewer: AbstractBaseUser) -> None:
    """Map a whole-string correction onto the digits, when the digit count matches."""
    wanted = [c for c in text if not c.isspace()]
    digits = list(recognition.digits.order_by("index"))
    if not all(c.isdigit() for c in wanted):
        raise ValueError("The correction may contain only digits (spaces and line breaks are ignored).")
    if len(wanted) != len(digits):
        raise ValueError(
            f"The correction has {len(wanted)} digits but {len(digits)} were found; correct digits one by one."
        )
    for digit, char in zip(digits, wanted, strict=True):
        digit_review(digit=digit, label=int(char), reviewer=reviewer)
    recognition_mark_reviewed(recognition=recognition, reviewer=reviewer)
