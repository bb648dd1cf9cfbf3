"""Narrow shadows cast across the writing (framework-free, no database)."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from recognizer.tests.conftest import assert_boxes_match
from recognizer.vision import SegmentationConfig, segment
from recognizer.vision.binarize import binarize_labelled
from recognizer.vision.normalize import flatten_shadows, normalize
from recognizer.vision.synthetic import render_text

CFG = SegmentationConfig()
OFF = dataclasses.replace(CFG, background_shadow_frac=0.0)
BAND = np.array([[300, 0], [345, 0], [285, 400], [240, 400]], np.int32)  # a pen's shadow, slanted, from the top


def page(*, text: str = "40725", shadow: np.ndarray | None = BAND, depth: float = 0.45, seed: int = 0):
    """A 640×480 scan-like page with ``text`` and a soft shadow cast over it from the image's edge."""
    img = np.full((480, 640), 230, np.uint8)
    boxes: list = []
    if text:
        img, boxes = render_text(img, text, origin=(170, 270), height=48, thickness=3)
    shade = np.zeros(img.shape, np.float32)
    if shadow is not None:
        cv2.fillPoly(shade, [shadow], 1.0)
        shade = cv2.GaussianBlur(shade, (9, 9), 0)
    noise = np.random.default_rng(seed).normal(0, 3, img.shape)
    return np.clip(img * (1 - depth * shade) + noise, 0, 255).astype(np.uint8), boxes, shade > 0.01


def test_digits_under_a_narrow_shadow_cast_from_the_edge_are_found():
    img, truth, _ = page()
    seg = segment(img, config=CFG)
    assert_boxes_match(seg.boxes, truth)
    assert any("shadow" in w for w in seg.warnings)
    # Without the step the shadow is one blob with the "7" and "2" in it, and they are lost.
    off = segment(img, config=OFF)
    assert len(off.boxes) < len(truth) and not any("shadow" in w for w in off.warnings)


def test_only_the_shadow_changes_in_the_mask():
    img, _, shade = page()
    norm = normalize(img, config=CFG)
    flat = flatten_shadows(norm, None, config=CFG)
    assert flat is not norm
    on = binarize_labelled(flat.flat, config=CFG, levels=norm.flat).mask
    off = binarize_labelled(norm.flat, config=CFG).mask
    changed = on != off
    near = cv2.dilate(shade.astype(np.uint8), np.ones((15, 15), np.uint8)) > 0
    assert changed.any() and not (changed & ~near).any()
    assert np.count_nonzero(on[shade]) < 0.2 * np.count_nonzero(off[shade])  # the blob is gone, strokes remain
    assert (flat.flat >= norm.flat).all()  # flattening only ever lightens


def test_a_shadow_across_an_empty_page_goes_but_for_a_speck_at_its_tip():
    img, _, _ = page(text="")
    # Without the step the shadow is one 400 px tall region of "ink".
    assert [h for *_, h in segment(img, config=OFF).boxes] == [401]
    # The closing cannot follow the shadow's sharp end: what is left there is a speck
    # (the line rules and the verifier judge it, as any speck).
    assert all(w * h < 100 for *_, w, h in segment(img, config=CFG).boxes)


def test_a_thick_grey_stroke_on_the_page_is_not_taken_for_a_shadow():
    img = np.full((480, 640), 230, np.uint8)
    cv2.ellipse(img, (320, 240), (90, 150), 0, 0, 360, 150, 45)  # a bold pencil "0" filling the page
    img, _ = render_text(img, "3", origin=(300, 260), height=40, thickness=3)  # and writing inside it
    norm = normalize(img, config=CFG)
    assert flatten_shadows(norm, None, config=CFG) is norm  # it does not reach the paper's edge


def test_a_shadow_counts_as_cast_when_it_crosses_the_sheets_edge():
    sheet = np.zeros((480, 640), np.uint8)
    sheet[60:460, 40:600] = 255
    img, _, _ = page()  # the band starts above the sheet's top edge
    norm = normalize(img, config=CFG)
    assert flatten_shadows(norm, sheet, config=CFG) is not norm
    # The same shadow starting inside the sheet (a pencil lying on the page) is not cast from beyond it.
    inside, _, _ = page(shadow=np.array([[300, 120], [345, 120], [285, 400], [240, 400]], np.int32))
    norm = normalize(inside, config=CFG)
    assert flatten_shadows(norm, sheet, config=CFG) is norm


def test_the_step_can_be_switched_off():
    img, _, _ = page()
    norm = normalize(img, config=OFF)
    assert flatten_shadows(norm, None, config=OFF) is norm


def test_a_grainy_strip_of_desk_or_a_small_dark_sliver_is_not_taken_for_a_shadow():
    img, _, shade = page()
    grain = img.copy()
    streaks = np.zeros(img.shape, bool)
    streaks[::5] = streaks[1::5] = True  # wood grain across the band: dark streaks every 5 px
    grain[shade & streaks] //= 2
    norm = normalize(grain, config=CFG)
    assert flatten_shadows(norm, None, config=CFG) is norm
    tip = np.array([[300, 0], [345, 0], [330, 90], [285, 90]], np.int32)  # the band's first 90 px alone
    sliver, _, _ = page(shadow=tip)
    norm = normalize(sliver, config=CFG)
    assert flatten_shadows(norm, None, config=CFG) is norm
    norm = normalize(sliver, config=dataclasses.replace(CFG, background_shadow_min_area=0.005))
    assert flatten_shadows(norm, None, config=dataclasses.replace(CFG, background_shadow_min_area=0.005)) is not norm
