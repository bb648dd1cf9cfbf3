"""EXIF → JSON-safe ``camera`` and ``location`` groups.

Every reader here is defensive: odd types, zero denominators, truncated tuples and undecodable
bytes turn into ``None`` (or are dropped) instead of raising, because EXIF in the wild is messy.
"""

from __future__ import annotations

import logging
import math
from fractions import Fraction
from numbers import Rational, Real
from typing import Any

from PIL import ExifTags, Image

logger = logging.getLogger(__name__)

__all__ = ["camera_from_exif", "jsonable", "location_from_exif", "read_exif_tags"]

#: Tags whose values are large binary blobs or file-structure pointers, never worth showing.
_SKIP_TAGS = frozenset(
    {
        "MakerNote",
        "PrintImageMatching",
        "StripOffsets",
        "StripByteCounts",
        "TileOffsets",
        "TileByteCounts",
        "JPEGInterchangeFormat",
        "JPEGInterchangeFormatLength",
        "ExifOffset",
        "GPSInfo",
        "InteropOffset",
        "XMLPacket",
        "IptcNaaInfo",
        "ImageResources",
        "InterColorProfile",
        "ColorMap",
        "JPEGTables",
        # TIFF image-structure tags (getexif() on a TIFF returns them): file facts, not camera facts.
        "NewSubfileType",
        "SubfileType",
        "ImageWidth",
        "ImageLength",
        "BitsPerSample",
        "Compression",
        "PhotometricInterpretation",
        "FillOrder",
        "SamplesPerPixel",
        "RowsPerStrip",
        "PlanarConfiguration",
        "XResolution",
        "YResolution",
        "ResolutionUnit",
        "Predictor",
        "TileWidth",
        "TileLength",
        "ExtraSamples",
        "SampleFormat",
        "YCbCrPositioning",
        "YCbCrSubSampling",
    }
)
_MAX_STR = 512
_MAX_SEQ = 64

#: Curated keys of the ``camera`` group → EXIF tag name they come from.
_CAMERA_KEYS = {
    "make": "Make",
    "model": "Model",
    "lens_make": "LensMake",
    "lens_model": "LensModel",
    "software": "Software",
    "artist": "Artist",
    "copyright": "Copyright",
    "datetime": "DateTime",
    "datetime_original": "DateTimeOriginal",
    "datetime_digitized": "DateTimeDigitized",
    "offset_time_original": "OffsetTimeOriginal",
    "orientation": "Orientation",
    "f_number": "FNumber",
    "focal_length": "FocalLength",
    "focal_length_35mm": "FocalLengthIn35mmFilm",
    "exposure_bias": "ExposureBiasValue",
    "exposure_program": "ExposureProgram",
    "metering_mode": "MeteringMode",
    "flash": "Flash",
    "white_balance": "WhiteBalance",
}


