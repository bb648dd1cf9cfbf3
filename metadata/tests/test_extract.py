"""Tests for :mod:`metadata.extract`; every image is generated in memory."""

from __future__ import annotations

import io
import json

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms, ImageOps
from PIL.TiffImagePlugin import IFDRational

from metadata.extract import (
    BLUR_THRESHOLD,
    EXTRACTOR_VERSION,
    MetadataError,
    extract_metadata,
    hamming,
    strip_metadata,
)

# --- image factories ---------------------------------------------------------------------------


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def scene(seed: int = 0, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A photo-like RGB image: gradient background, random filled circles, mild noise."""
    width, height = size
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    img = np.stack([xx * 255 // width, yy * 255 // height, np.full_like(xx, 128)], axis=-1).astype(np.uint8)
    for _ in range(8):
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        cv2.circle(img, centre, int(rng.integers(10, width // 4)), colour, -1)
    return Image.fromarray(cv2.add(img, rng.integers(0, 6, img.shape, dtype=np.uint8)))


def camera_exif(*, orientation: int = 1, gps: dict[int, object] | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "EOS R6"  # Model
    exif[0x0112] = orientation
    exif[0x0131] = "darktable 4.6"  # Software
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    sub[0x9003] = "2024:05:06 07:08:09"  # DateTimeOriginal
    sub[0x9004] = "2024:05:06 07:08:10"  # DateTimeDigitized
    sub[0x829A] = IFDRational(1, 250)  # ExposureTime
    sub[0x829D] = IFDRational(28, 10)  # FNumber
    sub[0x8827] = 400  # ISO
    sub[0x920A] = IFDRational(50, 1)  # FocalLength
    sub[0xA434] = "RF 50mm F1.8 STM"  # LensModel
    if gps is not None:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(gps)
    return exif


def dumps(result: dict) -> str:
    return json.dumps(result, allow_nan=False)  # raises on anything not strictly JSON


# --- file group ----------------------------------------------------------------------------------


def test_file_group_of_plain_jpeg():
    data = encode(scene(), "JPEG", quality=90)
    result = extract_metadata(data)
    file = result["file"]
    assert result["version"] == EXTRACTOR_VERSION
    assert (file["format"], file["mime"], file["width"], file["height"]) == ("JPEG", "image/jpeg", 320, 240)
    assert file["size_bytes"] == len(data)
    assert (file["mode"], file["bit_depth"], file["frames"], file["animated"]) == ("RGB", 8, 1, False)
    assert len(file["sha256"]) == 64
    assert all(len(h) == 16 for h in file["hashes"].values())
    assert result["camera"] is None and result["location"] is None and result["errors"] == []
    dumps(result)


def test_dpi_and_icc_profile():
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    file = extract_metadata(encode(scene(), "PNG", icc_profile=icc, dpi=(300, 300)))["file"]
    assert file["icc_profile"] is True
    assert "sRGB" in file["icc_description"]
    assert file["dpi"] == pytest.approx([300, 300], abs=0.1)
    assert extract_metadata(encode(scene(), "PNG"))["file"]["icc_profile"] is False


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_animation_frame_count(fmt):
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "green", "blue")]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    result = extract_metadata(data)
    assert result["file"]["frames"] == 3 and result["file"]["animated"] is True
    top = result["content"]["dominant_colours"][0]  # first frame only: all red
    assert top["share"] > 0.9 and top["rgb"][0] > 200 and max(top["rgb"][1:]) < 60
    dumps(result)


def test_16_bit_png_bit_depth():
    grey16 = Image.fromarray((np.arange(64 * 48, dtype=np.uint16).reshape(48, 64) * 20).astype(np.uint16))
    result = extract_metadata(encode(grey16, "PNG"))
    assert result["file"]["bit_depth"] == 16 and result["file"]["mode"].startswith("I")
    assert 0 < result["content"]["brightness"] < 255
    ok, rgb16 = cv2.imencode(".png", np.full((20, 30, 3), 40000, dtype=np.uint16))
    assert ok
    result = extract_metadata(rgb16.tobytes())
    assert result["file"]["bit_depth"] == 16
    assert result["content"]["brightness"] == pytest.approx(40000 / 257, abs=1.5)


def test_cmyk_jpeg():
    cmyk = Image.new("CMYK", (64, 48), (0, 255, 255, 0))  # pure red in naive CMYK
    result = extract_metadata(encode(cmyk, "JPEG", quality=95))
    assert result["file"]["mode"] == "CMYK"
    red = result["content"]["dominant_colours"][0]["rgb"]
    assert red[0] > 200 and red[1] < 50 and red[2] < 50
    dumps(result)


MODES = ["RGB", "RGBA", "P", "L", "LA", "I;16", "CMYK", "1"]
FORMATS = {"PNG": {"RGB", "RGBA", "P", "L", "LA", "I;16", "1"}, "TIFF": set(MODES), "BMP": {"RGB", "P", "L", "1"}}
FORMATS |= {"WEBP": {"RGB", "RGBA"}, "GIF": {"P", "L"}, "JPEG": {"RGB", "L", "CMYK"}}


@pytest.mark.parametrize(("fmt", "mode"), [(f, m) for f, modes in FORMATS.items() for m in sorted(modes)])
def test_modes_and_formats(fmt, mode):
    image = scene(size=(64, 48))
    image = image.quantize(16) if mode == "P" else image.convert(mode)
    result = extract_metadata(encode(image, fmt))
    assert result["errors"] == []
    assert result["file"]["format"] == fmt
    content = result["content"]
    assert content["analysed_size"] == [64, 48]
    assert sum(c["share"] for c in content["dominant_colours"]) == pytest.approx(1, abs=0.01)
    assert sum(sum(counts) for counts in content["histogram"].values()) % (64 * 48) == 0
    dumps(result)


@pytest.mark.parametrize(("fmt", "mode"), [(f, m) for f, modes in FORMATS.items() for m in sorted(modes)])
def test_strip_round_trips_every_mode_and_format(fmt, mode):
    image = scene(size=(64, 48))
    image = image.quantize(16) if mode == "P" else image.convert(mode)
    original = encode(image, fmt)
    reopened = Image.open(io.BytesIO(strip_metadata(original)))
    assert (reopened.format, reopened.size) == (fmt, (64, 48))
    before = np.asarray(Image.open(io.BytesIO(original)).convert("RGB"), np.int16)
    assert np.abs(np.asarray(reopened.convert("RGB"), np.int16) - before).mean() < 4  # lossy formats: close


def test_not_an_image_raises():
    with pytest.raises(MetadataError):
        extract_metadata(b"definitely not an image")


def test_truncated_jpeg_reports_instead_of_crashing():
    data = encode(scene(), "JPEG")
    result = extract_metadata(data[: len(data) // 2])
    assert result["file"]["width"] == 320
    assert result["content"] is None or result["content"]["analysed_size"] == [320, 240]
    dumps(result)


# --- camera / location ---------------------------------------------------------------------------


def test_camera_exif_fields():
    camera = extract_metadata(encode(scene(), "JPEG", exif=camera_exif(orientation=3)))["camera"]
    assert (camera["make"], camera["model"], camera["lens_model"]) == ("Canon", "EOS R6", "RF 50mm F1.8 STM")
    assert camera["datetime_original"] == "2024:05:06 07:08:09"
    assert camera["datetime_digitized"] == "2024:05:06 07:08:10"
    assert camera["orientation"] == 3 and camera["software"] == "darktable 4.6"
    assert camera["shutter_speed"] == "1/250" and camera["exposure_time"] == pytest.approx(0.004)
    assert (camera["f_number"], camera["iso"], camera["focal_length"]) == (2.8, 400, 50.0)
    assert camera["tags"]["Make"] == "Canon"


def test_orientation_is_applied_to_content():
    result = extract_metadata(encode(scene(), "JPEG", exif=camera_exif(orientation=6)))
    assert result["file"]["width"] == 320  # stored size
    assert result["content"]["analysed_size"] == [240, 320]  # upright size


@pytest.mark.parametrize(
    ("lat_ref", "lat", "lon_ref", "lon", "alt_ref"),
    [("N", (52, 30, 0), "E", (13, 24, 36.5), 0), ("S", (33, 51, 54.0), "W", (151, 12, 36.0), 1)],
)
def test_gps_to_decimal_degrees(lat_ref, lat, lon_ref, lon, alt_ref):
    gps = {
        1: lat_ref,
        2: tuple(float(v) for v in lat),
        3: lon_ref,
        4: tuple(float(v) for v in lon),
        5: bytes([alt_ref]),
        6: IFDRational(345, 10),
        7: (12.0, 34.0, 56.0),
        29: "2024:05:06",
    }
    location = extract_metadata(encode(scene(), "JPEG", exif=camera_exif(gps=gps)))["location"]
    expected_lat = (lat[0] + lat[1] / 60 + lat[2] / 3600) * (-1 if lat_ref == "S" else 1)
    expected_lon = (lon[0] + lon[1] / 60 + lon[2] / 3600) * (-1 if lon_ref == "W" else 1)
    assert location["latitude"] == pytest.approx(expected_lat, abs=1e-6)
    assert location["longitude"] == pytest.approx(expected_lon, abs=1e-6)
    assert location["altitude"] == pytest.approx(34.5 * (-1 if alt_ref else 1))
    assert location["timestamp"] == "2024-05-06T12:34:56.000Z"


def test_known_gps_example_52_30_north():
    gps = {1: "N", 2: (52.0, 30.0, 0.0), 3: "E", 4: (13.0, 0.0, 0.0)}
    location = extract_metadata(encode(scene(), "JPEG", exif=camera_exif(gps=gps)))["location"]
    assert (location["latitude"], location["longitude"], location["altitude"]) == (52.5, 13.0, None)


def test_odd_exif_values_do_not_crash():
    exif = camera_exif(gps={1: "N", 2: (IFDRational(0, 0), 1.0, 2.0), 3: "X", 4: (200.0, 0.0, 0.0)})
    exif[0x010E] = "caption\x00\x00"  # ImageDescription with NULs
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    sub[0x829A] = IFDRational(0, 0)  # ExposureTime 0/0
    sub[0x9286] = b"\xff\xfe\x00binary"  # UserComment that is not text
    sub[0x927C] = b"\x00" * 2000  # MakerNote blob
    result = extract_metadata(encode(scene(), "PNG", exif=exif))
    assert result["location"] is None
    assert result["camera"]["exposure_time"] is None and result["camera"]["shutter_speed"] is None
    assert result["camera"]["tags"]["ImageDescription"] == "caption"
    assert "MakerNote" not in result["camera"]["tags"]
    dumps(result)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")
@pytest.mark.filterwarnings("ignore:Metadata Warning:UserWarning")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=st.binary(max_size=300), tiff_header=st.sampled_from([b"", b"II*\x00\x08\x00\x00\x00", b"MM\x00*"]))
def test_corrupt_exif_never_crashes(payload, tiff_header):
    data = encode(Image.new("RGB", (16, 12), "white"), "JPEG", exif=b"Exif\x00\x00" + tiff_header + payload)
    result = extract_metadata(data)
    assert result["file"]["width"] == 16
    dumps(result)


# --- content -------------------------------------------------------------------------------------


def test_dominant_colours_match_areas():
    img = np.zeros((100, 200, 3), np.uint8)
    img[:, :100] = (220, 30, 40)  # 50 %
    img[:, 100:160] = (20, 160, 60)  # 30 %
    img[:, 160:] = (30, 60, 200)  # 20 %
    for data, tolerance in ((encode(Image.fromarray(img), "PNG"), 0.01), (encode(Image.fromarray(img), "JPEG"), 0.03)):
        colours = extract_metadata(data, n_colours=3)["content"]["dominant_colours"]
        assert [c["share"] for c in colours] == pytest.approx([0.5, 0.3, 0.2], abs=tolerance)
        for found, expected in zip(colours, ((220, 30, 40), (20, 160, 60), (30, 60, 200)), strict=True):
            assert np.abs(np.subtract(found["rgb"], expected)).max() <= 12
    exact = extract_metadata(encode(Image.fromarray(img), "PNG"))["content"]["dominant_colours"]
    assert [c["hex"] for c in exact] == ["#dc1e28", "#14a03c", "#1e3cc8"]  # ≤ n_colours distinct: exact


def test_sharpness_separates_sharp_from_blurred():
    board = (np.indices((600, 800)).sum(axis=0) // 1 % 2 * 0).astype(np.uint8)
    board[:] = ((np.indices((600, 800)) // 25).sum(axis=0) % 2 * 255).astype(np.uint8)
    cv2.putText(board, "12345", (100, 400), cv2.FONT_HERSHEY_SIMPLEX, 6, 128, 12)
    sharp = extract_metadata(encode(Image.fromarray(board), "PNG"))["content"]
    blurred = extract_metadata(encode(Image.fromarray(cv2.GaussianBlur(board, (0, 0), 6)), "PNG"))["content"]
    assert sharp["blurry"] is False and blurred["blurry"] is True
    assert sharp["sharpness"] > BLUR_THRESHOLD > blurred["sharpness"]


def test_brightness_contrast_colourfulness():
    grey = extract_metadata(encode(Image.new("L", (50, 40), 100), "PNG"))["content"]
    assert (grey["brightness"], grey["contrast"], grey["colourfulness"]) == (100.0, 0.0, 0.0)
    assert list(grey["histogram"]) == ["l"] and grey["histogram"]["l"][100] == 50 * 40
    colour = extract_metadata(encode(scene(), "PNG"))["content"]
    assert colour["colourfulness"] > 20 and colour["contrast"] > 10
    assert list(colour["histogram"]) == ["r", "g", "b"] and all(len(v) == 256 for v in colour["histogram"].values())


def test_region_counter_is_called_and_errors_are_reported():
    seen = []

    def counter(pixels):
        seen.append(pixels.shape)
        return np.int64(3)

    result = extract_metadata(encode(scene(), "PNG"), region_counter=counter)
    assert result["content"]["digit_regions"] == 3 and seen == [(240, 320, 3)]
    assert extract_metadata(encode(scene(), "PNG"))["content"]["digit_regions"] is None

    def broken(pixels):
        raise RuntimeError("segmentation failed")

    result = extract_metadata(encode(scene(), "PNG"), region_counter=broken)
    assert result["content"]["digit_regions"] is None
    assert any("segmentation failed" in e for e in result["errors"])


def test_deterministic():
    data = encode(scene(), "JPEG")
    assert dumps(extract_metadata(data)) == dumps(extract_metadata(data))


# --- hashes --------------------------------------------------------------------------------------


def test_hashes_survive_reencode_and_resize_but_not_a_different_image():
    original = scene(seed=1, size=(640, 480))
    base = extract_metadata(encode(original, "PNG"))["file"]["hashes"]
    copy = extract_metadata(encode(original.resize((320, 240), Image.Resampling.LANCZOS), "JPEG", quality=80))
    blocks = np.random.default_rng(5).integers(0, 256, (12, 16, 3), dtype=np.uint8)
    different = Image.fromarray(blocks).resize((640, 480), Image.Resampling.NEAREST)
    other = extract_metadata(encode(different, "PNG"))["file"]["hashes"]
    for kind in ("ahash", "dhash", "phash"):
        assert hamming(base[kind], copy["file"]["hashes"][kind]) <= 6, kind
        assert hamming(base[kind], other[kind]) >= 16, kind


def test_hamming():
    assert hamming("0000000000000000", "000000000000000f") == 4
    assert hamming("ffffffffffffffff", "ffffffffffffffff") == 0
    with pytest.raises(ValueError):
        hamming("ff", "fff")


# --- strip_metadata ------------------------------------------------------------------------------


def test_strip_jpeg_removes_exif_gps_comments_keeps_icc():
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    gps = {1: "N", 2: (52.0, 30.0, 0.0), 3: "E", 4: (13.0, 0.0, 0.0)}
    original = encode(scene(), "JPEG", quality=92, exif=camera_exif(gps=gps), icc_profile=icc, comment=b"at home")
    stripped = strip_metadata(original)
    reopened = Image.open(io.BytesIO(stripped))
    assert reopened.format == "JPEG" and reopened.info.get("icc_profile") == icc
    assert not {"exif", "xmp", "comment"} & set(reopened.info) and len(reopened.getexif()) == 0
    result = extract_metadata(stripped)
    assert result["camera"] is None and result["location"] is None
    diff = np.abs(np.asarray(reopened, np.int16) - np.asarray(Image.open(io.BytesIO(original)), np.int16))
    assert diff.mean() < 2.0


def test_strip_applies_orientation():
    original = encode(scene(), "PNG", exif=camera_exif(orientation=6))
    reopened = Image.open(io.BytesIO(strip_metadata(original)))
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(original)))
    assert reopened.size == (240, 320) and len(reopened.getexif()) == 0
    assert np.array_equal(np.asarray(reopened), np.asarray(upright))  # PNG: lossless, pixels identical


@pytest.mark.parametrize("fmt", ["PNG", "TIFF", "WEBP"])
def test_strip_keeps_pixels_and_format(fmt):
    image = scene().convert("RGBA")
    options = {"lossless": True} if fmt == "WEBP" else {}
    gps = {1: "S", 2: (1.0, 2.0, 3.0), 3: "W", 4: (4.0, 5.0, 6.0)}
    original = encode(image, fmt, exif=camera_exif(gps=gps), **options)
    before = extract_metadata(original)
    assert before["camera"]["make"] == "Canon"
    assert (before["location"] is None) == (fmt == "TIFF")  # Pillow's TIFF writer drops the GPS sub-IFD
    stripped = strip_metadata(original)
    reopened = Image.open(io.BytesIO(stripped))
    after = extract_metadata(stripped)
    assert reopened.format == fmt and after["camera"] is None and after["location"] is None
    assert np.array_equal(np.asarray(reopened.convert("RGBA")), np.asarray(image))


def test_strip_keeps_all_animation_frames():
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "green", "blue", "white")]
    stripped = strip_metadata(encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=70, loop=0))
    reopened = Image.open(io.BytesIO(stripped))
    assert reopened.format == "GIF" and reopened.n_frames == 4
