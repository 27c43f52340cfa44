"""Check an uploaded file by its content: PDF, JPEG or PNG, complete, within the size limit.

The name and the browser's Content-Type are not trusted: the first bytes decide the
type, the last bytes show the file is complete, and the name's extension must agree
with the content (so an executable renamed ``.pdf`` is refused).
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings

from core.errors import InvalidInput

_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
_KNOWN_BAD = (
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "a Linux executable"),
    (b"#!", "a script"),
    (b"PK\x03\x04", "a ZIP archive (or Office document)"),
    (b"\xcf\xfa\xed\xfe", "a macOS executable"),
    (b"<", "HTML or XML"),
)
_EXTENSIONS = {
    "application/pdf": {"pdf"},
    "image/jpeg": {"jpg", "jpeg"},
    "image/png": {"png"},
}


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    sha256: str
    original_name: str

    @property
    def size(self) -> int:
        return len(self.content)


def max_upload_bytes() -> int:
    value = getattr(settings, "COMPLIANCE_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
    if not isinstance(value, int) or value <= 0:
        raise ValueError("COMPLIANCE_MAX_UPLOAD_BYTES must be a positive integer")
    return value


def _refuse(message: str):
    raise InvalidInput(message, field="file")


def check_upload(uploaded) -> CheckedFile:
    """Read ``uploaded`` (a Django UploadedFile or any object with name/size/chunks/read)."""
    name = (getattr(uploaded, "name", "") or "").rsplit("/", 1)[-1][:200]
    limit = max_upload_bytes()
    declared = getattr(uploaded, "size", None)
    if declared is not None and declared > limit:
        _refuse(f"The file is {declared:,} bytes; the limit is {limit:,} bytes.")
    content = uploaded.read(limit + 1)
    if len(content) > limit:
        _refuse(f"The file is larger than the limit of {limit:,} bytes.")
    if not content:
        _refuse("The file is empty.")
    content_type = next((t for magic, t in _SIGNATURES if content.startswith(magic)), None)
    if content_type is None:
        what = next((w for magic, w in _KNOWN_BAD if content.startswith(magic)), "not a PDF, JPEG or PNG")
        _refuse(f"'{name}' is {what} by its content; only PDF, JPEG and PNG files are accepted.")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in _EXTENSIONS[content_type]:
        _refuse(f"'{name}' is named .{ext or '(none)'} but its content is {content_type}; "
                "the name and the content must agree.")
    if not _complete(content, content_type):
        _refuse(f"'{name}' is corrupt or truncated: its {content_type} end marker is missing.")
    return CheckedFile(content=content, content_type=content_type,
                       sha256=hashlib.sha256(content).hexdigest(), original_name=name)


def _complete(content: bytes, content_type: str) -> bool:
    tail = content[-1024:]
    if content_type == "application/pdf":
        return b"%%EOF" in tail
    if content_type == "image/jpeg":
        return content.rstrip(b"\x00\r\n").endswith(b"\xff\xd9")
    return b"IEND" in content[-16:]
