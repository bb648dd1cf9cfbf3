"""Project-wide pytest fixtures: every test stores media in its own temporary folder."""

import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
