"""Where pages and books are kept: MEDIA_ROOT on the local disk, or a private S3-compatible bucket.

With `AWS_STORAGE_BUCKET_NAME` set, Django's default storage is `BucketStorage` (django-storages' S3 backend on
Cloudflare R2, Backblaze B2, S3 or MinIO), so a worker and a web process on different machines, or one machine
restarted with an empty disk, see the same pages and books. Customers never get the bucket's address: Hera's own
`/orders/<token>/book.pdf` answers with a short-lived signed link each time it is asked.
"""

from django.conf import settings
from django.core.files.storage import storages
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class BucketStorage(S3Storage):
    """A private bucket whose uploads of local files stream from disk, part by part, never read whole into memory."""

    def _save(self, name, content):
        local_path = getattr(content, "temporary_file_path", None)
        if local_path is None:
            # A page checkpoint (a few hundred kB) or an upload: the library's own path is fine.
            return super()._save(name, content)
        cleaned = clean_name(name)
        key = self._normalize_name(cleaned)
        # By path, s3transfer reads each part from the file as it sends it; given a file object, it would buffer
        # whole parts in memory (up to max_concurrency of them).
        self.bucket.Object(key).upload_file(
            local_path(), ExtraArgs=self._get_write_parameters(key, content), Config=self.transfer_config
        )
        return cleaned


def signed_download_url(name: str, filename: str) -> str | None:
    """Return a link to `name` in the bucket, signed for HERA_DOWNLOAD_URL_SECONDS, or None when books are on disk."""
    storage = storages["default"]
    if not isinstance(storage, S3Storage):
        return None
    parameters = {
        "ResponseContentDisposition": content_disposition_header(True, filename),
        "ResponseContentType": "application/pdf",
    }
    return storage.url(name, parameters=parameters, expire=settings.HERA_DOWNLOAD_URL_SECONDS)
