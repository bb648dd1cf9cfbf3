import io

import numpy as np
import pytest
from PIL import Image

from digitsite import intake
from digitsite.intake import IntakeError, Limits
from digitsite.testing import animated_gif, image_bytes, oriented_jpeg

LIMITS = Limits(max_bytes=1_000_000, max_pixels=1_000_000, min_side=8)


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [
        ("JPEG", "image/jpeg"),
        ("PNG", "image/png"),
        ("WEBP", "image/webp"),
        ("BMP", "image/bmp"),
        ("TIFF", "image/tiff"),
        ("GIF", "image/gif"),
    ],
)
def test_it_accepts_each_supported_format(fmt, mime):
    data = image_bytes(fmt, size=(64, 48))
    image = intake.read_image(data, limits=LIMITS)
    assert (image.format, image.mime_type) == (fmt, mime)
    assert (image.width, image.height) == (64, 48)
    assert image.array.dtype == np.uint8
    assert image.array.shape == (48, 64, 3)
    assert image.sha256 == __import__("hashlib").sha256(data).hexdigest()


def test_grey_images_come_out_two_dimensional():
    image = intake.read_image(image_bytes("PNG", mode="L"), limits=LIMITS)
    assert image.array.shape == (48, 64)
    assert int(image.array[0, 0]) == 128


@pytest.mark.parametrize(
    ("data", "code", "status"),
    [
        (b"", "empty", 400),
        (b"this is plainly not an image, just some text bytes", "unsupported_format", 415),
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>', "unsupported_format", 415),
        (b"<!doctype html><html><body><img src=x onerror=alert(1)></body></html>", "unsupported_format", 415),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\n", "unsupported_format", 415),
    ],
    ids=["zero-bytes", "text", "svg-named-png", "html-named-png", "pdf"],
)
def test_it_rejects_non_images_by_content(data, code, status):
    with pytest.raises(IntakeError) as err:
        intake.read_image(data, limits=LIMITS)
    assert (err.value.code, err.value.status) == (code, status)
    assert err.value.message


def test_the_unsupported_message_names_what_is_accepted():
    with pytest.raises(IntakeError, match="JPEG.*PNG"):
        intake.read_image(b"GIF87 nope", limits=LIMITS)


def test_it_rejects_a_truncated_jpeg():
    data = image_bytes("JPEG", size=(200, 200))
    with pytest.raises(IntakeError) as err:
        intake.read_image(data[: len(data) // 2], limits=LIMITS)
    assert err.value.code == "corrupt"
    assert err.value.status == 400


def test_it_rejects_more_bytes_than_the_limit_with_413_naming_it():
    data = image_bytes("BMP", size=(300, 300))  # ~270 KB uncompressed
    with pytest.raises(IntakeError) as err:
        intake.read_image(data, limits=Limits(max_bytes=100 * 1024, max_pixels=10**7, min_side=1))
    assert err.value.status == 413
    assert "100.0 KB" in err.value.message


def test_it_rejects_too_many_pixels_before_decoding():
    data = image_bytes("PNG", size=(2000, 1000), mode="L")
    with pytest.raises(IntakeError) as err:
        intake.read_image(data, limits=Limits(max_bytes=10**7, max_pixels=1_000_000, min_side=1))
    assert err.value.status == 413
    assert "1,000,000" in err.value.message


def test_a_decompression_bomb_is_refused_not_decoded():
    # A 20000×20000 PNG of zeros compresses to a few hundred KB: a classic bomb.
    buf = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buf, format="PNG", optimize=True)
    with pytest.raises(IntakeError) as err:
        intake.read_image(buf.getvalue(), limits=Limits(max_bytes=10**7, max_pixels=40_000_000, min_side=1))
    assert err.value.code == "too_many_pixels"
    assert "40,000,000" in err.value.message


def test_pillows_own_bomb_error_becomes_a_clear_intake_error(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(IntakeError) as err:
        intake.read_image(image_bytes("PNG", size=(64, 64)), limits=LIMITS)
    assert err.value.code == "too_many_pixels"
    assert err.value.status == 413


def test_it_rejects_images_smaller_than_the_minimum_side():
    with pytest.raises(IntakeError) as err:
        intake.read_image(image_bytes("PNG", size=(4, 40)), limits=LIMITS)
    assert err.value.code == "too_small"
    assert "at least 8" in err.value.message


def test_an_animated_gif_keeps_its_first_frame():
    image = intake.read_image(animated_gif(), limits=LIMITS)
    red, green, blue = image.array[5, 5]
    assert red > 200 and green < 50 and blue < 50


@pytest.mark.parametrize(("orientation", "dark_side"), [(6, "top"), (8, "bottom"), (3, "right")])
def test_an_exif_rotated_photo_comes_out_upright(orientation, dark_side):
    image = intake.read_image(oriented_jpeg(orientation), limits=Limits(10**6, 10**6, 1))
    grey = image.array.mean(axis=2)
    if orientation in (6, 8):
        assert (image.width, image.height) == (20, 40)
        top, bottom = grey[:20].mean(), grey[20:].mean()
        assert (top < bottom) == (dark_side == "top")
    else:
        assert (image.width, image.height) == (40, 20)
        assert grey[:, 20:].mean() < grey[:, :20].mean()


def test_a_16_bit_png_is_scaled_to_8_bit():
    image = intake.read_image(image_bytes("PNG", size=(64, 32), mode="I;16"), limits=LIMITS)
    assert image.array.dtype == np.uint8
    assert image.array.ndim == 2
    assert image.array.min() <= 1 and image.array.max() >= 254


def test_a_cmyk_jpeg_becomes_rgb():
    data = image_bytes("JPEG", mode="CMYK", color=(0, 255, 255, 0))  # pure red in CMYK
    image = intake.read_image(data, limits=LIMITS)
    assert image.array.shape == (48, 64, 3)
    red, green, blue = image.array[10, 10].astype(int)
    assert red > 200 and green < 60 and blue < 60


def test_transparency_is_flattened_onto_white_paper():
    data = image_bytes("PNG", mode="RGBA", color=(0, 0, 0, 0))
    image = intake.read_image(data, limits=LIMITS)
    assert image.array.min() == 255


def test_read_file_stops_reading_past_the_limit():
    class Endless(io.RawIOBase):
        def readable(self):
            return True

        def read(self, n=-1):
            assert n != -1, "intake must never read an upload without a bound"
            return b"\xff" * n

    with pytest.raises(IntakeError) as err:
        intake.read_file(Endless(), limits=Limits(max_bytes=1000, max_pixels=10, min_side=1))
    assert err.value.status == 413


def test_limits_come_from_settings(settings):
    settings.INTAKE_MAX_BYTES = 123
    settings.INTAKE_MAX_PIXELS = 456
    settings.INTAKE_MIN_SIDE = 7
    limits = Limits.from_settings()
    assert (limits.max_bytes, limits.max_pixels, limits.min_side) == (123, 456, 7)
    assert limits.allow_loopback is False
