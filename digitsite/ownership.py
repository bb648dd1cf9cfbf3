"""Who may see an upload's private facts (e.g. GPS): its uploader — logged-in or this browser session."""

from __future__ import annotations

from django.http import HttpRequest

from digitsite.models import Upload

SESSION_KEY = "own_uploads"
REMEMBERED = 200


def remember_upload(request: HttpRequest, upload: Upload) -> None:
    owned = [u for u in request.session.get(SESSION_KEY, []) if u != str(upload.public_id)]
    request.session[SESSION_KEY] = [str(upload.public_id), *owned][:REMEMBERED]


def owns_upload(request: HttpRequest, upload: Upload) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and upload.uploaded_by_id == user.pk:
        return True
    session = getattr(request, "session", None)
    return session is not None and str(upload.public_id) in session.get(SESSION_KEY, [])
