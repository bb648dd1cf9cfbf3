"""Saving and loading fitted pipelines as joblib files, safely.

Unpickling runs code, so :func:`load_pipeline` only opens a file whose sha256 equals
the one recorded when it was saved, and only under the library versions it was saved
with (scikit-learn's ``InconsistentVersionWarning`` is turned into an error too).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import platform
import re
import tempfile
import warnings
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import joblib
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.pipeline import Pipeline

# Distributions whose version must match between save and load: they define the
# pickled classes. opencv is recorded but not checked (not pickled).
CHECKED = ("python", "numpy", "scipy", "scikit-learn", "joblib")
RECORDED = (*CHECKED, "opencv-python-headless")
SUFFIX = ".joblib"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class ArtifactError(Exception):
    """An artifact is missing, tampered with, or from other library versions."""


@dataclass(frozen=True)
class ArtifactInfo:
    path: Path
    sha256: str
    size: int
    library_versions: dict[str, str] = field(default_factory=dict)


def library_versions() -> dict[str, str]:
    """Versions of the libraries an artifact depends on, e.g. ``{"scikit-learn": "1.9.1"}``."""
    versions = {"python": ".".join(platform.python_version_tuple()[:2])}
    for dist in RECORDED[1:]:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "missing"
    return versions


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_pipeline(pipeline: Pipeline, directory: str | os.PathLike, *, name: str, compress: int = 3) -> ArtifactInfo:
    """Write ``pipeline`` to ``directory/name.joblib`` atomically.

    The pickle goes to a temporary file in the same directory, is flushed to disk,
    then renamed over the target, so readers never see a half-written artifact.
    """
    if not _NAME.match(name):
        raise ArtifactError(f"artifact name {name!r} must be 1-128 letters, digits, '.', '_' or '-'")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{name}{SUFFIX}"
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            joblib.dump(pipeline, fh, compress=compress)
            fh.flush()
            os.fsync(fh.fileno())
        sha256 = file_sha256(tmp)
        size = tmp.stat().st_size
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return ArtifactInfo(path=target, sha256=sha256, size=size, library_versions=library_versions())


def load_pipeline(path: str | os.PathLike, *, sha256: str, library_versions: dict[str, str]) -> Pipeline:
    """Load a pipeline saved by :func:`save_pipeline` after verifying it.

    Parameters
    ----------
    path : path-like
    sha256 : str
        The digest recorded at save time; checked before anything is unpickled.
    library_versions : dict
        The versions recorded at save time; every :data:`CHECKED` entry must equal
        the running one.

    Raises
    ------
    ArtifactError
        Missing file, digest mismatch, version mismatch, or not a Pipeline.
    """
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"artifact {path} does not exist")
    mismatched = _version_mismatches(library_versions)
    if mismatched:
        raise ArtifactError(f"artifact {path} was saved with other library versions: {'; '.join(mismatched)}")
    actual = file_sha256(path)
    if not hmac.compare_digest(actual, sha256.lower()):
        raise ArtifactError(f"artifact {path} has sha256 {actual}, expected {sha256}: refusing to load it")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", InconsistentVersionWarning)
            obj = joblib.load(path)
    except InconsistentVersionWarning as exc:
        raise ArtifactError(f"artifact {path}: {exc}") from exc
    if not isinstance(obj, Pipeline):
        raise ArtifactError(f"artifact {path} holds a {type(obj).__name__}, not a Pipeline")
    return obj


def _version_mismatches(recorded: dict[str, str]) -> list[str]:
    current = library_versions()
    problems = []
    for dist in CHECKED:
        want = recorded.get(dist)
        if want is None:
            problems.append(f"{dist} not recorded")
        elif want != current[dist]:
            problems.append(f"{dist} {want} (running {current[dist]})")
    return problems
