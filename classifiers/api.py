from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from classifiers.models import ClassifierVersion

router = Router(tags=["classifiers"])


@router.get("", response=list[dict], summary="Trained classifier versions with their held-out metrics")
def classifier_list(request: HttpRequest):
    return [
        {**v.summary(), "per_class": v.metrics.get("per_class", {}), "confusion": v.confusion}
        for v in ClassifierVersion.objects.all()
    ]
