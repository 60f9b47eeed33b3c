"""Read back the text of an uncompressed fpdf2 PDF (no PDF reader is installed here).

fpdf2 writes text with embedded TrueType subsets as 2-byte glyph codes; each font has a
/ToUnicode CMap mapping them back. This follows the page's font resources, the `Tf` font
switches and the `Tj` strings, and decodes them. Enough for tests of our own documents."""

from __future__ import annotations

import re

_OBJ = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_ESC = {b"n": 10, b"r": 13, b"t": 9, b"b": 8, b"f": 12, b"(": 40, b")": 41, b"\\": 92}


def _literal(data: bytes, start: int) -> tuple[bytes, int]:
    """The PDF literal string starting after `(` at `start`; returns (bytes, end index)."""
    out = bytearray()
    depth, i = 1, start
    while i < len(data):
        c = data[i : i + 1]
        if c == b"\\":
            nxt = data[i + 1 : i + 2]
            if nxt in _ESC:
                out.append(_ESC[nxt])
                i += 2
                continue
            digits = re.match(rb"[0-7]{1,3}", data[i + 1 : i + 4])
            if digits:
                out.append(int(digits.group(), 8) & 0xFF)
                i += 1 + len(digits.group())
                continue
            i += 2
            continue
        if c == b"(":
            depth += 1
        elif c == b")":
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out += c
        i += 1
    return bytes(out), i


def pdf_text(pdf: bytes) -> str:
    objects = {int(m.group(1)): m.group(2) for m in _OBJ.finditer(pdf)}
    cmaps: dict[int, dict[int, str]] = {}
    for num, body in objects.items():
        found = re.search(rb"/ToUnicode (\d+) 0 R", body)
        if not found:
            continue
        cmap_body = objects[int(found.group(1))]
        mapping: dict[int, str] = {}
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap_body, re.S):
            for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                mapping[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap_body, re.S):
            for lo, hi, dst in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
            ):
                base = int(dst, 16)
                for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                    mapping[code] = chr(base + offset)
        cmaps[num] = mapping
    names = {n.decode(): int(o) for n, o in re.findall(rb"/(F\d+) (\d+) 0 R", pdf)}
    lines: list[str] = []
    for body in objects.values():
        if b"stream" not in body or b" Tj" not in body:
            continue
        font: dict[int, str] = {}
        i = 0
        current = bytearray()
        while i < len(body):
            tf = re.match(rb"/(F\d+) [\d.]+ Tf", body[i : i + 40])
            if tf:
                font = cmaps.get(names.get(tf.group(1).decode(), -1), {})
                i += len(tf.group())
                continue
            if body[i : i + 1] == b"(":
                raw, i = _literal(body, i + 1)
                codes = [int.from_bytes(raw[k : k + 2], "big") for k in range(0, len(raw) - 1, 2)]
                current += "".join(font.get(c, "") for c in codes).encode()
                continue
            if body[i : i + 2] == b"ET":
                if current:
                    lines.append(current.decode())
                current = bytearray()
            i += 1
    return "\n".join(lines)
