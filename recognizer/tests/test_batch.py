"""The ``recognize`` command's engine: worker processes and this process share the inputs."""

import multiprocessing
import threading
import time

import pytest

from digitsite import intake
from recognizer import batch
from recognizer.tests.conftest import number_image


@pytest.fixture
def paths(tmp_path, bundled_model):
    data = bundled_model[3]
    made = []
    for k, text in enumerate(["305", "12\n4789", "61", "8"]):
        path = tmp_path / f"n{k}.png"
        path.write_bytes(number_image(data, text))
        made.append(str(path))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"<svg/>")
    return [*made, str(bad)] * 5


class SlowReader:
    """This process's reader, slowed so the workers start before it has read everything."""

    def __init__(self, reader: batch._Reader, delay: float) -> None:
        self.reader, self.delay, self.read = reader, delay, []
        self.lock = threading.Lock()

    def __call__(self, path: str) -> batch.Outcome:
        time.sleep(self.delay)
        with self.lock:
            self.read.append(path)
        return self.reader(path)


def _parallel(paths, pipeline, delay):
    from classifiers.ml.predict import digit_classifier

    limits = intake.Limits.from_settings()
    own = SlowReader(batch._Reader(digit_classifier(pipeline), limits, False), delay)
    return own, batch._read_in_parallel(paths, own, 2, (pipeline, limits, False, frozenset(), {}))


def _texts(outcomes):
    return [(o.path, o.error, o.result.text if o.result else None) for o in outcomes]


def test_this_process_reads_while_the_workers_start_and_the_order_is_kept(paths, bundled_model):
    pipeline = bundled_model[2].pipeline
    serial = list(batch.recognize_paths(paths, pipeline, jobs=1))
    own, outcomes = _parallel(paths, pipeline, delay=0.5)
    got = list(outcomes)
    assert _texts(got) == _texts(serial)
    assert [o.path for o in got] == paths
    assert 0 < len(own.read) < len(paths)  # both read some
    assert serial[0].result.text == "305" and serial[4].error


def test_stopping_early_stops_the_workers(paths, bundled_model):
    _, outcomes = _parallel(paths, bundled_model[2].pipeline, delay=0.2)
    first = next(outcomes)
    assert first.path == paths[0]
    outcomes.close()
    assert multiprocessing.active_children() == []


def test_workers_are_used_from_min_parallel_inputs_on(monkeypatch):
    monkeypatch.setattr(batch, "cpu_count", lambda: 4)
    assert batch.worker_count(batch.MIN_PARALLEL_INPUTS - 1) == 1
    assert batch.worker_count(batch.MIN_PARALLEL_INPUTS) == 4
    assert batch.worker_count(3, jobs=8) == 3  # never more than the inputs
    assert batch.worker_count(10, jobs=1) == 1
