"""Where the shared e-invoicing material is, and small PDFs built byte by byte for the tests.

The material is found as `tests/jobs/test_en16931.py` finds it, beside the repository
(`<repo>/../shared`); `PARAPHEUR_SHARED_DIR` points elsewhere when the repository is a
worktree one level deeper. The PDFs are written by hand (objects, xref, trailer) so a test
controls exactly what is in them: text, a script, an embedded file, a decompression bomb.
"""

import os
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SHARED = Path(os.environ.get("PARAPHEUR_SHARED_DIR") or ROOT.parent / "shared")
EINVOICING = SHARED / "einvoicing"
UBL_EXAMPLES = EINVOICING / "en16931" / "ubl" / "examples"
CII_EXAMPLES = EINVOICING / "en16931" / "cii" / "examples"
FACTURX_PDFS = EINVOICING / "facturx-pdfs"
# The two deliberately broken mustangproject files; every other PDF there is meant to be valid.
BROKEN_PDFS = {"corruptedV2PDF.pdf", "invalidXMP.pdf"}

needs_material = pytest.mark.skipif(
    not EINVOICING.is_dir(), reason=f"shared e-invoicing material not found at {EINVOICING}"
)


def listing(directory: Path, pattern: str) -> list[Path]:
    return sorted(directory.glob(pattern)) if directory.is_dir() else []


def pdf(
    lines: tuple[str, ...] = ("Facture",),
    *,
    javascript: bool = False,
    attachment: tuple[str, bytes] | None = None,
    bomb_bytes: int = 0,
) -> bytes:
    """A one-page PDF showing `lines`, optionally with an OpenAction script or an embedded file.

    `bomb_bytes` makes the embedded file a Flate stream that inflates to that many bytes (of
    XML-looking content), compressed chunk by chunk so the test never holds it in memory.
    """
    text = "\n".join(f"({_escape(line)}) Tj T*" for line in lines)
    content = f"BT /F1 11 Tf 14 TL 50 780 Td\n{text}\nET".encode("cp1252")
    objects: list[bytes] = [
        b"",  # 1: catalog, filled below
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        _stream(b"", content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    catalog = b"<< /Type /Catalog /Pages 2 0 R"
    if javascript:
        objects.append(b"<< /Type /Action /S /JavaScript /JS (app.alert\\('invoice'\\);) >>")
        catalog += f" /OpenAction {len(objects)} 0 R".encode()
    if attachment is not None or bomb_bytes:
        name = attachment[0] if attachment else "factur-x.xml"
        if bomb_bytes:
            compressed = b"".join(_bomb(bomb_bytes))
            objects.append(_stream(b"/Type /EmbeddedFile /Subtype /text#2Fxml /Filter /FlateDecode", compressed))
        else:
            assert attachment is not None
            objects.append(_stream(b"/Type /EmbeddedFile /Subtype /text#2Fxml", attachment[1]))
        stream = len(objects)
        spec_entries = f"/F ({name}) /UF ({name}) /AFRelationship /Data /EF << /F {stream} 0 R >>"
        objects.append(f"<< /Type /Filespec {spec_entries} >>".encode())
        spec = len(objects)
        catalog += f" /Names << /EmbeddedFiles << /Names [({name}) {spec} 0 R] >> >> /AF [{spec} 0 R]".encode()
    objects[0] = catalog + b" >>"
    return _assemble(objects)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def _bomb(size: int) -> Iterator[bytes]:
    compressor = zlib.compressobj(9)
    yield compressor.compress(b"<?xml version='1.0'?><Invoice>")
    chunk = b" " * (1 << 20)
    for _ in range(size // len(chunk)):
        yield compressor.compress(chunk)
    yield compressor.flush()


def _assemble(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
