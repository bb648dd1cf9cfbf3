"""Every threshold of the segmentation pipeline, in one frozen object.

Sizes are relative wherever the scene allows it: to the working image (after the
optional downscale), or to the height of the text line a component belongs to, so
that the same defaults work for 15 px digits on a scan and 500 px digits filling a
photo. The few absolute pixel values are floors below which nothing is readable.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SegmentationConfig:
    """Thresholds for :func:`recognizer.vision.segment` and :func:`~recognizer.vision.recognize`.

    Attributes are grouped by pipeline step; the prefix names the step.
    """

    # --- (a) normalise -------------------------------------------------------------
    #: Longest side of the working image; larger inputs are downscaled (boxes are
    #: mapped back to original pixels).
    max_side: int = 1600
    #: When downscaling leaves the digits lower than this (px), their region is cut
    #: from the original and analysed again with digits about ``zoom_digit_px`` tall
    #: (0 turns this off) ...
    zoom_min_digit_px: float = 28.0
    zoom_digit_px: float = 40.0
    #: ... the region being every line found plus this × the digit height around it.
    zoom_margin: float = 1.5
    #: Images whose shorter side is below this are not analysed (warning instead).
    min_side: int = 8
    #: Side of the reduced copy on which the paper background is estimated.
    background_work_side: int = 256
    #: Closing kernel for the background estimate, as a fraction of the reduced
    #: copy's shorter side: larger than most strokes, smaller than most shadows.
    background_kernel_frac: float = 0.2
    #: Where ink is thicker than that kernel (a bold digit filling the frame) the closing
    #: stays ink-dark, and flattening would punch a paper-white hole in the digit: where
    #: it is darker than this × a closing ``background_wide_factor`` × wider, over a patch
    #: no longer than 1.5 kernels (a shadow is larger), the wider closing is the paper.
    background_ink_ratio: float = 0.5
    background_wide_factor: float = 2.5
    #: A patch black beyond any shadow (its median under this × the wider closing; a cast
    #: shadow leaves paper half its light or more) is ink up to the wider kernel's size:
    #: the filled loop of a bold 6 or 8 filling the frame is wider than 1.5 kernels. 0: off.
    background_black_ratio: float = 0.25
    #: A shadow narrower than the closing kernel (a pen's, a finger's, a phone's edge)
    #: survives the closing and binarises as one blob that swallows the digits it
    #: crosses (:func:`~.normalize.flatten_shadows`). A closing this × the reduced
    #: copy's shorter side (wider than strokes) finds it: where that closing is darker
    #: than the background by ``background_shadow_ratio`` but not ink-dark
    #: (``background_ink_ratio``) ... (0: off)
    background_shadow_frac: float = 0.06
    background_shadow_ratio: float = 0.92
    #: ... over a region reaching the paper's edge, covering at least this share of the
    #: image (shadows are large; slivers of desk or an object's rim along the sheet are not) ...
    background_shadow_min_area: float = 0.025
    #: ... and smooth: at most this share of it is marks 15% darker than the small
    #: closing (paper in shade with writing on it; wood grain and fabric are not).
    background_shadow_max_marks: float = 0.13
    #: Median-filter the image when its estimated noise sigma (grey levels) exceeds this.
    denoise_min_sigma: float = 6.0
    #: Give up (warning, empty result) above this noise sigma: nothing is legible.
    max_noise_sigma: float = 45.0
    #: Invert when the majority of pixels is darker than the Otsu split (light ink on
    #: a dark board).
    auto_invert: bool = True
    #: Sheet detection (photos of paper on a desk) runs on a copy this long.
    sheet_work_side: int = 160
    #: Closing kernel erasing the ink before the sheet is found, × the copy's shorter side.
    sheet_close_frac: float = 0.02
    #: A dark region touching the border and covering this fraction of the frame is desk.
    sheet_min_desk_frac: float = 0.01
    #: ... unless the paper left is below this fraction of the frame (then no sheet)...
    sheet_min_area_frac: float = 0.15
    #: ... and its median brightness is at most this × the paper's next to it (else shade;
    #: but a shadow cast across the page joins the desk it falls from: where the rest of
    #: the region is smooth by ``sheet_wedge_texture``, its part this dark is desk).
    sheet_max_desk_ratio: float = 0.5
    #: The sheet is shrunk by this × the shorter side so its edge never reads as ink.
    sheet_margin_frac: float = 0.015
    #: A light object against the sheet makes its convex outline take in desk: a desk region
    #: inside the outline of at least ``sheet_wedge_min_frac`` × the copy whose median
    #: absolute Laplacian is at least ``sheet_wedge_texture`` × its median brightness is
    #: grain, and is left out of the sheet (a shadow on the page is smooth; 0: off, and no
    #: region counts as smooth shade either).
    sheet_wedge_min_frac: float = 0.005
    sheet_wedge_texture: float = 0.4
    #: The paper and ink levels come from the sheet's convex outline shrunk by a further
    #: this × the shorter side: a sliver of dark desk inside it would set the ink level
    #: (0: off).
    sheet_stats_margin_frac: float = 0.04
    #: ... and without the solid dark regions reaching that shrunk outline's rim, filling at
    #: least ``levels_rim_min_fill`` of their box and ``levels_rim_min_area`` of it: desk
    #: it takes in beyond the margin (a page's ruling reaches the rim too, but is sparse).
    levels_rim_min_fill: float = 0.3
    levels_rim_min_area: float = 0.005

    # --- (b) binarise ----------------------------------------------------------------
    #: Ink is at least this fraction darker than its local background (caps Otsu).
    min_contrast: float = 0.12
    #: The threshold sits at this fraction of (paper + ink level): 0.5 = halfway.
    ink_split: float = 0.5
    #: ... and at least this many noise sigmas darker (noise left after denoising).
    noise_contrast: float = 5.0
    #: An ink blob filling this much of its box, this many times thicker than the
    #: median blob, whose median is at least this × the paper level (lighter than pen
    #: ink), is a shadow the flattening left in: it is thresholded again on its own.
    shadow_min_density: float = 0.6
    shadow_min_thickness: float = 4.0
    shadow_min_level: float = 0.5
    #: Lower clamp of the Otsu threshold on the flattened image (fraction of paper).
    min_threshold: float = 0.35
    #: Minimal length of a horizontal/vertical run that may belong to a ruled line,
    #: as a fraction of the image side along the run (and ``line_min_run_px``).
    line_run_frac: float = 0.04
    line_min_run_px: int = 15
    #: Faint rules binarise as dotted lines: gaps up to this many px are closed first.
    line_max_dot_gap: int = 5
    #: A ruled/grid line spans at least this fraction of the image side.
    line_min_length_frac: float = 0.15
    #: ... and its length / thickness ratio is at least this.
    line_min_aspect: float = 20.0
    #: ... and it is at most this fraction of the other image side thick...
    line_max_thickness_frac: float = 0.02
    #: ... and it is this many times longer than the median height of the other ink.
    line_min_text_ratio: float = 3.0
    #: Look for ruled lines tilted off the axes (photos of paper held askew) ...
    line_tilt_search: bool = True
    #: ... and remove them in a levelled copy when tilted by more than this (degrees).
    line_max_tilt: float = 2.0
    #: What is left of a found line where it binarised dotted (a faint margin line, a
    #: grid) goes too: ink lying wholly within this many px of the line run on across
    #: the image (0 turns this off) ...
    line_remnant_px: int = 2
    #: ... unless it lies within this many px of other ink (a digit's stroke the line
    #: cut off: its top bar on the rule).
    line_remnant_gap: int = 4
    #: Where rules were found, the courses of the ruling's other lines come from
    #: straight segments through the ink with gaps up to this many px (0 turns this off) ...
    line_course_gap: int = 8
    #: ... running within this many degrees of the ruling or its perpendicular; segments
    #: this many px apart at most are one group, a rule when at most this thick and
    #: this far from the next group (a text row gives a band of them).
    line_course_tol: float = 3.0
    line_course_merge: float = 4.0
    line_course_band: float = 8.0
    line_course_sep: float = 10.0
    #: A rule's course is the line fitted through its group, this many px either side.
    line_course_px: int = 2

    # --- (c) candidate components ------------------------------------------------------
    #: Components smaller than this (pixels of ink) are specks.
    min_area_px: int = 12
    #: Components lower than this are specks (after downscaling).
    min_height_px: int = 7
    #: Keep at most this many components (largest first) — bounds time on noise.
    max_candidates: int = 1500
    #: Ink density (area / box area) below this is a sparse scribble / noise web.
    min_density: float = 0.06
    #: A squat blob (height/width below ``blob_max_tall_aspect``) denser than this...
    blob_min_density: float = 0.74
    blob_max_tall_aspect: float = 1.6
    #: ... without a hole, whose ink fills more than this of its convex hull, is a dot/smudge.
    blob_min_solidity: float = 0.9
    #: Width/height above this with density above ``dash_min_density``: a dash/underline.
    dash_min_wide_aspect: float = 2.0
    dash_min_density: float = 0.75
    #: A thin straight stroke (long / short axis at least this, filling at least this
    #: much of its moment rectangle) lying within this many degrees of the text
    #: direction is a dash, underline or piece of a ruled line. The fill keeps a long
    #: row of touching digits, as elongated but mostly paper.
    stroke_min_elongation: float = 5.0
    stroke_min_fill: float = 0.75
    stroke_max_text_angle: float = 35.0
    #: Height/width above which a component is a stray stroke rather than a "1".
    max_tall_aspect: float = 25.0
    #: Components touching the image border, larger than this fraction of the image
    #: (either side) and denser than ``border_min_density``: background beyond the paper.
    border_max_size_frac: float = 0.5
    border_min_density: float = 0.45
    #: A component as large that runs along a side of the frame for this fraction of it is
    #: background too, however sparse (a strip of desk joined to the paper's edges; a
    #: digit filling the frame meets it only where a stroke is cut off). Above 1: off.
    border_min_contact_frac: float = 0.5
    #: Any component whose box covers more than this fraction of the image area and is
    #: denser than ``border_min_density`` is background/shadow.
    max_box_area_frac: float = 0.85
    #: Within a line: components lower than this × line height are dots, commas, dashes.
    min_rel_height: float = 0.5
    #: Within a line: components taller than this × line height are rules/strays.
    max_rel_height: float = 2.0
    #: A lone component (a line of its own) taller than this × the digits of the nearest
    #: line of several is a stray stroke, shadow or edge, not a one-digit line.
    single_max_rel_height: float = 1.5

    #: A component is a form's frame (a box around each digit, a field with dividers)
    #: when its straight runs spanning this share of its height (vertical) or of its
    #: width or height (horizontal) close a box (0 turns frame removal off) ...
    frame_min_span: float = 0.8
    #: ... and hold at least this share of its ink (the rest: digits touching it).
    frame_min_share: float = 0.4
    #: ... and, where a line crosses its middle (this band of its height: a square 5 or 2 of a
    #: display), its left and right sides run side by side along this share of its height.
    frame_middle: tuple[float, float] = (0.3, 0.7)
    frame_side_overlap: float = 0.5
    #: A frame's lines may step sideways by this × its height (slant, perspective).
    frame_slant_tolerance: float = 0.04
    #: A row of boxes (two or more inner dividers) has lines up to this × its median line
    #: width: neighbouring boxes' sides run together into dividers twice as bold as the outline.
    frame_divider_width: float = 2.5
    #: A lone box's lines may swell up to this × their median width (blurred or smudged
    #: print; 0: only the fixed bound) ...
    frame_line_width: float = 2.0
    #: ... but a part thicker than this × the box's shorter side is solid (a bold stroke).
    frame_line_max_frac: float = 0.25
    #: A frame candidate's ink covers at most this share of its box (an outline) ...
    frame_max_density: float = 0.35
    #: ... or this share when it is at least twice as wide as tall: a row of boxes or a
    #: comb, with bold digits touching its lines.
    frame_row_max_density: float = 0.55
    #: ... and a box up to this share of ink (a bold digit touching it) when it sits in a
    #: row with a box of its size (± 20%) already found (a lone dense "box" may be a 0).
    frame_box_max_density: float = 0.6
    #: ... or, with no box found beside it, in a row with another like it whose four corners
    #: are all square and inked (a printed 0 or 8 has round corners; off when False).
    frame_square_corners: bool = True
    #: Most components examined as frames (the largest outlines; bounds time on noise).
    frame_max_candidates: int = 40
    #: Frames whose light or thin printed lines binarised broken (each piece its own
    #: component) are looked for again (``binarize._broken_frames``) when this many thin
    #: pieces are left ...
    frame_bridge_min_pieces: int = 4
    #: ... at least this × the image's shorter side long ...
    frame_bridge_run: float = 0.02
    #: ... straight (level or upright: the short side under this × the long one, ± 14°) or
    #: with ink at most this × their box's width + height (a line or corner a few px wide):
    frame_bridge_slope: float = 0.25
    frame_bridge_piece_ink: float = 2.0
    #: Only ink up to this × the pieces' median width is searched (bolder strokes are a
    #: digit's) for lines joined across gaps up to ``frame_bridge_gap`` × the shorter side
    #: (0 turns the search off), kept where this share of each is ink (not a row of digits
    #: crossed at one height) ...
    frame_bridge_stroke: float = 2.0
    frame_bridge_gap: float = 0.03
    frame_bridge_support: float = 0.75

    # --- (d) repair: merge broken digits -------------------------------------------------
    #: Pieces overlapping in x by at least this × the narrower width may merge...
    merge_min_x_overlap: float = 0.5
    #: ... when their vertical gap is at most this × the taller piece's height...
    merge_max_gap: float = 0.4
    #: ... and the merged box is at most this × the taller piece's height...
    merge_max_union_height: float = 1.6
    #: ... and they are stacked: vertical overlap at most this × the lower height
    #: (side-by-side italic digits overlap in x too, but not this way).
    merge_max_y_overlap: float = 0.35
    #: ... and the shorter piece is at most this × the taller one's height (a bar or a
    #: broken-off stroke, not a whole digit stacked on a row of touching digits) ...
    merge_max_piece_height: float = 0.6
    #: ... and the merged box is at most this × as wide as it is tall (a digit; not a
    #: ruled line's remnant, a dash or clutter absorbing the digits it touches).
    merge_max_union_aspect: float = 1.0
    #: Stacked pieces each at most this × the page's digit height (a faint digit broken in
    #: pieces of like heights) merge while the merged box is at most ``merge_piece_max_union``
    #: × that height, whatever their heights beside each other (0: not at all).
    merge_piece_max_height: float = 0.7
    merge_piece_max_union: float = 1.2

    # --- (d) repair: seven-segment displays (components.join_segments) ------------------
    #: Join the pieces of a display's digits at all.
    segment_join: bool = True
    #: A display segment is a component this elongated (long / short axis of its second
    #: moments) or more ...
    segment_min_elongation: float = 1.7
    #: ... filling at least this share of the rectangle with the same moments ...
    segment_min_fill: float = 0.7
    #: ... lying within this many degrees of horizontal or vertical (displays lean ~6°).
    segment_max_tilt: float = 25.0
    #: A display leans at most this much (x shift per pixel up; italic displays lean ~0.1):
    #: a steeper median of its upright bars' axes is taken as upright.
    segment_max_lean: float = 0.3
    #: Segments of a row keep within this factor of its median thickness ...
    segment_thickness_ratio: float = 1.7
    #: ... and a segment joins the row above when its top lies within this × its
    #: thickness of the row's bottom (the upper and lower half of a digit are one row) ...
    segment_band_gap: float = 1.8
    #: ... and sideways within this × the longer segment's length.
    segment_band_reach: float = 3.0
    #: A row of segments takes in the other pieces (fused segments) within a digit's
    #: height of it, a digit being at least this × its upright segments tall ...
    segment_digit_bars: float = 2.2
    #: ... and within this many digit heights of it either side.
    segment_row_digits: float = 10.0
    #: A row with more pieces than this is not examined (a display row of 12 digits has
    #: at most 84 segments; a page of specks has thousands).
    segment_max_pieces: int = 150
    #: Two pieces stacked like a 0's halves (it has no middle segment) start a row too:
    #: overlapping across this share of the wider one's width ...
    segment_half_overlap: float = 0.6
    #: ... the narrower at least this share of the wider one's width ...
    segment_half_width: float = 0.75
    #: ... each this share of their union's height (lowest, highest).
    segment_half_share: tuple[float, float] = (0.3, 0.7)
    #: Projected along the display's lean, segments whose spans come within this ×
    #: their thickness are of one digit cell (square-ended level segments stop short of
    #: the upright ones).
    segment_cell_gap: float = 0.6
    #: A digit cell is at least this × its row's vertical segments tall (both halves) ...
    segment_min_cell_height: float = 1.6
    #: ... and at most as wide as this × its height ...
    segment_max_cell_aspect: float = 1.0
    #: ... it lies within the span of the row's digits, ± this × their height ...
    segment_cell_height_tol: float = 0.2
    #: ... or, when more, this × the segments' thickness (reference digits may lack a top
    #: or bottom segment: a row of 4s and 1s beside a 7 or an 8).
    segment_cell_bar_tol: float = 2.0
    #: ... and is at least this × as tall as they are (a 1 has no level segments).
    segment_min_cell_share: float = 0.65
    #: Segments are joined only in a row of at least this many such cells (a digit whose
    #: segments touch counts).
    segment_min_cells: int = 2

    #: Pieces the shape and line rules drop (a detached bar, a stroke broken off) are
    #: offered to the nearest kept candidate when at most this × its ink ...
    attach_pieces: bool = True
    attach_max_area: float = 0.6
    #: ... and this × the line height tall, within this × line height of it ...
    attach_max_height: float = 0.8
    attach_max_gap: float = 0.3
    #: ... and the union stays digit-sized (× line height) ...
    attach_max_union_width: float = 1.3
    attach_max_union_height: float = 1.5
    #: ... and the classifier is surer with them than without: its top probability's
    #: log-odds gain at least this much (odds, not probability: 0.966 → 0.999 is a 30 ×
    #: smaller doubt, though 0.03 more probability).
    attach_min_log_odds: float = 0.5

    # --- (d) repair: split touching digits -----------------------------------------------
    #: A component wider than this × its line height is a split candidate.
    split_min_width: float = 1.2
    #: Wider than this × line height it cannot be a single digit (must split).
    split_max_single_width: float = 1.8
    #: Width of a typical digit / line height (estimates the number of digits).
    split_digit_width: float = 0.62
    #: A piece of a split is between these × line height wide.
    split_min_piece_width: float = 0.15
    split_max_piece_width: float = 1.1
    #: Most candidate cut columns considered per split component (at most 2 per digit
    #: its width suggests, plus one).
    split_max_cuts: int = 24
    #: Notches of a component's outline are candidate cuts too (a touching pair's outline
    #: dips where they meet): the deepest point within this × line height on each side ...
    split_notch_reach: float = 0.3
    #: ... at least this × line height deeper than the outline on both sides. Notches come
    #: on top of the cheapest columns, up to ``split_max_cuts`` cuts in all. 0: no notches.
    split_notch_depth: float = 0.12
    #: Score penalty per piece away from the width-based estimate of the digit count.
    split_count_penalty: float = 0.12
    #: Pieces narrower than this × line height are only plausible as a "1"...
    split_narrow_width: float = 0.4
    #: ... otherwise their score drops by this much.
    split_narrow_penalty: float = 1.0
    #: Score penalty per unit of ink crossed by a cut (column ink / line height).
    split_cut_penalty: float = 2.0
    #: A piece of a cut component loses the bits of its neighbour's strokes the cut left
    #: in it: parts touching the cut with under this share of the piece's ink.
    split_sliver_share: float = 0.2
    #: A split candidate whose ink leans (its moments' shear ``mu11 / mu02``, x per y) by
    #: more than this is also cut sheared upright: a column cannot pass between two
    #: slanted digits that overlap, a cut of the sheared ink can (0 turns it off) ...
    split_deslant_min: float = 0.15
    #: ... sheared by at most this much ...
    split_deslant_max: float = 0.4
    #: ... and that cut is taken when its partition scores at least this much more than
    #: the upright one's (a pick of the better of two scores favours splitting a wide
    #: single digit a little, which this margin pays for).
    split_deslant_margin: float = 0.25
    #: Split at most this many components per image (the rest is kept whole).
    split_max_components: int = 60
    #: With a single-digit verifier (``recognize(verify=…)``): each piece's score gains this ×
    #: log P(one whole digit), summed over the pieces ...
    verify_weight: float = 0.3
    #: ... narrower components are split candidates (pairs of narrow digits are ~1 × the height) ...
    verified_split_min_width: float = 1.0
    #: ... and cuts through more ink are allowed (the verifier rejects a digit cut in half) ...
    verified_cut_penalty: float = 1.0
    #: ... and two neighbours of a line, each too narrow to split, are also read as one
    #: digit (a 4 drawn in two strokes, a 6 whose loop broke off its stem) when together
    #: they are at most this × the line's height wide and this × it apart; the split's
    #: score decides between one digit and two.
    verified_merge_max_width: float = 1.1
    verified_merge_max_gap: float = 0.05
    #: A component only the verifier makes a split candidate (between the two widths above)
    #: is kept whole, untried, when the verifier takes it for one digit at least this surely.
    verify_keep_whole: float = 0.5

    # --- (e) lines ----------------------------------------------------------------------
    #: Largest horizontal gap between neighbours in a line, × the taller height.
    line_max_gap: float = 1.6
    #: Largest vertical deviation from the line direction, × the taller height.
    line_max_dy: float = 0.55
    #: Neighbours in a line differ in height by at most this factor.
    line_min_height_ratio: float = 0.4
    #: A line whose ink is lighter than this × the darkest line's (depth below paper) is
    #: a shadow edge or show-through, not writing (0 turns the rule off). With a
    #: classifier, the darkest line it reads with confidence (``min_line_confidence``).
    line_min_rel_depth: float = 0.55
    #: A line whose surroundings are darker than paper in more than this share of the
    #: pixels stands on a textured background (desk, fabric), when other lines do not
    #: (1 turns the rule off).
    line_max_textured: float = 0.35
    #: Lines whose every component reaches this band (× shorter side) along the frame or the
    #: sheet's outline are objects and paper edges, when other lines are not (0 turns this
    #: and the two rules below off).
    edge_band_frac: float = 0.01
    #: A component within this many px of ink that continues beyond the sheet's outline,
    #: in a region of at least ``sheet_cut_min_frac`` × the image's area, is cut by the
    #: outline (a shadow from beyond, desk, the paper's edge; a digit near the edge leaves
    #: a sliver beyond at most): a line of them goes, and so does one alone at a line's end.
    sheet_outline_px: int = 2
    sheet_cut_min_frac: float = 0.003
    #: Largest absolute slant of a text line, degrees.
    line_max_angle: float = 40.0
    #: A line of one component whose ink is at least this elongated (long / short axis of
    #: its second moments; a row of three or more touching digits) runs along the long side
    #: of the smallest rectangle around its ink, not the page's direction: alone, it has no
    #: neighbours to measure one by. 0: off.
    line_lone_min_elongation: float = 2.5
    #: Collinear chains further apart than this (× height) stay separate lines.
    line_join_gap: float = 6.0
    #: Separate lines whose heights along the text direction differ by at most this ×
    #: the smaller one's digit height, and which do not overlap horizontally, share a
    #: row: they are read left to right (two fields of a form side by side), not in the
    #: order noise in their heights would give.
    line_row_tol: float = 0.5
    #: ... plus this × their horizontal distance: the page's direction, estimated from a
    #: few short handwritten numbers, is off by up to ~2° (tan 2° ≈ 0.035).
    line_row_slant: float = 0.035
    #: Printed words (a form's labels) are dropped before the line rules, with the
    #: verifier's letter perceptron (``letters.printed_words``): a line is cut into words
    #: where two neighbours are more than this × the smaller one's height apart ...
    letter_word_gap: float = 0.35
    #: ... and a word goes when at least two and at least half of its components are
    #: letters at least this surely ...
    letter_min_p: float = 0.7
    #: ... or, a word of one or two components, when one is a letter this surely (a ``Q``
    #: and a touching ``ty``; the ``P`` of ``Phone`` left alone; above 1 turns this off) ...
    letter_pair_p: float = 0.9
    #: ... and that word is at most this × as tall as the nearest word beside it that
    #: stays (a lone component: the word after it, with nothing before it that stays but
    #: such lone letters).
    letter_pair_max_height: float = 0.85
    #: A component narrower than this × its word's height is never a letter (a handwritten 1).
    letter_min_width: float = 0.4

    #: Components of a line slanted by at least this many degrees are turned upright
    #: (by the line's angle) before they are split and classified.
    deslant_min_angle: float = 4.0

    # --- (f) classification ---------------------------------------------------------------
    #: The ink strength of a classifier crop is raised to this power before the crop is
    #: scaled. Blur, JPEG and resampling give a photographed or scanned stroke wider soft
    #: edges than the MNIST digits the classifiers learn from: squaring the strength thins
    #: those edges back while the stroke's core stays at full ink (1 turns it off). The
    #: verifier sees the strength as it is.
    crop_ink_gamma: float = 2.0
    #: A line of at most ``line_gate_max_digits`` digits is dropped when the single-digit
    #: verifier gives each of them P(one whole digit) below this and the classifier is
    #: below ``line_gate_max_confidence`` on each: the ends of shadows, specks and pieces
    #: of a grid, which a page with no writing offers no line to judge against (0 turns
    #: it off; needs the verifier). Without the confidence bound, a verifier trained with
    #: another seed dropped two lone, very bold digits filling the frame.
    line_min_one_digit: float = 0.05
    line_gate_max_digits: int = 2
    line_gate_max_confidence: float = 0.95
    #: Digits whose best probability is below this are rejected as non-digits.
    min_confidence: float = 0.2
    #: A text line whose digits' mean confidence is below this is dropped whole when
    #: another line is above it: clutter, shadow edges and object outlines read as a
    #: few doubtful "digits" beside the real text.
    min_line_confidence: float = 0.7
    #: How many alternatives (after the best label) a digit keeps.
    n_alternatives: int = 2
    #: A kept digit read with less confidence than this is read again turned by each
    #: of ``second_look_turns`` degrees, and its label, confidence and alternatives come
    #: from the mean of all the readings (test-time augmentation; 0 turns it off). The
    #: classifiers learn digits turned up to 12° (the default augmentation), and a
    #: doubtful one — a 9 with an open top, a 7 with a bar — often reads surely a little
    #: more upright or slanted. Which regions and lines are kept is still decided on the
    #: first reading: averaging lowers a doubtful clutter line's confidence as often as
    #: it raises a digit's.
    second_look_below: float = 0.95
    second_look_turns: tuple[float, ...] = (-12.0, -8.0, 8.0, 12.0)
    #: ... unless the verifier gave it P(one whole digit) below this: turning a piece
    #: of a touching pair or a fragment only reshuffles its guesses.
    second_look_min_one_digit: float = 0.5
    #: Read a column of one- or two-digit lines again turned a quarter each way (a
    #: page scanned sideways) and keep the better reading.
    try_quarter_turns: bool = True
    #: ... when the turned reading's mean confidence is at least this much higher.
    turn_min_gain: float = 0.1

    def __post_init__(self) -> None:
        if self.max_side < 32:
            raise ValueError("max_side must be at least 32")
        if not 0.0 < self.min_contrast < 1.0:
            raise ValueError("min_contrast must be in (0, 1)")
        if self.sheet_outline_px < 0:
            raise ValueError("sheet_outline_px must be at least 0")
        if not 0 < self.sheet_cut_min_frac <= 1:
            raise ValueError("sheet_cut_min_frac must be in (0, 1]")
        if not 0.0 < self.background_shadow_ratio <= 1.0:
            raise ValueError("background_shadow_ratio must be in (0, 1]")
        if not 0.0 <= self.background_black_ratio < 1.0:
            raise ValueError("background_black_ratio must be in [0, 1)")
        if not 0.0 <= self.second_look_below <= 1.0:
            raise ValueError("second_look_below must be in [0, 1]")
        if any(not -35.0 <= t <= 35.0 for t in self.second_look_turns):
            raise ValueError("second_look_turns must be angles in [-35, 35] degrees (the crop's frame)")
        if min(self.frame_bridge_gap, self.frame_bridge_run, self.frame_bridge_stroke, self.frame_bridge_piece_ink) < 0:
            raise ValueError("frame_bridge_gap, _run, _stroke and _piece_ink must be at least 0")
        if not 0.0 <= self.levels_rim_min_fill <= 1.0 or self.levels_rim_min_area < 0:
            raise ValueError("levels_rim_min_fill must be in [0, 1] and levels_rim_min_area at least 0")
        if min(self.merge_piece_max_height, self.merge_piece_max_union) < 0:
            raise ValueError("merge_piece_max_height and merge_piece_max_union must be at least 0 (0: no such merges)")
        if not 0.0 <= self.frame_bridge_support <= 1.0:
            raise ValueError("frame_bridge_support must be in [0, 1]")
        if not 0.0 <= self.line_row_tol <= 1.0:
            raise ValueError("line_row_tol must be in [0, 1] (rows of a page are further apart)")
        if not 0.0 <= self.line_row_slant <= 0.1:
            raise ValueError("line_row_slant must be in [0, 0.1] (about 6°)")
        if not 0.0 <= self.letter_word_gap <= 1.0:
            raise ValueError("letter_word_gap must be in [0, 1] (a word's letters are close)")
        if not 0.0 < self.letter_min_p <= 1.0 or self.letter_pair_p < self.letter_min_p:
            raise ValueError("letter_min_p must be in (0, 1] and letter_pair_p at least letter_min_p")
        if self.letter_pair_max_height < 0:
            raise ValueError("letter_pair_max_height must be at least 0")
        if not 0.0 <= self.letter_min_width <= 2.0:
            raise ValueError("letter_min_width must be in [0, 2]")
        if self.crop_ink_gamma <= 0:
            raise ValueError("crop_ink_gamma must be positive")
        if not 0.0 <= self.split_deslant_min <= self.split_deslant_max <= 1.0:
            raise ValueError("split_deslant_min and split_deslant_max must satisfy 0 <= min <= max <= 1")
        if self.split_notch_reach <= 0 or self.split_notch_depth < 0:
            raise ValueError("split_notch_reach must be positive and split_notch_depth at least 0")
        if not 0 <= self.split_max_cuts <= 64:
            raise ValueError("split_max_cuts must be in 0 .. 64")
