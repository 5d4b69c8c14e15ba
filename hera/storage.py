"""Where pages and books are kept when AWS_STORAGE_BUCKET_NAME is set: a private S3-compatible bucket.

`BucketStorage` (django-storages' S3 backend on Cloudflare R2, Backblaze B2, S3 or MinIO) is Django's default storage
then, so a worker and a web process on different machines, or one machine restarted with an empty disk, see the same
pages and books. Customers never get the bucket's address: Hera's own `/orders/<token>/book.pdf` asks
`download_link()` for a short-lived signed link each time it is opened.
"""

from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

PART_BYTES = 8 * 1024 * 1024


class BucketStorage(S3Storage):
    """A private bucket whose uploads of local files stream from disk, part by part, never read whole into memory."""

    def __init__(self, **options):
        super().__init__(**options)
        self.client_config = self.client_config.merge(Config(
            # botocore's default CRC32 trailers on every upload are refused by some S3-compatible stores.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"mode": "standard", "max_attempts": 5},
            connect_timeout=10,
            read_timeout=60,
        ))
        # One part at a time, in this thread: no transfer threads and their buffers on a 512 MB host, for a book
        # that uploads in seconds anyway.
        self.transfer_config = TransferConfig(
            multipart_threshold=PART_BYTES, multipart_chunksize=PART_BYTES, use_threads=False
        )

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

    def download_link(self, name: str, filename: str) -> str:
        """Return a link to `name`, signed for HERA_DOWNLOAD_URL_SECONDS, that downloads it as `filename`."""
        parameters = {
            "ResponseContentDisposition": content_disposition_header(True, filename),
            "ResponseContentType": "application/pdf",
        }
        return self.url(name, parameters=parameters)
