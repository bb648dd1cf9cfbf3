"""Labelled multi-digit benchmark images (framework-free, deterministic from a seed).

    bank = DigitBank.from_mnist("../shared/data/mnist", held_out_indices)
    image, text = make_sample(np.random.default_rng(0), "photo", bank)

See :mod:`benchmarks.synth.tiers` for what each tier contains.
"""

from .bank import DigitBank, available_fonts, digit_keys, load_mnist, printed_glyph, read_idx, split_indices, write_idx
from .display import DISPLAY_KINDS, make_display
from .fields import make_fields
from .tiers import TIERS, Sample, make_blank, make_dense, make_note, make_sample, render_sample

__all__ = [
    "DISPLAY_KINDS",
    "TIERS",
    "DigitBank",
    "Sample",
    "available_fonts",
    "digit_keys",
    "load_mnist",
    "make_blank",
    "make_dense",
    "make_display",
    "make_fields",
    "make_note",
    "make_sample",
    "printed_glyph",
    "read_idx",
    "render_sample",
    "split_indices",
    "write_idx",
]
