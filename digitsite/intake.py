"""Safe image intake: the one place every image enters digitsite.

Pages, the API, management commands and the admin all call :func:`read_image`
(bytes), :func:`read_file` (a file-like upload) or :func:`read_url` (an address).
Each returns an :class:`IntakeImage` — the original bytes plus a normalised pixel
array for the vision code — or raises :class:`IntakeError` with a message naming
the limit and the HTTP status a web entry point should answer with.

URL intake is the only code in the app that fetches from the network. It refuses
non-public addresses after DNS resolution and after every redirect, and connects
to the very address it checked (no second lookup an attacker could rebind).
"""

from __future__ import annotations

import hashlib
import http.client
import io
import ipaddress
import socket
import ssl
import time
import warnings
from dataclasses import dataclass, field
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

import numpy as np
from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow format name -> (MIME type, file extension used for stored copies)
FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "BMP": ("image/bmp", "bmp"),
    "TIFF": ("image/tiff", "tif"),
    "GIF": ("image/gif", "gif"),
}


class IntakeError(Exception):
    """An image was refused. ``status`` is the HTTP status a web entry point returns."""

    def __init__(self, message: str, *, code: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_pixels: int
    min_side: int
    url_timeout: float = 10.0
    url_max_redirects: int = 3
    allow_loopback: bool = False

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_bytes=settings.INTAKE_MAX_BYTES,
            max_pixels=settings.INTAKE_MAX_PIXELS,
            min_side=settings.INTAKE_MIN_SIDE,
            url_timeout=settings.INTAKE_URL_TIMEOUT,
            url_max_redirects=settings.INTAKE_URL_MAX_REDIRECTS,
            allow_loopback=settings.INTAKE_URL_ALLOW_LOOPBACK,
        )


@dataclass(frozen=True)
class IntakeImage:
    """A validated image: original bytes, facts sniffed from them, and pixels.

    ``array`` is ``(H, W)`` uint8 grey or ``(H, W, 3)`` uint8 RGB with EXIF
    orientation applied (``width``/``height`` describe it); transparency is
    composited onto white, as ink on paper.
    """

    data: bytes = field(repr=False)
    format: str
    mime_type: str
    extension: str
    width: int
    height: int
    sha256: str
    array: np.ndarray = field(repr=False)
    source: str = "file"

    @property
    def size(self) -> int:
        return len(self.data)


