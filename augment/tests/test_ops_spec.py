"""JSON pipeline specs: validation, canonical form, reproducible application."""

from __future__ import annotations

import json

import numpy as np
import pytest

from augment.spec import MAX_STEPS, Spec, SpecError, apply, parse_spec, samples

SPEC = {
    "ops": [
        {"op": "rotate", "p": 0.8, "strength": 0.5, "params": {"max_degrees": 15}},
        {"op": "gaussian_noise", "params": {"max_std": 0.1}},
        {"op": "cutout", "p": 0.5, "params": {"holes": 2}},
    ]
}


@pytest.fixture
def image() -> np.ndarray:
    img = np.zeros((28, 28), np.float32)
    img[6:22, 12:16] = 1.0
    return img


def test_it_accepts_a_dict_a_json_string_and_a_spec_alike() -> None:
    from_dict = parse_spec(SPEC)
    assert parse_spec(json.dumps(SPEC)) == from_dict
    assert parse_spec(from_dict) is from_dict


def test_it_fills_in_defaults() -> None:
    step = parse_spec({"ops": [{"op": "elastic"}]}).ops[0]
    assert (step.p, step.strength) == (1.0, 1.0)
    assert dict(step.params) == {"alpha": 0.05, "sigma": 0.12}


def test_it_round_trips_through_canonical_json() -> None:
    spec = parse_spec(SPEC)
    assert parse_spec(spec.to_json()) == spec
    assert parse_spec(spec.to_json()).to_json() == spec.to_json()


def test_it_gives_equivalent_specs_the_same_digest() -> None:
    implicit = parse_spec({"ops": [{"op": "rotate"}]})
    explicit = parse_spec('{"ops":[{"params":{"max_degrees":15.0},"strength":1,"p":1.0,"op":"rotate"}]}')
    assert implicit.to_json() == explicit.to_json()
    assert implicit.digest() == explicit.digest()
    assert len(implicit.digest()) == 64


def test_it_sorts_keys_in_canonical_json() -> None:
    text = parse_spec(SPEC).to_json()
    assert text.index('"op"') < text.index('"p"') < text.index('"params"') < text.index('"strength"')
    assert " " not in text


