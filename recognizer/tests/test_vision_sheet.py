"""Photos of a sheet on a desk: the desk is ignored, faint pencil on the sheet is read."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from recognizer.vision import SegmentationConfig, segment
from recognizer.vision.binarize import binarize, binarize_labelled
from recognizer.vision.normalize import normalize
from recognizer.vision.sheet import find_sheet
from recognizer.vision.synthetic import render_text

SHEET = (90, 60, 560, 430)  # x0, y0, x1, y1 of the paper in a 640×480 photo


def desk_photo(*, ink: int = 25, seed: int = 0, text: str = "40725") -> tuple[np.ndarray, list]:
    """A light sheet on a dark streaky desk with a dark strip along one side."""
    rng = np.random.default_rng(seed)
    streaks = rng.normal(0, 14, (480 // 4, 640 // 64)).astype(np.float32)
    desk = 70 + cv2.resize(streaks, (640, 480), interpolation=cv2.INTER_CUBIC)
    desk[:, :40] = 25  # a dark object (phone, mug) along the left edge
    img = np.clip(desk, 0, 255).astype(np.uint8)
    x0, y0, x1, y1 = SHEET
    img[y0:y1, x0:x1] = 228
    img, boxes = render_text(img, text, origin=(170, 270), height=48, thickness=3, ink=ink)
    noise = rng.normal(0, 3, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8), boxes


def inside_sheet(box) -> bool:
    x, y, w, h = box
    x0, y0, x1, y1 = SHEET
    return x >= x0 and y >= y0 and x + w <= x1 and y + h <= y1


def test_it_finds_the_sheet_and_shrinks_it_off_the_paper_edge():
    img, _ = desk_photo()
    cfg = SegmentationConfig()
    found = find_sheet(normalize(img, config=cfg).grey, config=cfg)
    assert found is not None
    sheet = found.mask
    np.testing.assert_array_equal(found.outline, sheet)  # no light object beside it: nothing left out
    ys, xs = np.nonzero(sheet)
    x0, y0, x1, y1 = SHEET
    assert xs.min() > x0 and ys.min() > y0 and xs.max() < x1 and ys.max() < y1
    assert (sheet > 0).mean() > 0.8 * (x1 - x0) * (y1 - y0) / sheet.size


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_it_ignores_the_textured_desk_and_dark_strip_around_the_sheet(seed):
    img, truth = desk_photo(seed=seed)
    seg = segment(img)
    assert all(inside_sheet(b) for b in seg.boxes), seg.boxes
    assert len(seg.boxes) == len(truth)
    assert any("sheet" in w for w in seg.warnings)


def test_a_scan_without_desk_has_no_sheet():
    img = np.full((480, 640), 235, np.uint8)
    img, _ = render_text(img, "123", origin=(100, 200), height=40)
    cfg = SegmentationConfig()
    assert find_sheet(normalize(img, config=cfg).grey, config=cfg) is None


def test_a_shadow_on_the_page_is_not_desk():
    img = np.full((480, 640), 232, np.uint8)
    img[:, :260] = 150  # soft shade over the left part of the page (ratio 0.65)
    img = cv2.GaussianBlur(img, (0, 0), 15)
    img, truth = render_text(img, "386", origin=(120, 250), height=48, thickness=3)
    seg = segment(img)
    assert len(seg.boxes) == len(truth)


def test_faint_pencil_on_a_photo_is_thresholded_against_the_paper_not_the_desk():
    img, truth = desk_photo(ink=165)  # contrast ≈ 0.28 of the paper, like light pencil
    cfg = SegmentationConfig()
    norm = normalize(img, config=cfg)
    sheet = find_sheet(norm.grey, config=cfg)
    mask = binarize(norm.flat, config=cfg, region=sheet.mask)
    for x, y, w, h in truth:
        assert np.count_nonzero(mask[y : y + h, x : x + w]) > 0.1 * w * h
    assert len(segment(img).boxes) == len(truth)


def test_a_sliver_of_dark_desk_inside_the_sheets_outline_does_not_set_the_ink_level():
    # The sheet is found on a small copy; where a dark object meets the paper its
    # outline can take in a strip of desk. That strip is far darker than pencil and,
    # counted as ink, it would pull the threshold below the pencil.
    flat = np.full((480, 640), 245, np.uint8)
    flat, truth = render_text(flat, "40725", origin=(170, 270), height=48, thickness=3, ink=190)
    region = np.zeros_like(flat)
    region[40:440, 60:600] = 255
    flat[40:440, 60:72] = 40  # the strip, 12 px wide along the outline's left side
    cfg = SegmentationConfig()

    def pencil_found(config):
        mask = binarize(flat, config=config, region=region)
        return all(np.count_nonzero(mask[y : y + h, x : x + w]) > 0.1 * w * h for x, y, w, h in truth)

    assert pencil_found(cfg)
    # Without the margin, nor the rule for solid desk at the rim, the strip sets the level.
    assert pencil_found(dataclasses.replace(cfg, sheet_stats_margin_frac=0.0))
    assert not pencil_found(dataclasses.replace(cfg, sheet_stats_margin_frac=0.0, levels_rim_min_area=2.0))
    # The crops' ink strength is measured from the same paper level.
    assert binarize_labelled(flat, config=cfg, region=region).paper == 245


def test_desk_the_outline_takes_in_beyond_the_margin_does_not_set_the_ink_level():
    # Where the sheet lies askew at the frame's edge its outline can take in a wedge of
    # desk wider than the margin the levels are taken inside. Darker than any ink and a
    # large share of the "clearly darker than paper" pixels, it pulled the threshold below
    # the pencil and the whole number went.
    flat = np.full((480, 640), 245, np.uint8)
    flat, truth = render_text(flat, "0623", origin=(170, 200), height=40, thickness=2, ink=185)
    region = np.zeros_like(flat)
    region[20:460, 20:620] = 255
    cv2.fillPoly(flat, [np.array([[20, 460], [620, 460], [620, 380]], np.int32)], 70)  # the wedge
    cv2.line(flat, (40, 120), (600, 120), 205, 2)  # a ruled line reaching the rim: sparse, it stays
    cfg = SegmentationConfig()

    def pencil_found(config):
        mask = binarize(flat, config=config, region=region)
        return all(np.count_nonzero(mask[y : y + h, x : x + w]) > 0.1 * w * h for x, y, w, h in truth)

    assert pencil_found(cfg)
    assert not pencil_found(dataclasses.replace(cfg, levels_rim_min_area=2.0))


def test_the_levels_can_come_from_the_outline_where_the_mask_leaves_desk_out():
    flat = np.full((480, 640), 245, np.uint8)
    flat, truth = render_text(flat, "40725", origin=(170, 270), height=48, thickness=3, ink=150)
    outline = np.zeros_like(flat)
    outline[40:440, 60:600] = 255
    flat[40:440, 60:160] = 40  # dark desk the outline takes in, 100 px wide
    mask = outline.copy()
    mask[:, :160] = 0
    # Solid desk at the outline's rim is left out of the levels (see above): not here,
    # where the levels are to differ with the region they come from.
    cfg = SegmentationConfig(levels_rim_min_area=2.0)
    from_outline = binarize(flat, config=cfg, region=outline)
    by_outline = binarize_labelled(flat, config=cfg, region=mask, levels_region=outline).mask
    np.testing.assert_array_equal(by_outline, cv2.bitwise_and(from_outline, mask))
    assert not np.array_equal(by_outline, binarize(flat, config=cfg, region=mask))  # other levels, other mask


def test_a_sheet_too_narrow_to_shrink_gives_its_levels_whole():
    # A strip of paper (a receipt, a label) narrower than twice the margin has no
    # "inside" to measure: its levels come from the whole strip, and its digits are read.
    flat = np.full((480, 640), 60, np.uint8)
    flat[200:240, 40:600] = 240
    flat, truth = render_text(flat, "40725", origin=(200, 232), height=24, thickness=2, ink=120)
    region = np.zeros_like(flat)
    region[202:238, 42:598] = 255  # 36 px: shrunk by 4% of 480 px on each side, nothing is left
    mask = binarize(flat, config=SegmentationConfig(), region=region)
    assert all(np.count_nonzero(mask[y : y + h, x : x + w]) > 0.1 * w * h for x, y, w, h in truth)
    assert not mask[region == 0].any()


def _shadow_from_beyond_the_sheet(img: np.ndarray) -> np.ndarray:
    """A soft bar of shade (a pen or a phone beyond the top edge) falling onto the sheet."""
    shade = np.ones(img.shape, np.float32)
    shade[:200, 300:345] = 0.55
    shade = cv2.GaussianBlur(shade, (0, 0), 4)
    return np.clip(img * shade, 0, 255).astype(np.uint8)


def test_a_shadow_cast_across_the_sheets_edge_on_an_empty_sheet_is_not_read():
    empty, _ = desk_photo(text="")
    img = _shadow_from_beyond_the_sheet(empty)
    assert segment(img).boxes == []
    # It is the outline rule that drops it: with the edge zone off, the shade is a "digit".
    assert segment(img, config=SegmentationConfig(edge_band_frac=0)).boxes != []


def test_a_lone_number_near_the_sheets_edge_is_read():
    img, truth = desk_photo(text="")
    img, truth = render_text(img, "7", origin=(505, 140), height=48, thickness=3)  # 25 px from the paper's edge
    (box,) = segment(_shadow_from_beyond_the_sheet(img)).boxes  # the shade moves the threshold a little
    assert np.abs(np.subtract(box, truth[0])).max() <= 2


def test_a_shadow_at_the_sheets_edge_beside_the_writing_is_not_read_with_it():
    img, truth = desk_photo(text="")
    img, truth = render_text(img, "407", origin=(420, 270), height=48, thickness=3)
    shade = np.ones(img.shape, np.float32)
    shade[228:272, 535:600] = 0.5  # a shadow's end reaching onto the sheet just after the number
    img = np.clip(img * cv2.GaussianBlur(shade, (0, 0), 2), 0, 255).astype(np.uint8)
    seg = segment(img)
    assert len(seg.boxes) == len(truth) and all(inside_sheet(b) for b in seg.boxes), seg.boxes
    assert any("beside the writing" in w for w in seg.warnings)
    # With the edge zone off, the shade joins the line as one more "digit".
    assert len(segment(img, config=SegmentationConfig(edge_band_frac=0)).boxes) == len(truth) + 1


def test_a_number_written_to_the_very_edge_of_a_small_sheet_is_read():
    # A sticky note: the digits come within a few px of the paper's edge, inside the
    # margin the sheet is shrunk by, so the outline cuts a sliver off them. Only ink that
    # goes on beyond the outline over a large region (a shadow, desk) marks a cut.
    img = np.clip(np.random.default_rng(0).normal(60, 8, (480, 640)), 0, 255).astype(np.uint8)
    img[150:370, 250:470] = 225
    img, truth = render_text(img, "7", origin=(373, 366), height=150, thickness=12)
    x, y, w, h = truth[0]
    assert 470 - (x + w) <= 6 and 370 - (y + h) <= 6  # within 6 px of the right and bottom edges
    assert len(segment(img).boxes) == 1
    assert segment(img, config=SegmentationConfig(sheet_cut_min_frac=1e-6)).boxes == []


def _light_disc_against_the_sheet(img: np.ndarray) -> np.ndarray:
    """A light round object (a mug's rim, a coaster) lying on the desk against the sheet's top-right corner."""
    out = img.copy()
    cv2.circle(out, (610, 30), 75, 205, -1)
    return out


WEDGE = (300, 25, 520, 50)  # x0, y0, x1, y1: desk between the sheet's top edge and the disc


def test_grainy_desk_the_outline_takes_in_beside_a_light_object_is_left_out():
    img = _light_disc_against_the_sheet(desk_photo(text="")[0])
    cfg = SegmentationConfig()
    norm = normalize(img, config=cfg)
    found = find_sheet(norm.grey, config=cfg)
    x0, y0, x1, y1 = WEDGE
    # The convex outline of the paper and the disc spans the desk between them; the mask does not.
    assert (found.outline[y0:y1, x0:x1] > 0).mean() > 0.5
    assert not found.mask[y0:y1, x0:x1].any()
    assert (found.mask[100:400, 120:520] > 0).all()
    # The levels still come from the outline: the ink found on the sheet is the same.
    on_mask = binarize_labelled(norm.flat, config=cfg, region=found.mask, levels_region=found.outline).mask
    on_outline = binarize_labelled(norm.flat, config=cfg, region=found.outline).mask
    np.testing.assert_array_equal(on_mask, cv2.bitwise_and(on_outline, found.mask))
    assert on_outline[y0:y1, x0:x1].any()  # the grain the outline took in binarises as "ink"
    off = find_sheet(norm.grey, config=dataclasses.replace(cfg, sheet_wedge_texture=0))
    np.testing.assert_array_equal(off.mask, off.outline)


def grain_photo(seed: int, text: str = "") -> tuple[np.ndarray, list]:
    """The sheet on a desk of coarse grain running towards it, with the light disc against its corner."""
    rng = np.random.default_rng(seed)
    grain = rng.normal(0, 25, (480 // 64, 640 // 5)).astype(np.float32)
    img = np.clip(70 + cv2.resize(grain, (640, 480), interpolation=cv2.INTER_CUBIC), 0, 255).astype(np.uint8)
    x0, y0, x1, y1 = SHEET
    img[y0:y1, x0:x1] = 228
    img, truth = render_text(_light_disc_against_the_sheet(img), text, origin=(170, 270), height=48, thickness=3)
    return np.clip(img + rng.normal(0, 3, img.shape), 0, 255).astype(np.uint8), truth


@pytest.mark.parametrize("seed", [1, 3])
def test_grain_the_outline_takes_in_beside_a_light_object_is_not_read(seed):
    empty, _ = grain_photo(seed)
    assert segment(empty).boxes == []
    off = SegmentationConfig(sheet_wedge_texture=0)
    assert segment(empty, config=off).boxes  # taken in, the grain reads as a row of "digits"
    img, truth = grain_photo(seed, "2951")
    seg = segment(img)
    assert len(seg.boxes) == len(truth) and all(inside_sheet(b) for b in seg.boxes), seg.boxes


@pytest.mark.parametrize("seed", [0, 1])
def test_a_slanted_sheet_alone_on_a_grainy_desk_keeps_its_outline(seed):
    # The outline is drawn from a small copy: along a slanted edge it takes in slivers
    # of desk a pixel of that copy wide. They are too small to be cut out as grain.
    img = np.clip(np.random.default_rng(seed).normal(70, 20, (480, 640)), 0, 255).astype(np.uint8)
    cv2.fillPoly(img, [np.array([[120, 50], [560, 90], [520, 440], [80, 400]], np.int32)], 228)
    cfg = SegmentationConfig()
    found = find_sheet(normalize(img, config=cfg).grey, config=cfg)
    np.testing.assert_array_equal(found.mask, found.outline)
    slivers = dataclasses.replace(cfg, sheet_wedge_min_frac=0.0)
    found = find_sheet(normalize(img, config=slivers).grey, config=slivers)
    assert np.count_nonzero(found.mask != found.outline) > 500


def test_a_deep_smooth_shadow_the_outline_takes_in_stays_on_the_sheet():
    # A shadow over half the page, reaching the frame's edge and darker than half the
    # paper, passes for desk to the brightness split; the outline takes it back in, and
    # being smooth it is not cut out as grain: the number written in it is read.
    rng = np.random.default_rng(0)
    img = np.full((480, 640), 226, np.float32)
    img[:, 600:] = 60 + rng.normal(0, 25, (480, 40))  # grainy desk along the right edge
    shade = np.ones(img.shape, np.float32)
    shade[40:320, :280] = 0.42
    img = img * cv2.GaussianBlur(shade, (0, 0), 3)
    img, truth = render_text(np.clip(img, 0, 255).astype(np.uint8), "386", origin=(60, 220), height=48, thickness=3)
    img = np.clip(img + rng.normal(0, 3, img.shape), 0, 255).astype(np.uint8)
    cfg = SegmentationConfig()
    found = find_sheet(normalize(img, config=cfg).grey, config=cfg)
    assert found is not None and (found.mask[120:260, 60:260] > 0).all()
    assert len(segment(img).boxes) == len(truth)
    # Taken for grain (any texture), the shadow would go with the digits in it.
    grainy = dataclasses.replace(cfg, sheet_wedge_texture=1e-6)
    assert not find_sheet(normalize(img, config=grainy).grey, config=grainy).mask[120:260, 60:260].any()


def _page_filling_the_frame(rest: str) -> np.ndarray:
    """A page filling most of the frame in a strip of desk, and from the desk on the right
    ``rest`` over the page's lower right: a smooth cast shadow, or lighter, grainy desk.
    Either joins the strip into one dark region, as a whole lighter than half the paper."""
    rng = np.random.default_rng(0)
    img = 80 + rng.normal(0, 20, (480, 640))  # the desk
    img[40:470, 30:610] = 226
    if rest == "shadow":
        shade = np.ones(img.shape)
        shade[200:, 330:] = 0.55  # the page in it 124, more than half its 226
        img = img * cv2.GaussianBlur(shade, (0, 0), 3)
    else:
        grain = rng.normal(0, 50, (60, 60)).astype(np.float32)
        img[200:, 330:] = 110 + cv2.resize(grain, (310, 280), interpolation=cv2.INTER_CUBIC)
    return np.clip(img + rng.normal(0, 3, img.shape), 0, 255).astype(np.uint8)


def test_the_desk_a_shadow_falls_from_is_desk_and_the_shadow_stays_on_the_sheet():
    cfg = SegmentationConfig()
    found = find_sheet(normalize(_page_filling_the_frame("shadow"), config=cfg).grey, config=cfg)
    assert found is not None
    assert not found.mask[:35].any() and not found.mask[:, 615:].any()  # the desk, above and right
    assert (found.mask[250:450, 380:590] > 0).all()  # the page in shadow
    assert (found.mask[60:190, 60:580] > 0).all()
    # A lighter desk joined to the strip is grainy, not shade: no desk is split off it, and
    # with nothing dark enough to be desk as a whole, the frame is read whole.
    grainy = normalize(_page_filling_the_frame("desk"), config=cfg).grey
    assert find_sheet(grainy, config=cfg) is None
    assert find_sheet(grainy, config=dataclasses.replace(cfg, sheet_wedge_texture=1e9)) is not None
