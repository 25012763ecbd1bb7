"""Logo upload: PNG/JPEG/WebP re-encoded to a clean PNG and served from our origin; SVG, bombs, junk and
oversized files refused with the reason."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from app.security.images import MAX_BYTES, LogoRejected, clean_logo
from tests.console_support import sign_in
from tests.factories import make_merchant


def image_bytes(kind: str, size: tuple[int, int] = (120, 60), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (122, 46, 31)).save(out, format=kind, **save)
    return out.getvalue()


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A tiny PNG whose header claims 900 megapixels (zlib of zeros)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 16, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "WEBP"])
def test_accepted_formats_come_back_as_clean_png(kind: str) -> None:
    data = image_bytes(kind, (1600, 800)) + b"<script>trailing junk</script>"
    logo = clean_logo(data)
    assert logo.png.startswith(b"\x89PNG") and b"script" not in logo.png
    assert (logo.width, logo.height) == (800, 400)  # scaled into the display box


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG"),
        (b"  <svg onload=alert(1)>", "SVG"),
        (png_bomb(), "pixels"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "not a PNG, JPEG or WebP"),
        (b"GIF89a" + b"\x00" * 100, "not a PNG, JPEG or WebP"),
        (image_bytes("PNG")[:60], "damaged"),
        (b"", "empty"),
        (b"\x89PNG" + b"\x00" * (MAX_BYTES + 1), "larger than 2 MB"),
    ],
)
def test_hostile_files_are_refused_with_the_reason(data: bytes, reason: str) -> None:
    with pytest.raises(LogoRejected, match=reason):
        clean_logo(data)


async def test_upload_serves_png_from_our_origin_and_refuses_svg(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    other_id, _ = await make_merchant(runtime.engine, slug="other")
    csrf = await sign_in(client, runtime.engine, merchant_id)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    refused = await client.post(
        "/console/branding/logo", data={"csrf_token": csrf}, files={"logo": ("logo.png", svg, "image/png")}
    )
    assert refused.status_code == 400 and "SVG and other markup is not accepted" in refused.text
    upload = await client.post(
        "/console/branding/logo",
        data={"csrf_token": csrf},
        files={"logo": ("logo.jpg", image_bytes("JPEG"), "image/jpeg")},
    )
    assert upload.status_code == 303
    page = await client.get("/console/branding")
    url = page.text.split('class="logo-current" src="')[1].split('"')[0]
    assert url.startswith(f"/console/media/{merchant_id}/") and url.endswith(".png")
    async with type(client)(base_url=str(client.base_url)) as anonymous:  # the public page needs no sign-in
        served = await anonymous.get(url)
        assert served.status_code == 200 and served.content.startswith(b"\x89PNG")
        assert served.headers["content-type"] == "image/png" and served.headers["x-content-type-options"] == "nosniff"
        name = url.rsplit("/", 1)[1]
        assert (await anonymous.get(f"/console/media/{other_id}/{name}")).status_code == 404
        assert (await anonymous.get(f"/console/media/{merchant_id}/..%2F..%2Fsecret.png")).status_code == 404
    removed = await client.post("/console/branding/logo/remove", data={"csrf_token": csrf})
    assert removed.status_code == 303 and "logo-current" not in (await client.get("/console/branding")).text


async def test_oversized_body_is_refused_before_it_is_read(client, runtime) -> None:
    merchant_id, _ = await make_merchant(runtime.engine)
    csrf = await sign_in(client, runtime.engine, merchant_id)
    huge = b"\x89PNG" + b"\x00" * (5 * 1024 * 1024)
    answer = await client.post(
        "/console/branding/logo", data={"csrf_token": csrf}, files={"logo": ("big.png", huge, "image/png")}
    )
    assert answer.status_code == 413 and "larger than the 4 MB limit" in answer.text
