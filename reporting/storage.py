"""Private file storage for generated reports: under PRIVATE_MEDIA_ROOT/reports, with no URL.

Files are served only through ``reporting.services.report_open_for_download``, which checks who
asks and re-hashes the file first.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible
class ReportStorage(FileSystemStorage):
    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT / "reports")

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
        raise ValueError("Reports have no URL; serve them through report_open_for_download.")


report_storage = ReportStorage()