@pytest.mark.parametrize(
    "changed",
    [
        {"ops": [{"op": "rotate", "p": 0.5}]},
        {"ops": [{"op": "rotate", "strength": 0.5}]},
        {"ops": [{"op": "rotate", "params": {"max_degrees": 14}}]},
        {"ops": [{"op": "rotate"}], "seed": 3},
        {"ops": [{"op": "rotate"}, {"op": "invert"}]},
    ],
)
def test_it_gives_different_specs_different_digests(changed: dict) -> None:
    assert parse_spec(changed).digest() != parse_spec({"ops": [{"op": "rotate"}]}).digest()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"ops": [{"op": "twirl"}]}, r"ops\[0\]: unknown op 'twirl'; known ops: .*rotate"),
        (
            {"ops": [{"op": "rotate", "params": {"max_degrees": 500}}]},
            r"ops\[0\] \(rotate\): param 'max_degrees' = 500 is out of range \[0, 180\]",
        ),
        ({"ops": [{"op": "rotate", "params": {"max_degrees": "15"}}]}, r"max_degrees' must be a number in \[0, 180\]"),
        (
            {"ops": [{"op": "rotate"}, {"op": "shift", "params": {"amount": 1}}]},
            r"ops\[1\] \(shift\): unknown param 'amount'; allowed params: max_fraction",
        ),
        ({"ops": [{"op": "rotate", "p": 1.5}]}, r"ops\[0\] \(rotate\): 'p' = 1.5 is out of range \[0, 1\]"),
        (
            {"ops": [{"op": "rotate", "strength": -1}]},
            r"ops\[0\] \(rotate\): param 'strength' = -1 is out of range \[0, 1\]",
        ),
        ({"ops": [{"op": "rotate", "p": True}]}, r"'p' must be a number"),
        ({"ops": [{"op": "rotate", "prob": 1}]}, r"ops\[0\] \(rotate\): unknown key 'prob'"),
        ({"ops": [{"op": "rotate", "params": [15]}]}, r'"params" must be an object'),
        ({"ops": [{"p": 1}]}, r'ops\[0\]: missing "op"'),
        ({"ops": ["rotate"]}, r"ops\[0\]: a step must be an object"),
        ({"ops": {"op": "rotate"}}, r'"ops" must be a list'),
        ({"steps": []}, r"spec: unknown key 'steps'"),
        ({"ops": [], "seed": -1}, r"seed must be a non-negative integer"),
        ({"ops": [{"op": "invert"}] * (MAX_STEPS + 1)}, r"at most 32 ops"),
        ("{not json", r"spec is not valid JSON"),
        ([{"op": "rotate"}], r"spec must be an object"),
    ],
)
def test_it_rejects_bad_specs_with_a_clear_message(spec: object, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_spec(spec)


def test_spec_error_is_a_value_error() -> None:
    assert issubclass(SpecError, ValueError)


def test_it_applies_reproducibly_for_a_seed(image: np.ndarray) -> None:
    np.testing.assert_array_equal(apply(SPEC, image, seed=5), apply(SPEC, image, seed=5))


def test_it_differs_across_seeds(image: np.ndarray) -> None:
    outputs = {apply(SPEC, image, seed=seed).tobytes() for seed in range(4)}
    assert len(outputs) == 4


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_it_keeps_dtype_and_shape(image: np.ndarray, dtype: type) -> None:
    rgb = np.dstack([image] * 3)
    rgb = (rgb * 255).astype(np.uint8) if dtype == np.uint8 else rgb
    out = apply(SPEC, rgb, seed=1)
    assert (out.dtype, out.shape) == (rgb.dtype, rgb.shape)


def test_it_uses_the_seed_in_the_spec(image: np.ndarray) -> None:
    seeded = {**SPEC, "seed": 9}
    np.testing.assert_array_equal(apply(seeded, image), apply(SPEC, image, seed=9))


def test_it_requires_a_seed(image: np.ndarray) -> None:
    with pytest.raises(SpecError, match="seed is required"):
        apply(SPEC, image)


def test_it_returns_a_copy_when_no_step_runs(image: np.ndarray) -> None:
    out = apply({"ops": [{"op": "rotate", "p": 0}]}, image, seed=0)
    np.testing.assert_array_equal(out, image)
    assert out is not image


def test_it_keeps_other_steps_random_draws_when_one_step_changes(image: np.ndarray) -> None:
    before = {"ops": [{"op": "rotate", "p": 0, "params": {"max_degrees": 5}}, {"op": "gaussian_noise"}]}
    after = {"ops": [{"op": "rotate", "p": 0, "params": {"max_degrees": 90}}, {"op": "gaussian_noise"}]}
    np.testing.assert_array_equal(apply(before, image, seed=2), apply(after, image, seed=2))


def test_it_makes_samples_that_match_apply_with_consecutive_seeds(image: np.ndarray) -> None:
    batch = samples(SPEC, image, n=3, seed=10)
    assert len(batch) == 3
    for i, sample in enumerate(batch):
        np.testing.assert_array_equal(sample, apply(SPEC, image, seed=10 + i))


def test_it_rejects_a_negative_sample_count(image: np.ndarray) -> None:
    with pytest.raises(ValueError, match="n must be a non-negative integer"):
        samples(SPEC, image, n=-1, seed=0)


def test_it_reports_whether_a_spec_preserves_labels() -> None:
    assert parse_spec(SPEC).label_preserving
    assert not parse_spec({"ops": [{"op": "hflip"}]}).label_preserving


def test_it_is_a_frozen_value() -> None:
    spec = parse_spec(SPEC)
    assert isinstance(spec, Spec)
    with pytest.raises(AttributeError):
        spec.seed = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        spec.ops[0].params["max_degrees"] = 3  # type: ignore[index]
