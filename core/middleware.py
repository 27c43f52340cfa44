"""Refuse a request body larger than its route takes, before any of it is read.

Django reads a body only when a view asks for it, but by then the server has received it:
a 400 MB "document" used to be taken in whole and refused afterwards. This middleware looks
at the declared ``Content-Length`` alone and answers 413 at once, so the worker never reads
the body. A request without a length has no body for Django (it reads none), so the declared
length is the whole story.

Each upload route has its own limit (``settings.REQUEST_BODY_LIMITS``, by path); every other
request may carry at most ``settings.DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes, which also makes that
setting hold for JSON bodies (DRF reads those without Django's check).
"""

from django.conf import settings
from django.http import JsonResponse


def body_limit(path: str) -> int:
    """The most bytes a request to ``path`` may declare."""
    return settings.REQUEST_BODY_LIMITS.get(path, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.META.get("CONTENT_LENGTH") or "0"
        declared = int(raw) if raw.isascii() and raw.isdigit() else 0  # Django reads 0 bytes then
        limit = body_limit(request.path)
        if declared > limit:
            message = (f"The request body is {declared} bytes ({_mb(declared)}); {request.path} takes at "
                       f"most {limit} bytes ({_mb(limit)}).")
            return JsonResponse({"error": {"code": "too_large", "message": message}}, status=413)
        return self.get_response(request)
