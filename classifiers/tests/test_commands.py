import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from classifiers.models import ClassifierVersion
from classifiers.selectors import artifact_path

pytestmark = pytest.mark.django_db


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **kwargs)
    return out.getvalue()


def model_files(settings) -> list[Path]:
    root = Path(settings.CLASSIFIERS_MODEL_DIR)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_train_stores_a_version_with_its_verified_artifact_and_metrics(settings):
    args = ("--algorithm", "knn", "--data", "tiny", "--augment", "0", "--json", "--seed", "3")
    payload = json.loads(run("train_classifier", *args))
    version = ClassifierVersion.objects.get(pk=payload["id"])
    assert payload["algorithm"] == "knn" and payload["active"] is False
    assert version.n_train + version.n_test == 600
    assert version.n_test == 120  # the default 20 % held out
    assert version.accuracy > 0.8
    assert len(version.confusion) == 10 and sum(map(sum, version.confusion)) == version.n_test
    assert set(version.metrics["per_class"]) == {str(d) for d in range(10)}
    assert version.data_sources == [{"spec": "tiny", "samples": 600}]
    assert "scikit-learn" in version.library_versions
    assert model_files(settings) == [artifact_path(version)]


def test_train_augments_by_the_configured_default_unless_told(settings):
    settings.CLASSIFIERS_DEFAULT_AUGMENT = 1
    default = json.loads(run("train_classifier", "--algorithm", "knn", "--data", "tiny", "--json"))
    none = json.loads(run("train_classifier", "--algorithm", "knn", "--data", "tiny", "--augment", "0", "--json"))
    default, none = (ClassifierVersion.objects.get(pk=p["id"]) for p in (default, none))
    assert (default.augment, none.augment) == (1, 0)
    assert default.n_train == 2 * none.n_train and default.n_test == none.n_test  # held-out never augmented


def test_train_with_activate_makes_it_the_one_active_version():
    run("train_classifier", "--algorithm", "knn", "--data", "tiny", "--activate")
    second = json.loads(run("train_classifier", "--algorithm", "logreg", "--data", "tiny", "--activate", "--json"))
    assert list(ClassifierVersion.objects.filter(is_active=True).values_list("pk", flat=True)) == [second["id"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--algorithm", "nope", "--data", "tiny"], "nope"),
        (["--algorithm", "knn", "--data", "unknown-source"], "unknown-source"),
        (["--algorithm", "knn", "--data", "mnist:/does/not/exist"], "/does/not/exist"),
        (["--algorithm", "knn", "--data", "tiny", "--params", "{not json"], "--params"),
        (["--algorithm", "knn", "--data", "tiny", "--test-size", "1.5"], "test size"),
    ],
)
def test_train_reports_bad_input_clearly_and_writes_nothing(settings, args, message):
    with pytest.raises(CommandError, match=message):
        run("train_classifier", *args)
    assert ClassifierVersion.objects.count() == 0
    assert model_files(settings) == []


def test_an_empty_folder_source_is_a_clear_error(tmp_path, settings):
    for d in range(10):
        (tmp_path / "digits" / str(d)).mkdir(parents=True)
    with pytest.raises(CommandError, match="no images|empty"):
        run("train_classifier", "--algorithm", "knn", "--data", f"folder:{tmp_path / 'digits'}")
    assert model_files(settings) == []


def test_a_failed_row_write_removes_the_artifact(settings, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ClassifierVersion.objects, "create", boom)
    with pytest.raises(RuntimeError):
        run("train_classifier", "--algorithm", "knn", "--data", "tiny")
    assert model_files(settings) == []


def test_activate_and_roll_back(trained):
    from classifiers.services import classifier_train

    newer = classifier_train(algorithm="knn", data=["tiny"], augment=0, seed=2, activate=True)
    assert "now the active" in run("activate_classifier", str(trained.pk))
    trained.refresh_from_db()
    newer.refresh_from_db()
    assert trained.is_active and not newer.is_active


def test_activate_refuses_a_tampered_artifact(trained):
    path = artifact_path(trained)
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(CommandError, match="sha256"):
        run("activate_classifier", str(trained.pk))
    trained.refresh_from_db()
    assert not trained.is_active


def test_activate_unknown_version():
    with pytest.raises(CommandError, match="No classifier version 999"):
        run("activate_classifier", "999")


def test_evaluate_prints_json_and_writes_a_plot(trained, tmp_path):
    plot = tmp_path / "cm.png"
    result = json.loads(
        run("evaluate_classifier", "--version", str(trained.pk), "--data", "tiny", "--json", "--plot", str(plot))
    )
    assert result["n"] == 600
    assert 0.8 < result["accuracy"] <= 1.0
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluate_without_an_active_version_says_so():
    with pytest.raises(CommandError, match="No classifier is active"):
        run("evaluate_classifier", "--data", "tiny")


def test_list_classifiers_marks_the_active_one(trained):
    from classifiers.services import classifier_activate

    classifier_activate(version=trained)
    listing = run("list_classifiers")
    assert f"* {trained.pk:>4}  knn" in listing
    assert json.loads(run("list_classifiers", "--json"))[0]["id"] == trained.pk


def test_ensure_default_classifier_trains_only_when_none_is_active(settings, monkeypatch):
    settings.CLASSIFIERS_DEFAULT_ALGORITHM = "knn"
    import classifiers.services as services

    real = services.classifier_train
    monkeypatch.setattr(services, "classifier_train", lambda **kw: real(**{**kw, "data": ["tiny"]}))
    assert "Trained and activated" in run("ensure_default_classifier")
    assert ClassifierVersion.objects.filter(is_active=True).count() == 1
    assert ClassifierVersion.objects.get().augment == settings.CLASSIFIERS_DEFAULT_AUGMENT
    run("ensure_default_classifier")
    assert ClassifierVersion.objects.count() == 1
