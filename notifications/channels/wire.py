"""An email's SMTP bytes assembled from pieces the stdlib email package encodes, byte for byte what
`EmailMessage` + `BytesGenerator` produce for the same message, without rebuilding a MIME tree per message.

Each header line is folded by the email package's own policy (repeated lines once per process; a short plain
ASCII value, which that policy writes verbatim, directly). Text parts pick their transfer encoding with the
package's rule, and quoted-printable is encoded line by line with `quoprimime.body_encode`, remembering lines
that repeat from message to message (template markup). `tests/notifications/test_wire.py` holds it to the
EmailMessage reference.
"""

from __future__ import annotations

import binascii
import re
from email import quoprimime
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formataddr
from functools import lru_cache

from notifications.base import EmailMessageSpec

CRLF = "\r\n"
_CONTROL = str.maketrans("", "", "\r\n\x00")
# Values the header policy writes back unchanged when the line fits: printable ASCII with no encoded-word opener.
_PLAIN = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")
_WORD = re.compile(r"[\x21-\x7e]+")
ADDR_SPEC = re.compile(r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
MSG_ID = re.compile(r"<[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*>")
_HEX = re.compile(r"[0-9a-f]")
_VERBATIM = {"to": ADDR_SPEC, "message-id": MSG_ID, "subject": _PLAIN, "list-unsubscribe": _PLAIN}
_DIGIT = re.compile(r"[0-9]")
# Letters that stand in for digits: no encoded word's chrome ("=?utf-8?q?", "?=") or "=XX" escape contains them.
_DIGIT_MARKS = ("X", "Z", "x", "z")


def clean_header(value: str) -> str:
    """A header value with CR, LF and NUL removed, so merchant text can never start a header of its own."""
    return value.translate(_CONTROL).strip()


class Wire:
    """Header lines and bodies under `policy` (the policy messages are built with) and `wire` (its CRLF clone)."""

    def __init__(self, policy: EmailPolicy, wire: EmailPolicy) -> None:
        self.policy = policy
        self.wire = wire
        self.max_line = int(policy.max_line_length or 78)
        self.folded = lru_cache(maxsize=4096)(self._fold)
        self.qp_line = lru_cache(maxsize=16384)(self._qp_line)

    def _fold(self, name: str, value: str) -> bytes:
        _, parsed = self.policy.header_store_parse(name, value)
        return bytes(self.wire.fold_binary(name, parsed))

    def header(self, name: str, value: str, *, repeats: bool) -> bytes:
        """One folded header line; `repeats` for values shared by many messages (kept once folded)."""
        plain = _VERBATIM.get(name.lower())
        if (
            plain is not None
            and len(name) + 2 + len(value) <= self.max_line
            and "=?" not in value
            and plain.fullmatch(value)
        ):
            return f"{name}: {value}{CRLF}".encode("ascii")
        if plain is _PLAIN and len(value) + 1 <= self.max_line and "=?" not in value and _WORD.fullmatch(value):
            # One unstructured word too long for the first line: the policy moves it whole to the next line.
            return f"{name}:{CRLF} {value}{CRLF}".encode("ascii")
        if repeats:
            return self.folded(name, value)
        if plain is _PLAIN:
            return self._fold_by_shape(name, value)
        return self._fold(name, value)

    def _fold_by_shape(self, name: str, value: str) -> bytes:
        """An unstructured value folded as its shape, each digit a letter, with the digits put back: a subject
        that differs from others only in its order number (`… · Shop #1042`) is folded once per shape.

        Folding an unstructured value reads a digit only as a printable ASCII character that quoted-printable
        encoded words keep as it is, exactly like a letter, so the shape folds at the same places and each digit's
        letter lands where the digit would. Base64 encoded words (where it would not) and values holding an encoded
        word of their own (which the parser decodes) are folded directly."""
        digits = _DIGIT.findall(value)
        mark = next((m for m in _DIGIT_MARKS if m not in value and m not in name), None)
        if not digits or mark is None or "=?" in value:
            return self._fold(name, value)
        shape = self.folded(name, _DIGIT.sub(mark, value))
        pieces = shape.split(mark.encode("ascii"))
        if len(pieces) != len(digits) + 1 or b"?b?" in shape.lower():
            return self._fold(name, value)
        out = [pieces[0]]
        for digit, piece in zip(digits, pieces[1:], strict=True):
            out += (digit.encode("ascii"), piece)
        return b"".join(out)

    def _qp_line(self, line: str) -> str:
        return quoprimime.body_encode(line, self.max_line)

    def text_body(self, text: str) -> tuple[str, bytes]:
        """(Content-Transfer-Encoding, body bytes) as `set_content(text)` + the generator write them."""
        lines = text.encode("utf-8").splitlines()
        if max((len(line) for line in lines), default=0) <= self.max_line:
            return ("7bit" if text.isascii() else "8bit"), b"\r\n".join(lines) + b"\r\n"
        encoded = [self.qp_line(line.decode("latin-1")) for line in lines[:10]]
        sniff = b"\n".join(lines[:10]) + b"\n"
        if sum(map(len, encoded)) + len(encoded) > len(binascii.b2a_base64(sniff)):
            body = b"\n".join(lines) + b"\n"
            step = self.max_line // 4 * 3
            chunks = [binascii.b2a_base64(body[i : i + step]) for i in range(0, len(body), step)]
            return "base64", b"".join(chunks).replace(b"\n", b"\r\n")
        encoded.extend(self.qp_line(line.decode("latin-1")) for line in lines[10:])
        joined = "\n".join(encoded) + "\n"
        return "quoted-printable", joined.replace("\n", CRLF).encode("ascii")

    @lru_cache(maxsize=16)  # noqa: B019 - a few Wire objects per process, never freed anyway
    def part_head(self, subtype: str, cte: str, mime_version: bool) -> bytes:
        """A text part's header lines, taken from a part the email package builds."""
        part = EmailMessage(policy=self.policy)
        part.set_content("x", subtype=subtype, cte=cte)
        return b"".join(
            self.wire.fold_binary(name, value)
            for name, value in part.raw_items()
            if mime_version or name.lower() != "mime-version"
        )

    def multipart_type(self, boundary: str) -> bytes:
        """The multipart/alternative Content-Type line. Folding depends on the boundary's length and character
        classes only, so it is folded once for a stand-in of the same shape and the boundary put in its place."""
        stand_in = _HEX.sub("0", boundary)
        line = self.folded("Content-Type", f'multipart/alternative; boundary="{stand_in}"')
        if stand_in.encode("ascii") not in line:  # folded inside the boundary: not a shape to reuse
            return self._fold("Content-Type", f'multipart/alternative; boundary="{boundary}"')
        return line.replace(stand_in.encode("ascii"), boundary.encode("ascii"), 1)

    def message(self, spec: EmailMessageSpec, boundary: str) -> bytes:
        """The wire bytes of `build_message(spec)` given the same multipart `boundary`."""
        sender, name = clean_header(spec.sender), clean_header(spec.sender_name)
        lines = [
            self.header("From", formataddr((name, sender)) if name else sender, repeats=True),
            self.header("To", clean_header(spec.to), repeats=False),
            self.header("Subject", clean_header(spec.subject), repeats=False),
        ]
        if spec.message_id:
            lines.append(self.header("Message-ID", clean_header(spec.message_id), repeats=False))
        if spec.reply_to:
            lines.append(self.header("Reply-To", clean_header(spec.reply_to), repeats=True))
        for key, value in spec.headers.items():
            name = clean_header(key)
            lines.append(self.header(name, clean_header(value), repeats=name.lower() != "list-unsubscribe"))
        lines.append(self.folded("MIME-Version", "1.0"))
        lines.append(self.multipart_type(boundary))
        text_cte, text = self.text_body(spec.text)
        html_cte, html = self.text_body(spec.html)
        dash = f"--{boundary}".encode("ascii")
        lines += [
            b"\r\n",
            dash,
            b"\r\n",
            self.part_head("plain", text_cte, False),
            b"\r\n",
            text,
            b"\r\n",
            dash,
            b"\r\n",
            self.part_head("html", html_cte, True),
            b"\r\n",
            html,
            b"\r\n",
            dash,
            b"--\r\n",
        ]
        return b"".join(lines)
