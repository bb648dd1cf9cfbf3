"""Augmentation previews: make the samples once per (upload, spec, seed, n), store and reuse them."""

from __future__ import annotations

import base64
import io

import cv2
import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from PIL import Image, ImageOps

from augment.models import AugmentationPreview
from augment.spec import Spec, parse_spec, samples
from classifiers.ml.predict import digit_classifier
from classifiers.models import ClassifierVersion
from classifiers.selectors import classifier_get, classifier_load
from digitsite.intake import to_array
from digitsite.models import Upload
from recognizer import vision
from recognizer.services import verifier_answers

MAX_SAMPLES = 24
PREVIEW_SIDE = 768  # previews work on a copy whose long side is at most this


def preview_source(upload: Upload) -> np.ndarray:
    """The upload's pixels (uint8 grey or RGB), scaled down for a quick preview."""
    with upload.file.open("rb") as fh:
        img = Image.open(io.BytesIO(fh.read()))
        img.seek(0)
        array = to_array(ImageOps.exif_transpose(img))
    h, w = array.shape[:2]
    scale = PREVIEW_SIDE / max(h, w)
    if scale < 1:
        array = cv2.resize(array, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return array


def preview_get_or_create(*, upload: Upload, spec: Spec | dict | str, seed: int, n: int) -> AugmentationPreview:
    spec = parse_spec(spec)
    if not 1 <= n <= MAX_SAMPLES:
        raise ValueError(f"n must be between 1 and {MAX_SAMPLES}; got {n}")
    if seed < 0:
        raise ValueError(f"seed must be 0 or more; got {seed}")
    digest = spec.digest()
    found = AugmentationPreview.objects.filter(upload=upload, spec_digest=digest, seed=seed, n=n).first()
    if found is not None:
        return found
    return _create(upload=upload, spec=spec, digest=digest, seed=seed, n=n)


def _create(*, upload: Upload, spec: Spec, digest: str, seed: int, n: int) -> AugmentationPreview:
    images = samples(spec, preview_source(upload), n=n, seed=seed)
    version = classifier_get()
    names = [
        default_storage.save(f"augment/{upload.public_id}/{digest[:16]}-{seed}-{i}.png", ContentFile(png_bytes(img)))
        for i, img in enumerate(images)
    ]
    try:
        with transaction.atomic():
            return AugmentationPreview.objects.create(
                upload=upload,
                spec=spec.to_dict(),
                spec_digest=digest,
                seed=seed,
                n=n,
                files=names,
                model_view=model_view(images, version) if version else None,
                classifier=version,
            )
    except IntegrityError:  # made concurrently by another request: keep theirs
        for name in names:
            default_storage.delete(name)
        return AugmentationPreview.objects.get(upload=upload, spec_digest=digest, seed=seed, n=n)
    except BaseException:
        for name in names:
            default_storage.delete(name)
        raise


def model_view(images: list[np.ndarray], version: ClassifierVersion) -> list[dict]:
    """What the recognizer feeds the classifier for each sample, and what it predicts."""
    classify = digit_classifier(classifier_load(version))
    answers = verifier_answers()
    out = []
    for image in images:
        result = vision.recognize(image, classify, **answers)
        out.append(
            {
                "text": result.text,
                "digits": [
                    {"label": d.label, "confidence": round(float(d.confidence), 4), "crop": crop_data_uri(d.crop)}
                    for d in result.digits[:40]
                ],
            }
        )
    return out


def preview_purge(*, queryset, chunk_size: int = 200) -> int:
    """Delete previews and their files, reading ``chunk_size`` rows per query."""
    count = 0
    for preview in queryset.only("pk", "files").iterator(chunk_size=chunk_size):
        for name in preview.files:
            default_storage.delete(name)
        preview.delete()
        count += 1
    return count


def preview_regenerate(*, preview: AugmentationPreview) -> AugmentationPreview:
    """Make a stored preview again (after an op changed), replacing its files."""
    upload, spec, seed, n = preview.upload, parse_spec(preview.spec), preview.seed, preview.n
    preview_purge(queryset=AugmentationPreview.objects.filter(pk=preview.pk))
    return _create(upload=upload, spec=spec, digest=spec.digest(), seed=seed, n=n)


def png_bytes(image: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def crop_data_uri(crop: np.ndarray) -> str:
    pixels = (np.clip(crop, 0, 1) * 255 + 0.5).astype(np.uint8)
    return "data:image/png;base64," + base64.b64encode(png_bytes(pixels)).decode()
