"""Project-wide pytest fixtures: every test stores media in its own temporary folder, verifier off."""

import pytest


@pytest.fixture(autouse=True)
def _test_settings(request, tmp_path):
    # Framework-free tests may also run without pytest-django (`-p no:django`).
    if request.config.pluginmanager.hasplugin("django"):
        settings = request.getfixturevalue("settings")
        settings.MEDIA_ROOT = tmp_path / "media"
        # Training the single-digit verifier takes ~30–60 s: only the tests that need it switch it on
        # (recognizer/tests/conftest.py `verifier_on`).
        settings.RECOGNIZER_VERIFIER = False