def _human_bytes(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def _too_large(limits: Limits) -> IntakeError:
    return IntakeError(
        f"The file is larger than the {_human_bytes(limits.max_bytes)} limit.", code="too_large", status=413
    )


def read_image(data: bytes, *, limits: Limits | None = None, source: str = "file") -> IntakeImage:
    """Validate image bytes by content and decode them to a normalised array."""
    limits = limits or Limits.from_settings()
    if not data:
        raise IntakeError("The file is empty (0 bytes).", code="empty")
    if len(data) > limits.max_bytes:
        raise _too_large(limits)
    accepted = ", ".join(sorted(FORMATS))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=list(FORMATS))
            _check_pixels(img.size, limits)
            img.seek(0)  # GIF/TIFF/WebP: the first frame
            img.load()
    except IntakeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _bomb(limits) from None
    except UnidentifiedImageError:
        raise IntakeError(
            f"This is not an image format we accept; send one of {accepted}.", code="unsupported_format", status=415
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise IntakeError(f"The image is damaged or truncated and cannot be read ({exc}).", code="corrupt") from None
    fmt = img.format or ""
    if fmt not in FORMATS:  # Pillow only opened allowed plugins, so this is a safety net
        raise IntakeError(
            f"Format {fmt!r} is not accepted; send one of {accepted}.", code="unsupported_format", status=415
        )
    mime, ext = FORMATS[fmt]
    try:
        ImageOps.exif_transpose(img, in_place=True)  # no copy of an image already upright
    except (OSError, ValueError, SyntaxError, TypeError):
        pass  # unreadable EXIF: keep the pixels as stored rather than refuse the image
    array = to_array(img)
    height, width = array.shape[:2]
    if min(width, height) < limits.min_side:
        raise IntakeError(
            f"The image is {width}×{height} pixels; each side must be at least {limits.min_side} pixels.",
            code="too_small",
        )
    return IntakeImage(
        data=data,
        format=fmt,
        mime_type=mime,
        extension=ext,
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
        array=array,
        source=source,
    )


def _bomb(limits: Limits) -> IntakeError:
    return IntakeError(
        f"The image has more than the {limits.max_pixels:,} pixel limit (possible decompression bomb).",
        code="too_many_pixels",
        status=413,
    )


def _check_pixels(size: tuple[int, int], limits: Limits) -> None:
    width, height = size
    if width * height > limits.max_pixels:
        raise IntakeError(
            f"The image is {width}×{height} = {width * height:,} pixels; the limit is {limits.max_pixels:,} pixels.",
            code="too_many_pixels",
            status=413,
        )


def to_array(img: Image.Image) -> np.ndarray:
    """Pixels as uint8: ``(H, W)`` for grey modes, ``(H, W, 3)`` RGB otherwise."""
    mode = img.mode
    if mode in {"I;16", "I;16B", "I;16L", "I", "F"}:
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if (mode.startswith("I;16") or arr.max(initial=0) > 255) else 255.0
        return np.clip(arr / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if mode in {"1", "L"}:
        return np.asarray(img.convert("L"), dtype=np.uint8)
    if mode == "LA" or mode == "PA" or (mode == "P" and "transparency" in img.info) or mode == "RGBA":
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat = Image.alpha_composite(white, rgba).convert("RGB")
        if mode in {"LA"}:
            return np.asarray(flat.convert("L"), dtype=np.uint8)
        return np.asarray(flat, dtype=np.uint8)
    return np.asarray(img if mode == "RGB" else img.convert("RGB"), dtype=np.uint8)


def read_file(fileobj: BinaryIO, *, limits: Limits | None = None) -> IntakeImage:
    """Read an uploaded file without ever holding more than the limit in memory."""
    limits = limits or Limits.from_settings()
    data = fileobj.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise _too_large(limits)
    return read_image(data, limits=limits)


# --------------------------------------------------------------------------- URLs


def _address_refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, limits: Limits) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return None if limits.allow_loopback else "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved or ip.is_unspecified or not ip.is_global:
        return "a reserved address"
    return None


def resolve_public(host: str, port: int, limits: Limits) -> str:
    """Resolve ``host`` and return one address to connect to, refusing non-public ones."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise IntakeError(f"The host {host!r} could not be resolved.", code="url_unreachable") from None
    addresses = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        reason = _address_refusal(ip, limits)
        if reason:
            raise IntakeError(
                f"Refused to fetch from {host} ({ip}): it is {reason}. Only public internet addresses are allowed.",
                code="url_forbidden",
            )
        addresses.append(str(ip))
    if not addresses:
        raise IntakeError(f"The host {host!r} has no address.", code="url_unreachable")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an already-checked IP while sending the original Host header."""

    def __init__(self, host: str, ip: str, **kwargs) -> None:
        super().__init__(host, **kwargs)
        self._ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, ip: str, **kwargs) -> None:
        super().__init__(host, context=ssl.create_default_context(), **kwargs)
        self._ip = ip

    def connect(self) -> None:
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch_url(url: str, *, limits: Limits | None = None) -> tuple[bytes, str]:
    """Fetch ``url`` under the intake rules; return ``(body, final_url)``."""
    limits = limits or Limits.from_settings()
    deadline = time.monotonic() + limits.url_timeout
    current = url.strip()
    for _hop in range(limits.url_max_redirects + 1):
        parts = urlsplit(current)
        if parts.scheme not in {"http", "https"}:
            raise IntakeError(
                f"Only http:// and https:// addresses can be fetched, not {parts.scheme or 'this'}:// .",
                code="url_scheme",
            )
        if not parts.hostname:
            raise IntakeError("The address has no host name.", code="url_invalid")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise IntakeError("The address has an invalid port.", code="url_invalid") from None
        ip = resolve_public(parts.hostname, port, limits)
        conn_cls = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        remaining = max(0.1, deadline - time.monotonic())
        conn = conn_cls(parts.hostname, ip, port=port, timeout=remaining)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request("GET", path, headers={"User-Agent": "digitsite-intake/1", "Accept": "image/*"})
            response = conn.getresponse()
            if response.status in {301, 302, 303, 307, 308}:
                location = response.getheader("Location")
                if not location:
                    raise IntakeError("The server sent a redirect without a location.", code="url_fetch_failed")
                current = urljoin(current, location)
                continue
            if response.status != 200:
                raise IntakeError(f"The server answered HTTP {response.status}.", code="url_fetch_failed")
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > limits.max_bytes:
                raise _too_large(limits)
            return _read_body(response, limits, deadline), current
        except TimeoutError:
            raise IntakeError(
                f"The server did not answer within {limits.url_timeout:g} seconds.", code="url_timeout"
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            raise IntakeError(f"The image could not be fetched ({exc}).", code="url_fetch_failed") from None
        finally:
            conn.close()
    raise IntakeError(
        f"The address redirected more than {limits.url_max_redirects} times.", code="url_too_many_redirects"
    )


def _read_body(response: http.client.HTTPResponse, limits: Limits, deadline: float) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError
        chunk = response.read(64 * 1024)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limits.max_bytes:
            raise _too_large(limits)
        chunks.append(chunk)


def read_url(url: str, *, limits: Limits | None = None) -> IntakeImage:
    """Fetch an image from a public http(s) address and validate it like an upload."""
    limits = limits or Limits.from_settings()
    data, final_url = fetch_url(url, limits=limits)
    return read_image(data, limits=limits, source=final_url)


def read_source(source: str, *, limits: Limits | None = None) -> IntakeImage:
    """Command-line inputs: an address with a scheme goes through URL intake, anything else is a local file."""
    if "://" in source:
        return read_url(source, limits=limits)
    try:
        with open(source, "rb") as fh:
            return read_file(fh, limits=limits)
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise IntakeError(f"Cannot open {source}: {exc.strerror or exc}.", code="missing") from None
