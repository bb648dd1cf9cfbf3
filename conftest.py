"""Project-wide pytest fixtures: every test stores media in its own temporary folder."""

import pytest


@pytest.fixture(autouse=True)
def _media_root(request, tmp_path):
    # Framework-free tests may also run without pytest-django (`-p no:django`).
    if request.config.pluginmanager.hasplugin("django"):
        request.getfixturevalue("settings").MEDIA_ROOT = tmp_path / "media"
