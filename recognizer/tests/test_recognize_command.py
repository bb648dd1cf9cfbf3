import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from digitsite.models import Upload
from recognizer.models import Digit, Recognition
from recognizer.tests.conftest import number_image

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str, CommandError | None]:
    out, err = StringIO(), StringIO()
    try:
        call_command("recognize", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


@pytest.fixture
def images(tmp_path, bundled_model):
    data = bundled_model[3]
    paths = {}
    for name, text in {"one": "305", "two": "12\n4789"}.items():
        path = tmp_path / f"{name}.png"
        path.write_bytes(number_image(data, text))
        paths[name] = path
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"<svg/>")
    paths["bad"] = bad
    return paths


def test_json_gives_one_object_per_input_in_order_and_fails_at_the_end(active_version, images):
    out, _err, error = run("--json", str(images["one"]), str(images["bad"]), str(images["two"]))
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["path"] for r in rows] == [str(images["one"]), str(images["bad"]), str(images["two"])]
    assert rows[0]["text"] == "305" and rows[0]["lines"] == ["305"]
    assert rows[2]["text"] == "12\n4789" and rows[2]["lines"] == ["12", "4789"]
    assert "not an image format" in rows[1]["error"]
    assert error is not None and "1 of 3" in str(error)
    digit = rows[0]["digits"][0]
    assert set(digit) >= {"label", "confidence", "box", "line", "alternatives"}
    assert digit["label"] == 3 and len(digit["box"]) == 4 and 0 < digit["confidence"] <= 1
    assert all(len(alt) == 2 for alt in digit["alternatives"])
    assert [d["line"] for d in rows[2]["digits"]] == [0, 0, 1, 1, 1, 1]
    assert rows[0]["classifier"] == {"name": "logreg", "version": active_version.pk}
    assert rows[0]["elapsed_ms"] > 0


def test_without_save_nothing_is_written(active_version, images):
    run("--json", str(images["one"]))
    assert Upload.objects.count() == 0 and Recognition.objects.count() == 0


def test_with_save_rows_are_stored_and_reused(active_version, images):
    out, _, error = run("--json", "--save", str(images["two"]))
    assert error is None
    stored = Recognition.objects.get()
    assert stored.text == "12\n4789" and stored.digit_count == 6
    assert json.loads(out)["id"] == str(stored.public_id)
    assert Digit.objects.filter(recognition=stored).count() == 6
    assert stored.min_confidence <= stored.mean_confidence
    crop = Digit.objects.get(recognition=stored, index=0).crop_array()
    assert crop.shape == (28, 28) and crop.max() > 0.5
    run("--json", "--save", str(images["two"]))
    assert Recognition.objects.count() == 1 and Upload.objects.count() == 1


def test_with_save_stored_content_is_served_not_recognised_again(active_version, images, monkeypatch):
    first, _, _ = run("--json", "--save", str(images["two"]))
    from recognizer import batch

    calls = []
    real = batch.vision.recognize
    monkeypatch.setattr(batch.vision, "recognize", lambda *a, **k: calls.append(1) or real(*a, **k))
    again, _, error = run("--json", "--save", str(images["two"]), str(images["one"]))
    assert error is None
    rows = [json.loads(line) for line in again.splitlines()]
    assert rows[0]["id"] == json.loads(first)["id"] and rows[0]["text"] == "12\n4789"
    assert rows[1]["text"] == "305"
    assert len(calls) == 1  # only the new content was read by the pipeline
    assert Recognition.objects.count() == 2


def test_plain_output_is_readable(active_version, images):
    out, _, error = run(str(images["one"]))
    assert error is None
    assert out.startswith(f"{images['one']}: 305")


def test_classifier_choice_errors_are_clear(active_version, images):
    for args, message in [
        (["--classifier", "svm"], "No trained classifier named 'svm'"),
        (["--version", "999"], "999"),
    ]:
        _, _, error = run(*args, str(images["one"]))
        assert error is not None and message in str(error)
    _, _, error = run("--version", str(active_version.pk), str(images["one"]))
    assert error is None


def test_no_active_classifier_is_a_clear_error(db, images):
    _, _, error = run(str(images["one"]))
    assert error is not None and "No classifier is active" in str(error)


def test_a_database_without_tables_is_a_clear_error(images, monkeypatch):
    from django.db import OperationalError

    from recognizer.management.commands import recognize

    def no_tables(**kwargs):  # what SQLite says on a fresh clone before `make run` migrates
        raise OperationalError("no such table: classifiers_classifierversion")

    monkeypatch.setattr(recognize, "classifier_resolve", no_tables)
    _, _, error = run(str(images["one"]))
    assert error is not None and "database is not ready" in str(error) and "migrate" in str(error)


def test_a_number_scanned_sideways_is_read(active_version, images, tmp_path):
    import cv2

    upright = cv2.imread(str(images["one"]))
    sideways = tmp_path / "sideways.png"
    cv2.imwrite(str(sideways), cv2.rotate(upright, cv2.ROTATE_90_CLOCKWISE))
    out, _, error = run("--json", str(sideways))
    assert error is None and json.loads(out)["text"] == "305"


def test_an_image_without_digits_gives_empty_text(active_version, tmp_path):
    from digitsite.testing import image_bytes

    blank = tmp_path / "blank.png"
    blank.write_bytes(image_bytes("PNG", size=(320, 240), mode="L"))
    out, _, error = run("--json", str(blank))
    assert error is None
    assert json.loads(out)["text"] == "" and json.loads(out)["digits"] == []


def _without_timing(out: str) -> list[dict]:
    rows = [json.loads(line) for line in out.splitlines()]
    for row in rows:
        row.pop("elapsed_ms", None)
    return rows


def test_worker_processes_give_the_same_answers_in_input_order(active_version, images):
    paths = [str(images[name]) for name in ("two", "bad", "one", "two")]
    serial, _, serial_error = run("--json", "--jobs", "1", *paths)
    parallel, _, parallel_error = run("--json", "--jobs", "2", *paths)
    assert _without_timing(parallel) == _without_timing(serial)
    assert [row["path"] for row in _without_timing(parallel)] == paths
    assert "1 of 4" in str(parallel_error) and "1 of 4" in str(serial_error)


def test_worker_processes_results_are_stored_with_save(active_version, images):
    out, _, error = run("--json", "--save", "--jobs", "2", str(images["one"]), str(images["two"]))
    assert error is None
    rows = [json.loads(line) for line in out.splitlines()]
    stored = {str(r.public_id): r.text for r in Recognition.objects.all()}
    assert stored == {rows[0]["id"]: "305", rows[1]["id"]: "12\n4789"}
    assert Digit.objects.count() == 3 + 6


def test_a_negative_job_count_is_refused(active_version, images):
    _, _, error = run("--jobs", "-1", str(images["one"]))
    assert error is not None and "--jobs" in str(error)
