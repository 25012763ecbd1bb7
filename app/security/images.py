"""Uploaded logos: only PNG, JPEG or WebP, size- and pixel-capped, decoded by Pillow and re-encoded as a clean PNG.

Re-encoding drops metadata and anything smuggled after the image data; SVG is refused outright (it can carry
scripts), and so is anything Pillow flags as a decompression bomb.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 4096 * 4096  # decoded size, checked before decoding
MAX_SIDE = 8192
OUTPUT_BOX = (800, 400)  # shown at most 400×200 CSS pixels, so twice that for sharp screens
ACCEPTED = {"PNG", "JPEG", "WEBP"}
STORED_NAME = re.compile(r"^[0-9a-f]{24}\.png$")


class LogoRejected(ValueError):
    """The upload is not an acceptable logo; the message says why, for the merchant."""


@dataclass(frozen=True, slots=True)
class CleanLogo:
    png: bytes
    width: int
    height: int

    @property
    def name(self) -> str:
        return hashlib.sha256(self.png).hexdigest()[:24] + ".png"


def _looks_like_markup(data: bytes) -> bool:
    head = data[:1024].lstrip().lower()
    return head.startswith((b"<", b"\xef\xbb\xbf<")) or b"<svg" in data[:4096].lower()


def clean_logo(data: bytes) -> CleanLogo:
    """Decode, check and re-encode an uploaded logo; raises LogoRejected with the reason."""
    if not data:
        raise LogoRejected("the file is empty")
    if len(data) > MAX_BYTES:
        raise LogoRejected("the file is larger than 2 MB")
    if _looks_like_markup(data):
        raise LogoRejected("SVG and other markup is not accepted (it can carry scripts); use PNG, JPEG or WebP")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(BytesIO(data), formats=sorted(ACCEPTED)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                    raise LogoRejected(f"the image is {width}×{height} pixels; the limit is {MAX_PIXELS:,} pixels")
                image.load()
                return _reencode(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise LogoRejected("the image expands to far too many pixels (decompression bomb)") from exc
        except UnidentifiedImageError as exc:
            raise LogoRejected("the file is not a PNG, JPEG or WebP image") from exc
        except (OSError, SyntaxError, ValueError) as exc:
            if isinstance(exc, LogoRejected):
                raise
            raise LogoRejected("the image data is damaged or truncated") from exc


def _reencode(image: Image.Image) -> CleanLogo:
    upright = ImageOps.exif_transpose(image) or image
    rgba = upright.convert("RGBA")
    rgba.thumbnail(OUTPUT_BOX, Image.Resampling.LANCZOS)
    out = BytesIO()
    rgba.save(out, format="PNG", optimize=True)
    return CleanLogo(out.getvalue(), rgba.width, rgba.height)


def store_logo(root: Path, merchant_id: int, logo: CleanLogo) -> str:
    """Write the clean PNG under root/<merchant_id>/ (content-addressed); returns the file name."""
    folder = root / str(int(merchant_id))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / logo.name
    if not path.exists():
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(logo.png)
        temporary.replace(path)
    return logo.name


def stored_logo_path(root: Path, merchant_id: int, name: str) -> Path | None:
    """The file for a served logo name, or None when the name is not one we produce or the file is gone."""
    if not STORED_NAME.match(name):
        return None
    path = root / str(int(merchant_id)) / name
    return path if path.is_file() else None
