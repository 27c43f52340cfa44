"""Private file storage for KYC documents: under PRIVATE_MEDIA_ROOT, with no URL at all.

Files are served only by compliance.views.document_download, which checks who asks.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateStorage(FileSystemStorage):
    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def file_permissions_mode(self) -> int:
        return 0o640

    @property
    def directory_permissions_mode(self) -> int:
        return 0o750

    def url(self, name):
        raise ValueError("Private documents have no URL; serve them through the document view.")


private_storage = PrivateStorage()