def _to_float(value: Any) -> float | None:
    """Return ``value`` as a finite float, or ``None`` (0/0 rationals, NaN, junk)."""
    try:
        if isinstance(value, tuple | list) and len(value) == 2:  # raw (numerator, denominator)
            number = float(value[0]) / float(value[1])
        elif isinstance(value, Rational) and not isinstance(value, int):
            if value.denominator == 0:
                return None
            number = float(value.numerator) / float(value.denominator)
        else:
            number = float(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _clean_str(text: str) -> str | None:
    """Strip NULs (JSONB rejects them) and whitespace; cap the length."""
    text = text.replace("\x00", "").strip()
    return text[:_MAX_STR] or None


def _decode_bytes(raw: bytes) -> str | None:
    """Decode EXIF ``UNDEFINED``/``UserComment`` bytes when they are text, else ``None``."""
    for prefix, encoding in ((b"ASCII\x00\x00\x00", "ascii"), (b"UNICODE\x00", "utf-16"), (b"\x00" * 8, "ascii")):
        if raw.startswith(prefix):
            raw = raw[len(prefix) :]
            try:
                return _clean_str(raw.decode(encoding))
            except UnicodeDecodeError:
                return None
    if len(raw) > _MAX_STR:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not all(ch.isprintable() or ch in "\x00\t\n\r" for ch in text):
        return None
    return _clean_str(text)


def jsonable(value: Any, *, depth: int = 0) -> Any:
    """Convert an EXIF/TIFF value to something ``json.dumps`` accepts, or ``None`` to drop it.

    Rationals become floats (rounded to 6 decimals), bytes become text when they decode cleanly,
    tuples become lists; anything else unknown becomes ``None``.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return _clean_str(value)
    if isinstance(value, bytes | bytearray):
        return _decode_bytes(bytes(value))
    if isinstance(value, Real):
        number = _to_float(value)
        return None if number is None else round(number, 6)
    if isinstance(value, tuple | list) and depth < 2:
        items = [jsonable(item, depth=depth + 1) for item in value[:_MAX_SEQ]]
        return items if any(item is not None for item in items) else None
    if isinstance(value, dict) and depth < 2:
        return {str(k): v for k, v in ((k, jsonable(v, depth=depth + 1)) for k, v in value.items()) if v is not None}
    return None


def _by_name(ifd: Any, names: dict[int, str]) -> dict[str, Any]:
    """Map an IFD's numeric tags to readable names (unknown and blob/pointer tags dropped)."""
    out: dict[str, Any] = {}
    for tag, value in dict(ifd).items():
        name = names.get(tag)
        if name is not None and name not in _SKIP_TAGS:
            out[name] = value
    return out


def read_exif_tags(exif: Image.Exif) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Return ``(tags, raw_tags, gps)`` read from ``exif``.

    ``tags`` maps IFD0 + Exif IFD tag names to JSON-safe values; ``raw_tags`` holds the same tags
    unconverted (for exact rationals); ``gps`` maps GPS IFD tag names to raw values. Each sub-IFD is
    read on its own so one corrupt IFD does not hide the others.
    """
    raw: dict[str, Any] = {}
    ifds: list[Any] = [exif]
    for ifd_id in (ExifTags.IFD.Exif, ExifTags.IFD.Interop):
        try:
            ifds.append(exif.get_ifd(ifd_id))
        except Exception:  # noqa: BLE001 - corrupt sub-IFD: keep what we have
            logger.debug("unreadable EXIF sub-IFD %s", ifd_id, exc_info=True)
    for ifd in ifds:
        raw.update(_by_name(ifd, ExifTags.TAGS))
    try:
        gps = _by_name(exif.get_ifd(ExifTags.IFD.GPSInfo), ExifTags.GPSTAGS)
    except Exception:  # noqa: BLE001 - corrupt GPS IFD
        gps = {}
    tags = {name: value for name, value in ((n, jsonable(v)) for n, v in raw.items()) if value is not None}
    return tags, raw, gps


def _shutter(raw: Any) -> str | None:
    """Format an exposure time the way cameras show it: ``"1/250"`` below a second, ``"2.5"`` above."""
    seconds = _to_float(raw)
    if seconds is None or seconds <= 0:
        return None
    if seconds >= 1:
        return f"{seconds:g}"
    return (
        f"1/{round(1 / seconds):d}"
        if abs(1 / seconds - round(1 / seconds)) < 0.05
        else str(Fraction(seconds).limit_denominator(100000))
    )


def camera_from_exif(tags: dict[str, Any], raw_exposure: Any = None) -> dict[str, Any] | None:
    """Build the ``camera`` group from named EXIF ``tags``; ``None`` when there are no tags.

    Parameters
    ----------
    tags : dict
        Output of :func:`read_exif_tags` (already JSON-safe).
    raw_exposure : object, optional
        The unconverted ``ExposureTime`` value, to render ``"1/250"`` exactly.
    """
    if not tags:
        return None
    camera: dict[str, Any] = {key: tags.get(name) for key, name in _CAMERA_KEYS.items()}
    for key in ("f_number", "focal_length", "exposure_bias"):
        camera[key] = _to_float(camera[key]) if camera[key] is not None else None
        if camera[key] is not None:
            camera[key] = round(camera[key], 2)
    for key in ("orientation", "focal_length_35mm", "exposure_program", "metering_mode", "flash", "white_balance"):
        value = camera[key]
        camera[key] = int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    if camera["orientation"] not in range(1, 9):
        camera["orientation"] = None
    iso = tags.get("ISOSpeedRatings", tags.get("PhotographicSensitivity"))
    if isinstance(iso, list):
        iso = iso[0] if iso else None
    camera["iso"] = int(iso) if isinstance(iso, int | float) and not isinstance(iso, bool) else None
    exposure = raw_exposure if raw_exposure is not None else tags.get("ExposureTime")
    seconds = _to_float(exposure)
    camera["exposure_time"] = round(seconds, 6) if seconds is not None and seconds > 0 else None
    camera["shutter_speed"] = _shutter(exposure)
    camera["tags"] = tags
    return camera


def _dms_to_degrees(dms: Any, ref: Any, *, negative: str) -> float | None:
    """Convert EXIF degrees/minutes/seconds + hemisphere ref to signed decimal degrees."""
    if isinstance(dms, int | float):
        parts = [dms]
    elif isinstance(dms, list | tuple):
        parts = list(dms[:3])
    else:
        return None
    numbers = [_to_float(part) for part in parts]
    if not numbers or any(n is None for n in numbers):
        return None
    degrees = sum(n / 60**i for i, n in enumerate(numbers))  # type: ignore[operator]
    if isinstance(ref, str) and ref.strip().upper().startswith(negative):
        degrees = -degrees
    return round(degrees, 7)


def location_from_exif(gps: dict[str, Any]) -> dict[str, Any] | None:
    """Build the ``location`` group (decimal WGS-84) from named GPS tags; ``None`` without a valid fix."""
    latitude = _dms_to_degrees(gps.get("GPSLatitude"), gps.get("GPSLatitudeRef"), negative="S")
    longitude = _dms_to_degrees(gps.get("GPSLongitude"), gps.get("GPSLongitudeRef"), negative="W")
    if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        return None
    altitude = _to_float(gps.get("GPSAltitude"))
    ref = gps.get("GPSAltitudeRef")
    if isinstance(ref, bytes | bytearray):
        ref = ref[0] if ref else 0
    if altitude is not None and ref == 1:
        altitude = -altitude  # ref 1 = below sea level
    timestamp = None
    date, time = gps.get("GPSDateStamp"), gps.get("GPSTimeStamp")
    if isinstance(date, str) and isinstance(time, tuple | list) and len(time) == 3:
        hours, minutes, seconds = (_to_float(t) or 0.0 for t in time)
        date = date.replace("\x00", "").strip().replace(":", "-")
        timestamp = f"{date}T{int(hours):02d}:{int(minutes):02d}:{seconds:06.3f}Z"
    return {
        "latitude": latitude,
        "longitude": longitude,
        "altitude": None if altitude is None else round(altitude, 2),
        "timestamp": timestamp,
    }
