"""Seven-segment glyphs: what is lit, how it is drawn, and the ``segments`` data source."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from classifiers.ml import registry
from classifiers.ml.segments import (
    HELDOUT_STYLES,
    SEGMENTS,
    TRAIN_STYLES,
    SegmentStyle,
    draw_segment_digit,
    render_segment_glyph,
    segment_digits,
    segment_polygons,
    segment_styles,
)
from classifiers.ml.sources import DataSourceError, concat, load_source

APART = SegmentStyle("apart", thickness=0.12, gap=0.4, ends="pointed", width=0.55)


def _pieces(digit: int, style: SegmentStyle, *, height: int = 80) -> int:
    img = np.zeros((height + 40, height + 40), np.uint8)
    draw_segment_digit(img, digit, style, (20, 20), height)
    return cv2.connectedComponents((img > 127).astype(np.uint8), connectivity=8)[0] - 1


def test_each_digit_lights_its_segments_and_the_style_chooses_the_optional_ones():
    assert [len(SEGMENTS[d]) for d in range(10)] == [6, 2, 5, 5, 4, 5, 6, 3, 7, 6]
    plain = SegmentStyle("plain", thickness=0.1, gap=0.2, ends="square", width=0.5, tails=False, seven_hook=True)
    assert sorted(plain.segments(6)) == sorted("fgedc") and sorted(plain.segments(9)) == sorted("abcfg")
    assert sorted(plain.segments(7)) == sorted("abcf") and APART.segments(7) == "abc"
    assert [len(segment_polygons(d, APART, 50)) for d in range(10)] == [len(APART.segments(d)) for d in range(10)]


@pytest.mark.parametrize("digit", range(10))
def test_segments_with_a_gap_are_separate_pieces_and_without_one_they_join(digit):
    assert _pieces(digit, APART) == len(SEGMENTS[digit])
    joined = SegmentStyle("joined", thickness=0.16, gap=0.0, ends="square", width=0.55)
    assert _pieces(digit, joined) == 1


@pytest.mark.parametrize("slant", [0.0, 0.15])
def test_a_digit_fills_its_cell_and_leans_by_the_slant(slant):
    height = 100
    polys = np.concatenate(segment_polygons(8, APART, height, slant=slant))
    t = APART.thickness * height
    assert polys[:, 1].min() == pytest.approx(0, abs=1) and polys[:, 1].max() == pytest.approx(height + t, abs=1)
    assert polys[:, 0].min() >= -1 and polys[:, 0].max() <= (APART.width + slant) * height + t + 1
    top = polys[polys[:, 1] < 0.3 * height, 0].mean()
    bottom = polys[polys[:, 1] > 0.7 * height, 0].mean()
    assert top - bottom == pytest.approx(0.6 * slant * height, abs=0.1 * height + 1)


def test_a_rendered_glyph_sits_inside_its_canvas_with_a_margin():
    glyph = render_segment_glyph(5, HELDOUT_STYLES[0], 40)
    assert glyph.shape == (120, 120) and glyph.dtype == np.uint8
    ys, xs = np.nonzero(glyph > 127)
    assert ys.min() > 20 and ys.max() < 100 and xs.min() > 20 and xs.max() < 100
    height = 0.7 * 40  # and as tall as a font's digit at that size, strokes outside it by half their thickness
    assert height <= ys.max() - ys.min() + 1 <= height * (1 + HELDOUT_STYLES[0].thickness) + 2


def test_an_unknown_end_shape_or_digit_is_refused():
    with pytest.raises(ValueError, match="ends"):
        SegmentStyle("bad", thickness=0.1, gap=0.1, ends="round", width=0.5)
    with pytest.raises(ValueError, match="digit"):
        segment_polygons(10, APART, 50)


def test_the_segments_source_renders_disjoint_train_and_heldout_styles_and_is_not_in_bundled():
    assert not {s.name for s in TRAIN_STYLES} & {s.name for s in HELDOUT_STYLES}
    assert segment_styles("all") == TRAIN_STYLES + HELDOUT_STYLES
    for subset, styles in (("train", TRAIN_STYLES), ("heldout", HELDOUT_STYLES)):
        crops, labels, names = segment_digits(subset, n_variants=1)
        assert set(names) == {s.name for s in styles}
        assert sorted(labels.tolist()) == sorted(list(range(10)) * len(styles))
        assert crops.shape == (10 * len(styles), 28, 28) and (crops.max(axis=(1, 2)) > 0.5).all()
    data = load_source("segments:train")
    assert data.name == "segments:train" and len(data) == 12 * 10 * len(TRAIN_STYLES)
    assert "segments" not in {name for name, _ in load_source("bundled").counts()}
    with pytest.raises(DataSourceError, match="unknown subset"):
        load_source("segments:meters")


def test_a_model_trained_with_the_segments_source_reads_display_styles_it_never_saw():
    # The default data hold no segment glyphs; with the train styles added, the held-out
    # styles (other thickness, gaps and ends) are misread less than half as often.
    base = concat([load_source("mnist-bundled"), load_source("fonts:train")])
    meters = concat([base, load_source("segments:train")])
    test = load_source("segments:heldout")
    scores = [registry.build("logreg").fit(d.crops, d.labels).score(test.crops, test.labels) for d in (base, meters)]
    assert scores[1] > 0.95 and 1 - scores[1] < 0.5 * (1 - scores[0])
