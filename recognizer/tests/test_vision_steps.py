"""Unit tests of the individual segmentation steps (no classifier, no database)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import cv2
import numpy as np
import pytest

from recognizer.vision.binarize import binarize, remove_frames, remove_lines, ruling_angle
from recognizer.vision.components import find_components, label_components, merge_broken, row_axis, shape_filter
from recognizer.vision.config import SegmentationConfig
from recognizer.vision.lines import estimate_slope, group_lines, line_angles
from recognizer.vision.normalize import downscale, hist_median, histogram_u8, normalize, paper_spread, to_grey
from recognizer.vision.pipeline import _piece_crop, _Upright
from recognizer.vision.split import best_partition, cut_candidates, valid_segments
from recognizer.vision.synthetic import HAND_DIGITS, dashed_box, paper, render_text

CFG = SegmentationConfig()


def test_it_converts_rgb_float_bool_and_wide_ints_to_uint8_grey():
    rgb = np.zeros((4, 5, 3), np.uint8)
    rgb[..., 0] = 255
    assert to_grey(rgb).shape == (4, 5) and to_grey(rgb).dtype == np.uint8
    assert to_grey(np.ones((3, 3))).max() == 255
    assert to_grey(np.ones((3, 3), bool)).max() == 255
    assert to_grey(np.full((3, 3), 65535, np.uint16)).max() == 255
    assert to_grey(np.full((3, 3), np.nan, np.float32)).max() == 0
    assert to_grey(np.zeros((3, 3, 4), np.uint8)).shape == (3, 3)
    with pytest.raises(ValueError):
        to_grey(np.zeros((2, 2, 2, 2)))


def test_it_downscales_only_large_images_and_reports_the_scale():
    small, s = downscale(np.zeros((100, 200), np.uint8), max_side=400)
    assert s == 1.0 and small.shape == (100, 200)
    big, s = downscale(np.zeros((1000, 4000), np.uint8), max_side=400)
    assert big.shape == (100, 400) and s == pytest.approx(0.1)


def test_it_flattens_a_strong_illumination_gradient():
    img, _ = render_text(paper(200, 600), "123", origin=(50, 120), height=50, thickness=3)
    ramp = np.linspace(1.0, 0.35, 600, dtype=np.float32)[None, :]
    dim = (img * ramp).astype(np.uint8)
    flat = normalize(dim, config=CFG).flat
    paper_px = flat[10:40, :]  # no ink there
    assert paper_px.min() > 200  # paper is uniformly bright after division
    mask = binarize(flat, config=CFG)
    assert mask[:60].max() == 0 and mask[60:130, 40:250].max() == 255


def test_the_paper_spread_measures_the_noise_on_the_paper_not_the_ink():
    rng = np.random.default_rng(3)
    page = np.clip(rng.normal(230, 6, (200, 300)), 0, 255).astype(np.uint8)
    page[95:105, 40:260] = 30  # a stroke of ink (4% of the pixels) barely moves either figure
    hist = histogram_u8(page)
    assert hist_median(hist) == int(np.median(page))
    assert paper_spread(hist) == pytest.approx(6 / 255, rel=0.2)
    assert paper_spread(histogram_u8(np.full((10, 10), 200, np.uint8))) == 0.0
    assert paper_spread(np.zeros(256)) == 0.0


def test_ink_thicker_than_the_background_kernel_is_not_flattened_into_paper():
    img = np.full((500, 660), 232, np.uint8)  # a bold 5 filling the frame, strokes ~100 px
    cv2.line(img, (230, 90), (450, 80), 40, 100)
    cv2.line(img, (230, 90), (215, 250), 40, 100)
    cv2.ellipse(img, (320, 330), (120, 100), 0, -160, 150, 40, 100)
    img = cv2.GaussianBlur(img, (5, 5), 0)
    ink = img < 100

    def lost(config):  # ink pixels the mask calls paper
        return int(np.count_nonzero(ink & (binarize(normalize(img, config=config).flat, config=config) == 0)))

    assert lost(CFG) < 50
    assert lost(replace(CFG, background_ink_ratio=0.0)) > 5000  # one closing: a paper-white hole


def test_a_bold_digits_filled_loop_wider_than_the_kernel_stays_ink_and_a_shadow_as_wide_goes():
    # A bold 6 filling the frame whose loop has filled in: a black disc ~2 kernels wide, more
    # than an ink patch may be; beside it on another page, a shadow of the disc's size.
    six = np.full((500, 660), 232, np.uint8)
    cv2.ellipse(six, (380, 70), (220, 260), 0, 180, 250, 30, 60)
    cv2.circle(six, (330, 330), 105, 30, -1)
    six = cv2.GaussianBlur(six, (5, 5), 0)
    ink = six < 100

    def lost(config):  # ink pixels the mask calls paper
        return int(np.count_nonzero(ink & (binarize(normalize(six, config=config).flat, config=config) == 0)))

    assert lost(CFG) < 0.01 * np.count_nonzero(ink)
    assert lost(replace(CFG, background_black_ratio=0.0)) > 0.3 * np.count_nonzero(ink)  # a paper hole

    img, _ = render_text(paper(500, 660), "386", origin=(60, 120), height=60, thickness=4)
    shaded = img.astype(np.float32)
    shaded[225:435, 225:435] *= 0.45  # a shadow as large, half the paper's light
    shaded = cv2.GaussianBlur(shaded, (0, 0), 3).astype(np.uint8)
    mask = binarize(normalize(shaded, config=CFG).flat, config=CFG)
    assert np.count_nonzero(mask[240:420, 240:420]) < 0.02 * 180 * 180


def test_a_shadow_is_flattened_away_not_taken_for_ink():
    img, _ = render_text(paper(300, 600), "386", origin=(80, 190), height=60, thickness=4)
    shaded = img.astype(np.float32)
    # A shadow band (a pole, a pen) darker than half the paper, wider than the background
    # kernel like a bold stroke, but as long as the page: not ink.
    shaded[:, 330:430] *= 0.45
    shaded = cv2.GaussianBlur(shaded, (0, 0), 3).astype(np.uint8)
    mask = binarize(normalize(shaded, config=CFG).flat, config=CFG)
    assert np.count_nonzero(mask[:, 340:420]) < 0.02 * mask[:, 340:420].size


def test_it_binarizes_blank_noisy_paper_to_nothing():
    rng = np.random.default_rng(0)
    page = np.clip(rng.normal(220, 6, (300, 400)), 0, 255).astype(np.uint8)
    assert not binarize(normalize(page, config=CFG).flat, config=CFG).any()


def test_it_removes_ruled_lines_but_keeps_the_strokes_crossing_them():
    mask = np.zeros((200, 600), np.uint8)
    cv2.line(mask, (0, 100), (599, 100), 255, 2)
    cv2.line(mask, (300, 60), (300, 140), 255, 4)  # a tall "1" crossing the line
    for x in (350, 400, 450):
        cv2.rectangle(mask, (x, 40), (x + 25, 80), 255, 3)  # digits, 40 px tall
    cleaned, lines = remove_lines(mask, config=CFG)
    assert lines[100, 50] == 255 and cleaned[100, 50] == 0
    assert cleaned[60:141, 299:302].all()  # the stroke is whole again
    assert (cleaned[:90, 340:] == mask[:90, 340:]).all()


def test_what_is_left_of_a_dotted_rule_goes_with_it_but_not_a_digits_bar_on_its_course():
    mask = np.zeros((400, 600), np.uint8)
    cv2.line(mask, (60, 0), (60, 180), 255, 2)  # a faint margin line, found whole at the top ...
    for y in range(200, 400, 30):
        cv2.line(mask, (60, y), (60, y + 16), 255, 2)  # ... dotted below (pieces read as 1s)
    for x in (200, 260, 320):
        cv2.rectangle(mask, (x, 240), (x + 25, 280), 255, 3)  # digits
    cv2.line(mask, (0, 300), (350, 300), 255, 2)  # a rule ending before ...
    cv2.line(mask, (400, 300), (425, 300), 255, 2)  # ... a 5's top bar on its course,
    cv2.rectangle(mask, (400, 306), (425, 340), 255, 3)  # cut off 3 px above its body
    cleaned, lines = remove_lines(mask, config=CFG)
    assert not cleaned[190:, 50:70].any() and lines[215, 60] == 255
    assert (cleaned[235:285, 195:350] == mask[235:285, 195:350]).all()
    assert cleaned[300, 400:426].all() and (cleaned[303:, 395:430] == mask[303:, 395:430]).all()
    no_remnants = replace(CFG, line_remnant_px=0, line_course_gap=0)
    assert remove_lines(mask, config=no_remnants)[0][190:, 50:70].any()  # they stayed
    without_gap, _ = remove_lines(mask, config=replace(CFG, line_remnant_gap=0))
    assert not without_gap[300, 400:426].any()  # the gap is what keeps the bar


@pytest.mark.parametrize("tilt", [-18, 5, 12])
def test_it_removes_most_of_a_tilted_faint_grid_but_keeps_the_digits(tilt):
    mask = np.zeros((480, 640), np.uint8)
    for x in (280, 330, 380):
        cv2.rectangle(mask, (x, 200), (x + 28, 250), 255, 3)  # digits, 50 px tall
    grid = np.zeros_like(mask)
    for k in range(-20, 40):  # 30 px squares
        cv2.line(grid, (-400, k * 30), (1200, k * 30), 255, 1)
        cv2.line(grid, (k * 30, -400), (k * 30, 1200), 255, 1)
    grid = cv2.warpAffine(grid, cv2.getRotationMatrix2D((320, 240), -tilt, 1.0), (640, 480), flags=cv2.INTER_NEAREST)
    grid[np.random.default_rng(0).random(grid.shape) < 0.25] = 0  # faint rules binarise broken
    page = cv2.bitwise_or(mask, grid)
    assert ruling_angle(page, config=CFG) == pytest.approx(tilt, abs=1.0)

    def kept(cleaned, part):
        return np.count_nonzero(cv2.bitwise_and(cleaned, part)) / np.count_nonzero(part)

    cleaned, _ = remove_lines(page, config=CFG)
    assert kept(cleaned, grid) < 0.5 and kept(cleaned, mask) > 0.85  # crossings cost a few stroke pixels
    level_only, _ = remove_lines(page, config=replace(CFG, line_tilt_search=False))
    assert kept(level_only, grid) > 0.9  # what the search for the tilt is for


def _dotted_grid(shape: tuple[int, int], *, tilt: float) -> np.ndarray:
    """A 30-px grid turned by ``tilt`` degrees: every fourth line solid, the rest dotted
    (3 px of ink every 10), as a faint grid binarises."""
    h, w = shape
    big = np.zeros((2 * h, 2 * w), np.uint8)
    for k, pos in enumerate(range(0, 2 * max(h, w), 30)):
        if pos < 2 * h:
            cv2.line(big, (0, pos), (2 * w - 1, pos), 255, 1)
        if pos < 2 * w:
            cv2.line(big, (pos, 0), (pos, 2 * h - 1), 255, 1)
        if k % 4:
            if pos < 2 * h:
                big[pos, (np.arange(2 * w) % 10) >= 3] = 0
            if pos < 2 * w:
                big[(np.arange(2 * h) % 10) >= 3, pos] = 0
    turn_it = cv2.getRotationMatrix2D((w, h), -tilt, 1.0)
    turned = cv2.warpAffine(big, turn_it, (2 * w, 2 * h), flags=cv2.INTER_NEAREST)
    return turned[h // 2 : h // 2 + h, w // 2 : w // 2 + w]


@pytest.mark.parametrize(("tilt", "scale"), [(0, 1), (4, 1), (9, 1), (4, 2)])
def test_the_dotted_lines_of_a_grid_go_with_the_lines_found_but_the_digits_stay(tilt, scale):
    # At twice the size the segments are found at half size and scaled back.
    grid = _dotted_grid((480 * scale, 640 * scale), tilt=tilt)
    digits = np.zeros_like(grid)
    for x in (280, 340, 400):
        cv2.rectangle(digits, (x + 6, 200), (x + 30, 245), 255, 3)  # 45 px tall, crossing the grid
    page = cv2.bitwise_or(grid, digits)

    def kept(cleaned, part):
        return np.count_nonzero(cv2.bitwise_and(cleaned, part)) / np.count_nonzero(part)

    cleaned, _ = remove_lines(page, config=CFG)
    assert kept(cleaned, grid) < 0.1 and kept(cleaned, digits) > 0.85
    unfollowed, _ = remove_lines(page, config=replace(CFG, line_course_gap=0))
    assert kept(unfollowed, grid) > 0.3  # the dotted lines stayed without the step


@pytest.mark.parametrize(
    ("text", "height", "thickness"), [("0606060606", 10, 2), ("66050683", 10, 2), ("66050683", 12, 1)]
)
def test_a_row_of_small_printed_digits_is_not_taken_for_a_dotted_rule(text, height, thickness):
    # Straight segments run along a row of printed digits too, at several heights; with a
    # rule elsewhere on the page, a course as wide as the digits took them all.
    page = render_text(paper(200, 640), text, origin=(150, 120), height=height, thickness=thickness)[0]
    mask = np.where(page < 128, 255, 0).astype(np.uint8)
    cv2.line(mask, (0, 30), (639, 30), 255, 2)  # a rule: the step runs
    cleaned, lines = remove_lines(mask, config=CFG)
    assert lines[30, 300] == 255
    assert (cleaned[60:] == mask[60:]).all()
    wide, _ = remove_lines(mask, config=replace(CFG, line_course_px=4))
    assert not (wide[60:] == mask[60:]).all()


def test_a_tall_1_standing_alone_on_a_ruled_page_is_a_stroke_not_a_rule():
    # The straight segments along a tall 1 give a course as thin as a rule's, and the 1
    # lies wholly on it; a rule's course passes through at least two pieces.
    page = render_text(paper(480, 640), "40", origin=(380, 300), height=110, thickness=6)[0]
    mask = np.where(page < 128, 255, 0).astype(np.uint8)  # digits beside it
    for y in (60, 400):
        cv2.line(mask, (0, y), (639, y), 255, 2)  # rules: the step runs
    cv2.line(mask, (320, 180), (320, 300), 255, 2)  # a 1, 120 px tall, 3 px wide
    cleaned, _ = remove_lines(mask, config=CFG)
    assert (cleaned[100:380] == mask[100:380]).all()


def test_a_band_of_segments_along_a_row_of_printed_ones_is_text_not_a_rule():
    page = render_text(paper(200, 640), "1111111", origin=(150, 120), height=12, thickness=2)[0]
    mask = np.where(page < 128, 255, 0).astype(np.uint8)
    cv2.line(mask, (0, 30), (639, 30), 255, 2)
    assert (remove_lines(mask, config=CFG)[0][60:] == mask[60:]).all()
    any_group, _ = remove_lines(mask, config=replace(CFG, line_course_band=99.0, line_course_sep=0.0))
    assert not any_group[60:].any()  # every 1 lay on some segment's course


def test_it_leaves_a_digit_sized_horizontal_stroke_alone():
    mask = np.zeros((200, 600), np.uint8)
    cv2.line(mask, (100, 50), (160, 50), 255, 3)  # top bar of a 7, 60 px
    cleaned, lines = remove_lines(mask, config=CFG)
    assert not lines.any() and (cleaned == mask).all()


def test_a_sparse_component_running_along_the_frame_is_background_but_a_digit_filling_it_is_not():
    mask = np.zeros((480, 640), np.uint8)
    mask[455:, :] = 255  # a strip of desk along the bottom ...
    mask[140:, :3] = mask[140:, -3:] = 255  # ... joined to the paper's dark edges: sparse
    cv2.ellipse(mask, (320, 200), (60, 80), 0, 0, 360, 255, 12)  # a 0 on the page
    blobs, warnings = find_components(mask, config=CFG)
    assert [tuple(int(v) for v in b) for b in blobs.boxes] == [(254, 114, 133, 173)]
    assert any("large dark region" in w for w in warnings)
    kept, _ = find_components(mask, config=replace(CFG, border_min_contact_frac=2.0))
    assert len(kept) == 2  # without the rule the strip stays (too sparse for the density rule)

    filling = np.zeros((480, 640), np.uint8)  # a bold 0 touching all four sides of the frame
    cv2.ellipse(filling, (320, 240), (300, 220), 0, 0, 360, 255, 60)
    blobs, _ = find_components(filling, config=CFG)
    assert len(blobs) == 1


def test_it_merges_a_detached_top_bar_but_not_digits_of_adjacent_rows():
    mask = np.zeros((300, 300), np.uint8)
    cv2.line(mask, (50, 40), (80, 40), 255, 3)  # detached bar
    cv2.rectangle(mask, (50, 50), (80, 100), 255, 3)  # body
    cv2.rectangle(mask, (150, 20), (180, 70), 255, 3)  # row 1
    cv2.rectangle(mask, (150, 80), (180, 130), 255, 3)  # row 2, directly below
    blobs, _ = find_components(mask, config=CFG)
    merged = merge_broken(blobs, config=CFG)
    assert len(blobs) == 4 and len(merged) == 3
    x, y, w, h = merged.boxes[0]
    assert x <= 50 and y <= 40 and x + w >= 80 and y + h >= 100


def test_it_merges_a_faint_digit_broken_in_pieces_of_like_heights_but_not_a_line_of_small_digits():
    # A faint 3 binarises as three arcs, 17-21 px tall, on a page of 61 px digits. None is
    # well under another's height, so only the page's digit height tells they are pieces.
    mask = np.zeros((400, 500), np.uint8)
    for x in (40, 100, 160, 220, 340):
        cv2.rectangle(mask, (x, 100), (x + 40, 160), 255, 3)  # whole digits
    cv2.line(mask, (280, 100), (320, 118), 255, 3)
    cv2.line(mask, (320, 124), (284, 138), 255, 3)
    cv2.line(mask, (284, 144), (320, 160), 255, 3)
    # Small digits (0.55 × the page's height) in two lines written close under each other.
    cv2.rectangle(mask, (60, 250), (80, 282), 255, 3)
    cv2.rectangle(mask, (60, 300), (80, 332), 255, 3)
    blobs, _ = find_components(mask, config=CFG)
    merged = merge_broken(blobs, config=CFG)
    assert len(blobs) == 10 and len(merged) == 8
    (x, y, w, h), *_ = [b for b in merged.boxes if 270 < b[0] < 300]
    assert x <= 280 and y <= 100 and x + w >= 320 and y + h >= 160
    # Without the page's digit height the arcs stay apart.
    assert len(merge_broken(blobs, config=replace(CFG, merge_piece_max_height=0.0))) == 10


def _digit_above_a_row_and_a_rule_remnant_above_a_digit() -> np.ndarray:
    mask = np.zeros((300, 500), np.uint8)
    cv2.rectangle(mask, (60, 20), (100, 70), 255, 3)  # a digit ...
    cv2.rectangle(mask, (40, 78), (240, 178), 255, 3)  # ... just above a 200 px wide row of touching digits
    cv2.line(mask, (300, 40), (420, 40), 255, 3)  # the remnant of a ruled line ...
    cv2.rectangle(mask, (340, 50), (380, 100), 255, 3)  # ... just above a digit
    return mask


def _stroke_reaching_into_a_taller_one() -> np.ndarray:
    mask = np.zeros((300, 300), np.uint8)
    cv2.line(mask, (55, 5), (100, 70), 255, 3)  # a stroke 70 px tall ...
    cv2.line(mask, (78, 162), (120, 62), 255, 3)  # ... reaching into the top of one 105 px tall
    return mask


@pytest.mark.parametrize(
    ("draw", "n_pieces", "without_the_rule"),
    [
        (_digit_above_a_row_and_a_rule_remnant_above_a_digit, 4, {"merge_max_union_aspect": 99.0}),
        (_stroke_reaching_into_a_taller_one, 2, {"merge_max_piece_height": 1.0}),
    ],
)
def test_it_does_not_merge_whole_digits_into_rows_rule_remnants_or_taller_strokes(draw, n_pieces, without_the_rule):
    blobs, _ = find_components(draw(), config=CFG)
    assert len(blobs) == n_pieces
    assert len(merge_broken(blobs, config=CFG)) == n_pieces
    # The rule is what keeps them apart: without it, pairs merge.
    assert len(merge_broken(blobs, config=replace(CFG, **without_the_rule))) == n_pieces // 2


def test_it_removes_a_box_around_a_digit_but_not_a_ring_or_a_shadows_edge():
    mask = np.zeros((240, 600), np.uint8)
    cv2.rectangle(mask, (40, 40), (120, 150), 255, 2)  # a box ...
    cv2.line(mask, (80, 60), (80, 130), 255, 4)  # ... around a 1
    cv2.ellipse(mask, (220, 95), (30, 50), 0, 0, 360, 255, 4)  # a 0 holds nothing
    cv2.rectangle(mask, (330, 20), (360, 200), 255, -1)  # a solid shadow's edge ...
    cv2.rectangle(mask, (330, 190), (580, 200), 255, -1)  # ... an L around ...
    cv2.line(mask, (420, 80), (420, 150), 255, 4)  # ... a 1
    cleaned, frames, _ = remove_frames(mask, config=CFG)
    assert frames[40:152, 40:122].sum() > 0 and not frames[:, 150:].any()
    blobs, _ = find_components(cleaned, config=CFG)
    boxes = {tuple(int(v) for v in b) for b in blobs.boxes}
    before = {tuple(int(v) for v in b) for b in find_components(mask, config=CFG)[0].boxes}
    assert before - boxes == {(39, 39, 83, 113)}  # only the box went: the 1 in it, the 0, the L and its 1 stay


def test_a_bold_stroke_at_45_degrees_is_not_a_box():
    # Levelled, a bold 1 written at 45° is a bar whose every row and column is a "line"
    # as wide as itself: the bound on a box's line width (a quarter of its side) keeps
    # it a solid stroke, however wide the lines it is compared with.
    mask = np.zeros((200, 200), np.uint8)
    cv2.line(mask, (40, 150), (80, 110), 255, 8)
    cv2.line(mask, (110, 150), (150, 110), 255, 8)  # "11"
    frames = remove_frames(mask, config=CFG)
    assert frames.boxes == () and (frames.cleaned == mask).all()
    assert len(remove_frames(mask, config=replace(CFG, frame_line_max_frac=9.0)).boxes) == 2


def test_a_row_of_boxes_whose_lines_binarised_broken_is_removed_and_the_digits_stay():
    mask = np.zeros((360, 600), np.uint8)
    for k in range(3):
        dashed_box(mask, (60 + 90 * k, 60), (140 + 90 * k, 170), value=255)  # light print, binarised broken
        cv2.line(mask, (100 + 90 * k, 85), (100 + 90 * k, 145), 255, 5)  # a bold 1 in each
    n, _, _ = label_components(mask)
    assert n - 1 > 3 * 4 + 3  # each box in many pieces: not one outline
    frames = remove_frames(mask, config=CFG)
    assert len(frames.boxes) >= 1
    assert sum(w for _, _, w, _ in frames.boxes) >= 3 * 80 - 10  # all three boxes
    blobs, _ = find_components(frames.cleaned, config=CFG)
    assert len(blobs) == 3 and all(h > 50 and w <= 8 for _, _, w, h in blobs.boxes)  # the three 1s, whole
    # Without the second look for broken lines, the dashes stay (and read as 1s).
    assert remove_frames(mask, config=replace(CFG, frame_bridge_gap=0.0)).boxes == ()


def test_digits_written_with_a_fine_pen_are_not_taken_for_broken_frames():
    # Thin straight strokes (1s, the bars of 7s, 4s and 5s) are what a broken frame's
    # pieces look like; they must still close a box to be one.
    mask = np.zeros((360, 600), np.uint8)
    for row, text in enumerate(("1471", "5741", "7717")):
        for k, digit in enumerate(text):
            for stroke in HAND_DIGITS[digit]:
                pts = np.round(stroke * 60 + (80 + 50 * k, 40 + 100 * row)).astype(np.int32)
                cv2.polylines(mask, [pts], False, 255, 1)
    _, _, stats = label_components(mask)
    w, h, area = stats[1:, 2], stats[1:, 3], stats[1:, 4]
    length = np.maximum(w, h)
    thin = (np.minimum(w, h) <= CFG.frame_bridge_slope * length) | (area <= CFG.frame_bridge_piece_ink * (w + h))
    assert np.count_nonzero(thin & (length >= CFG.frame_bridge_run * 360)) >= CFG.frame_bridge_min_pieces  # it looks
    frames = remove_frames(mask, config=CFG)
    assert frames.boxes == () and (frames.cleaned == mask).all()


@pytest.mark.parametrize("digit", [2, 5])
def test_a_square_2_or_5_is_not_a_box_but_a_box_beside_it_is(digit):
    # Fused seven-segment 2s and 5s have a vertical stroke at each edge (one in the upper
    # half, one in the lower), a top and a bottom: every line of a box. Their middle bar,
    # with sides that do not stand side by side, keeps them digits.
    from classifiers.ml.segments import SegmentStyle, draw_segment_digit

    fused = SegmentStyle("fused", thickness=0.1, gap=0.0, ends="square", width=0.55)
    mask = np.zeros((320, 320), np.uint8)
    draw_segment_digit(mask, digit, fused, (40, 50), 90)
    mask = np.where(mask > 127, 255, 0).astype(np.uint8)
    cv2.rectangle(mask, (180, 50), (240, 150), 255, 3)  # a box of its size
    frames = remove_frames(mask, config=CFG)
    assert len(frames.boxes) == 1 and frames.boxes[0][0] > 150  # the box alone
    assert (frames.cleaned[:, :150] == mask[:, :150]).all()
    # Without the rule (sides need not stand side by side) the digit is erased as a box.
    assert len(remove_frames(mask, config=replace(CFG, frame_side_overlap=0.0)).boxes) == 2


def test_it_drops_dots_dashes_and_solid_blobs_by_shape():
    mask = np.zeros((200, 400), np.uint8)
    cv2.rectangle(mask, (20, 20), (60, 90), 255, 4)  # digit-like ring
    cv2.rectangle(mask, (100, 50), (160, 58), 255, -1)  # dash
    cv2.circle(mask, (200, 60), 20, 255, -1)  # blob
    blobs, _ = find_components(mask, config=CFG)
    kept = shape_filter(blobs, config=CFG)
    assert len(blobs) == 3 and len(kept) == 1


def _blocky_eight(mask: np.ndarray, x: int, y: int, *, radius: int) -> None:
    """A bold 8 of a square font on ``mask``: a 60 × 90 outline with a middle bar, round corners."""
    t, r = 8, radius
    x0, y0, x1, y1 = x + t // 2, y + t // 2, x + 60 - t // 2, y + 90 - t // 2
    for a, b, c, d in (
        (x0 + r, y0, x1 - r, y0),
        (x0 + r, y1, x1 - r, y1),
        (x0, y0 + r, x0, y1 - r),
        (x1, y0 + r, x1, y1 - r),
        (x0 + r // 2, (y0 + y1) // 2, x1 - r // 2, (y0 + y1) // 2),
    ):
        cv2.line(mask, (a, b), (c, d), 255, t)
    for cx, cy, turn in ((x0 + r, y0 + r, 180), (x1 - r, y0 + r, 270), (x1 - r, y1 - r, 0), (x0 + r, y1 - r, 90)):
        cv2.ellipse(mask, (cx, cy), (r, r), turn, 0, 90, 255, t)


def test_a_row_of_bold_round_cornered_8s_is_not_taken_for_dense_boxes(monkeypatch):
    # Dense, closed by straight runs, a middle bar and full sides: every test of a box a
    # bold digit touches holds but the square corners.
    mask = np.zeros((200, 460), np.uint8)
    for k in range(4):
        _blocky_eight(mask, 40 + 100 * k, 50, radius=10)
    assert remove_frames(mask, config=CFG).boxes == ()
    monkeypatch.setattr("recognizer.vision.binarize._square_corners", lambda *args: True)
    assert len(remove_frames(mask, config=CFG).boxes) == 4


def test_it_groups_boxes_of_two_slanted_lines():
    boxes = []
    for row in range(2):
        for i in range(6):
            x = 40 + i * 35
            y = 100 + row * 80 - i * 35 * np.tan(np.radians(25))
            boxes.append((x, int(y), 25, 40))
    boxes = np.array(boxes)
    assert estimate_slope(boxes, config=CFG) == pytest.approx(-np.tan(np.radians(25)), abs=0.05)
    lines = group_lines(boxes, config=CFG)
    assert lines == [list(range(6)), list(range(6, 12))]


def test_it_joins_a_wide_gap_within_one_line_and_keeps_close_rows_apart():
    boxes = np.array([(10, 10, 20, 30), (35, 10, 20, 30), (200, 12, 20, 30), (10, 45, 20, 30), (35, 45, 20, 30)])
    assert group_lines(boxes, config=CFG) == [[0, 1, 2], [3, 4]]


def test_a_small_piece_between_two_chains_of_a_line_does_not_split_it():
    # A line falling at 18° (the boxes of a `hard` photo): four 30 px digits, a faint digit that
    # binarised as one 10 px piece, and three more digits, the first two small. The piece
    # is too short to link to the digits before it, so the line broke in two there;
    # joined with the digits after it, it is not.
    boxes = np.array(
        [(139, 252, 23, 24), (170, 257, 29, 34), (203, 272, 23, 25), (233, 282, 29, 30)]
        + [(277, 301, 17, 10)]
        + [(315, 314, 22, 12), (359, 325, 16, 17), (383, 327, 39, 33)]
    )
    assert group_lines(boxes, config=CFG) == [list(range(8))]


@pytest.mark.parametrize("rise", [-6, 0, 6])
def test_lines_sharing_a_row_are_read_left_to_right(rise):
    # Two fields of a form on one row, too far apart to be one line; the right one a
    # few px higher or lower, as a hand or a photo leaves them. Below them a second row
    # of three, and a lower line that starts further left than anything above it.
    fields = [(40, 200, 20, 30), (65, 200, 20, 30), (430, 200 + rise, 20, 30), (455, 200 + rise, 20, 30)]
    second = [(300, 260 - rise, 20, 30), (40, 260, 20, 30), (560, 260 + rise, 20, 30)]
    below = [(5, 320, 20, 30), (30, 320, 20, 30), (55, 320, 20, 30)]
    lines = group_lines(np.array(fields + second + below), config=CFG)
    assert lines == [[0, 1], [2, 3], [5], [4], [6], [7, 8, 9]]
    if rise < 0:  # without the row rule the higher field comes first
        assert group_lines(
            np.array(fields + second + below), config=replace(CFG, line_row_tol=0.0, line_row_slant=0.0)
        )[0] == [2, 3]


def test_rows_of_a_slanted_page_are_found_along_its_text_direction():
    # A page turned by 10°: two numbers 400 px apart on one row, the right one 4 px
    # higher along the page than the left, their centres 70 px apart in the image; a
    # second row below. Each number's own fit leans a little off the page's direction.
    slope = np.tan(np.radians(10))
    jitter = (0, 2, -1, 1)
    boxes = [(x, int(300 + slope * x + jitter[i]), 20, 30) for i, x in enumerate(range(40, 140, 25))]
    boxes += [(x, int(296 + slope * x - jitter[i]), 20, 30) for i, x in enumerate(range(440, 540, 25))]
    boxes += [(x, int(380 + slope * x), 20, 30) for x in range(40, 115, 25)]
    assert group_lines(np.array(boxes), config=CFG) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10]]
    # Without the row rule, the higher one comes first.
    assert group_lines(np.array(boxes), config=replace(CFG, line_row_tol=0.0, line_row_slant=0.0))[0] == [4, 5, 6, 7]


def test_rows_are_found_when_short_numbers_misjudge_the_pages_direction():
    # A level page of short handwritten numbers whose digits each step down a little: the
    # page's direction is estimated ~2.7° off, which over the 14 digit widths between two
    # fields of a row moves one by more than half a digit height.
    def number(x, y, n):
        return [(x + 25 * i, y + 1.2 * i, 20, 30) for i in range(n)]

    boxes = np.array(number(40, 200, 3) + number(400, 197, 3) + number(40, 300, 2) + number(400, 298, 3))
    assert estimate_slope(boxes, config=CFG) == pytest.approx(0.048, abs=0.01)
    assert group_lines(boxes, config=CFG) == [[0, 1, 2], [3, 4, 5], [6, 7], [8, 9, 10]]
    assert group_lines(boxes, config=replace(CFG, line_row_slant=0.0)) == [[3, 4, 5], [0, 1, 2], [8, 9, 10], [6, 7]]


def test_a_lone_row_runs_along_its_own_ink_and_other_lines_along_the_page():
    # A row of five touching "digits" (rings) falling 20°, alone on its line: its direction
    # is its own; the two-box line beside it takes the page's (level here).
    row = np.zeros((200, 340), np.uint8)
    for k in range(5):
        cv2.ellipse(row, (60 + 42 * k, 100), (22, 34), 0, 0, 360, 255, 6)
    m = cv2.getRotationMatrix2D((170, 100), -20, 1.0)
    row = cv2.warpAffine(row, m, (340, 200), flags=cv2.INTER_NEAREST)
    assert cv2.connectedComponents(row)[0] - 1 == 1
    axis = row_axis(row, config=CFG)
    assert axis == pytest.approx(20, abs=3)
    solid = cv2.warpAffine(np.pad(np.full((40, 160), 255, np.uint8), 60), m, (280, 160), flags=cv2.INTER_NEAREST)
    assert row_axis(solid, config=CFG) is None  # a solid bar is not a row of digits
    boxes = np.array([(10, 10, 200, 120), (300, 300, 20, 30), (330, 300, 20, 30)])
    assert line_angles(boxes, [[0], [1, 2]], config=CFG, slope=0.0, rows={0: axis}) == [axis, 0.0]
    assert line_angles(boxes, [[0], [1, 2]], config=CFG, slope=0.0) == [0.0, 0.0]


def test_staggered_rows_stay_top_to_bottom():
    # A dense sheet: the upper row's number on the right, the lower row's on the left,
    # 1.4 digit heights apart and 12 digit heights across.
    boxes = np.array([(400 + 25 * i, 200, 20, 30) for i in range(3)] + [(40 + 25 * i, 242, 20, 30) for i in range(3)])
    assert group_lines(boxes, config=CFG) == [[0, 1, 2], [3, 4, 5]]


def test_it_chooses_the_best_scored_cut_sequence():
    mask = np.zeros((40, 60), np.uint8)
    mask[:, :28] = 255
    mask[:, 32:] = 255
    mask[18:22, 28:32] = 255  # thin bridge
    cuts, costs = cut_candidates(mask, ref_height=40, config=CFG)
    assert any(abs(c - 30) <= 2 for c in cuts)
    segs = valid_segments(60, cuts, ref_height=40, config=CFG, allow_whole=False)
    scores = {s: (0.0 if abs(s[1] - 30) <= 2 or abs(s[0] - 30) <= 2 else -3.0) for s in segs}
    _, parts = best_partition(60, cuts, costs, scores, ref_height=40, config=CFG)
    assert len(parts) == 2 and abs(parts[0][1] - 30) <= 2


def test_a_notch_in_the_outline_is_a_cut_though_more_ink_crosses_it():
    # Two hollow rings joined by a solid bridge from row 12 down: the bridge's columns
    # cross more ink than the rings' insides, but the outline dips 12 px there.
    mask = np.zeros((40, 44), np.uint8)
    for x0 in (0, 24):
        mask[:, x0 : x0 + 20] = 255
        mask[4:36, x0 + 4 : x0 + 16] = 0
    mask[12:, 20:24] = 255
    cuts, _ = cut_candidates(mask, ref_height=40, config=CFG)
    assert any(20 <= c <= 24 for c in cuts)
    cuts, _ = cut_candidates(mask, ref_height=40, config=replace(CFG, split_notch_depth=0.0))
    assert not any(18 <= c <= 26 for c in cuts)


def test_no_stretch_between_cuts_is_wider_than_a_piece():
    # A long chain: many shallow valleys at its left end, a thick even band on the right.
    # The cheapest cuts all fall on the left; the band still gets cuts, so the chain
    # has a valid partition.
    mask = np.zeros((40, 150), np.uint8)
    mask[15:25, :60] = 255
    mask[13:27, 0:60:4] = 255
    mask[5:35, 60:] = 255
    cuts, costs = cut_candidates(mask, ref_height=40, config=CFG)
    bounds = [0, *cuts.tolist(), 150]
    assert max(b - a for a, b in itertools.pairwise(bounds)) <= CFG.split_max_piece_width * 40
    assert len(cuts) <= CFG.split_max_cuts
    segs = valid_segments(150, cuts, ref_height=40, config=CFG, allow_whole=False)
    score, parts = best_partition(150, cuts, costs, dict.fromkeys(segs, 0.0), ref_height=40, config=CFG)
    assert score > -np.inf and parts[0][0] == 0 and parts[-1][1] == 150


def test_cut_candidates_of_any_ink_are_sorted_columns_inside_it():
    # Random ink, widths and line heights down to a fraction of a pixel: never an error,
    # cuts strictly inside the component, at most split_max_cuts of them.
    rng = np.random.default_rng(3)
    for _ in range(2000):
        h, w = int(rng.integers(1, 40)), int(rng.integers(1, 200))
        mask = (rng.uniform(size=(h, w)) > rng.uniform(0.2, 0.9)).astype(np.uint8) * 255
        cuts, costs = cut_candidates(mask, ref_height=float(rng.uniform(0.3, 60)), config=CFG)
        assert np.all(np.diff(cuts) > 0) and len(cuts) == len(costs) <= CFG.split_max_cuts
        assert cuts.size == 0 or (cuts[0] > 0 and cuts[-1] < w)


def _partition_by_trying_every_subset(width, cuts, costs, scores, ref_height, summed=None):
    """The definition of the best partition, tried subset by subset (2^C)."""
    summed = summed or {}
    n_est = width / (CFG.split_digit_width * ref_height)
    cost_of = dict(zip(cuts.tolist(), costs.tolist(), strict=True))
    best = None
    for r in range(len(cuts) + 1):
        for subset in itertools.combinations(cuts.tolist(), r):
            bounds = [0, *subset, width]
            segs = list(zip(bounds[:-1], bounds[1:], strict=True))
            if any(s not in scores for s in segs):
                continue
            score = float(np.mean([scores[s] for s in segs])) - CFG.split_count_penalty * abs(len(segs) - n_est)
            score += sum(summed.get(s, 0.0) for s in segs)
            if subset:
                score -= CFG.split_cut_penalty * float(np.mean([cost_of[c] for c in subset]))
            if best is None or score > best[0] + 1e-9:
                best = (score, segs)
    return best if best else (-np.inf, [(0, width)])


def test_the_best_partition_is_the_one_trying_every_cut_subset_finds():
    rng = np.random.default_rng(7)
    for _ in range(500):
        width = int(rng.integers(30, 200))
        cuts = np.unique(rng.integers(1, width, int(rng.integers(0, 9))))
        costs = rng.uniform(0, 0.5, len(cuts))
        bounds = [0, *cuts.tolist(), width]
        scores = {
            s: float(np.log(rng.uniform(0.05, 1))) for s in itertools.combinations(bounds, 2) if rng.uniform() < 0.7
        }
        ref = float(rng.uniform(20, 60))
        expected_score, expected = _partition_by_trying_every_subset(width, cuts, costs, scores, ref)
        score, parts = best_partition(width, cuts, costs, scores, ref_height=ref, config=CFG)
        assert parts == expected and score == pytest.approx(expected_score)
        # With per-piece (summed) scores as the single-digit verifier gives them.
        summed = {s: 0.3 * float(np.log(rng.uniform(1e-3, 1))) for s in scores if rng.uniform() < 0.8}
        expected_score, expected = _partition_by_trying_every_subset(width, cuts, costs, scores, ref, summed)
        score, parts = best_partition(width, cuts, costs, scores, ref_height=ref, config=CFG, summed=summed)
        assert parts == expected and score == pytest.approx(expected_score)


def test_summed_scores_count_once_per_piece_not_averaged():
    """Two pieces the verifier doubts lose to one it trusts, even when the classifier prefers the pair."""
    cuts, costs = np.array([30]), np.array([0.0])
    scores = {(0, 60): -0.5, (0, 30): -0.1, (30, 60): -0.1}
    assert best_partition(60, cuts, costs, scores, ref_height=40, config=CFG)[1] == [(0, 30), (30, 60)]
    summed = {(0, 60): 0.0, (0, 30): -0.6, (30, 60): -0.6}
    assert best_partition(60, cuts, costs, scores, ref_height=40, config=CFG, summed=summed)[1] == [(0, 60)]


def test_config_is_frozen_and_validated():
    with pytest.raises(AttributeError):
        CFG.max_side = 10  # type: ignore[misc]
    with pytest.raises(ValueError):
        SegmentationConfig(min_contrast=0.0)
    with pytest.raises(ValueError, match="frame_bridge_support"):
        SegmentationConfig(frame_bridge_support=1.5)
    with pytest.raises(ValueError, match="frame_bridge_gap"):
        SegmentationConfig(frame_bridge_gap=-0.1)
    with pytest.raises(ValueError, match="line_row_tol"):
        SegmentationConfig(line_row_tol=1.5)
    with pytest.raises(ValueError, match="line_row_slant"):
        SegmentationConfig(line_row_slant=-0.01)


def _two_lines():
    img, _ = render_text(paper(300, 500), "315", origin=(100, 110), height=50, thickness=3)
    img, _ = render_text(img, "4072", origin=(100, 230), height=50, thickness=3)
    mask = binarize(img, config=CFG)
    blobs, _ = find_components(mask, config=CFG)
    lines = group_lines(blobs.boxes, config=CFG)
    assert [len(line) for line in lines] == [3, 4]
    return img, blobs, lines


def test_a_line_on_a_textured_background_is_dropped_when_others_stand_on_plain_paper():
    from recognizer.vision.pipeline import _drop_textured_lines

    img, blobs, lines = _two_lines()
    flat = np.full(img.shape, 250, np.uint8)
    flat[blobs.labels > 0] = 20
    grain = flat.copy()
    grain[40:130][np.random.default_rng(0).random((90, 500)) < 0.5] = 190  # wood grain around "315" only
    grain[blobs.labels > 0] = 20
    none = np.zeros(img.shape, np.uint8)
    kept, dropped = _drop_textured_lines(blobs, lines, grain, none, config=CFG)
    assert kept == [lines[1]] and dropped == 1
    # Plain paper everywhere: both stay. Texture everywhere: nothing to prefer, both stay.
    assert _drop_textured_lines(blobs, lines, flat, none, config=CFG) == (lines, 0)
    everywhere = np.where(blobs.labels > 0, 20, np.where(np.random.default_rng(1).random(img.shape) < 0.5, 190, 250))
    assert _drop_textured_lines(blobs, lines, everywhere.astype(np.uint8), none, config=CFG) == (lines, 0)
    # Removed ruled lines are not texture.
    ruled = np.where(grain == 190, 255, 0).astype(np.uint8)
    assert _drop_textured_lines(blobs, lines, grain, ruled, config=CFG) == (lines, 0)


def test_a_piece_of_a_cut_leaves_out_the_neighbours_stroke_tips_the_cut_left_in_it():
    mask = np.zeros((40, 48), np.uint8)
    cv2.ellipse(mask, (14, 21), (11, 14), 0, 0, 360, 255, 3)  # a "0" in columns 2..26
    zero_top = int(np.flatnonzero(mask.any(axis=1))[0])
    mask[2:5, 28:46] = 255  # the top bar of a "7" beside it, reaching left over the cut ...
    mask[2:36, 42:46] = 255  # ... its stem ...
    mask[33:36, 24:43] = 255  # ... and a stroke joining the two at the bottom: one component
    up = _Upright(mask, (mask > 0).astype(np.float32), None, mask.shape)
    ink, patch, box = _piece_crop(up, 0, 32, sliver_share=0.2)
    kept, _, kept_box = _piece_crop(up, 0, 32, sliver_share=0.0)
    assert zero_top > 4 and kept_box[1] == 2 and box[1] == zero_top  # the bar's tip (rows 2..4) is out
    assert kept - ink == 3 * 4  # 3 rows x columns 28..31
    assert patch.shape == (box[3], box[2]) and patch[:3].max() > 0  # the 0's own top is in
    whole, _, whole_box = _piece_crop(up, 0, 48, sliver_share=0.2)  # not cut: nothing taken out
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    assert whole == np.count_nonzero(mask) and whole_box == (
        cols[0],
        rows[0],
        cols[-1] - cols[0] + 1,
        rows[-1] - rows[0] + 1,
    )
