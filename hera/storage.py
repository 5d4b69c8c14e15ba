"""Where pages and books are kept when AWS_STORAGE_BUCKET_NAME is set: a private S3-compatible bucket.

`BucketStorage` (django-storages' S3 backend on Cloudflare R2, Backblaze B2, S3 or MinIO) is Django's default storage
then, so a worker and a web process on different machines, or one machine restarted with an empty disk, see the same
pages and books. Customers never get the bucket's address: Hera's own `/orders/<token>/book.pdf` asks
`download_link()` for a short-lived signed link each time it is opened.
"""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.loaders import JSONFileLoader, Loader
from botocore.session import Session as CoreSession
from django.utils.http import content_disposition_header
from storages.utils import clean_name

from hera import botocore_data
from hera.imports import unimportable

# django-storages imports `cryptography` when it is loaded, for CloudFront's signed URLs, which Hera never makes (its
# links are S3's own presigned URLs, signed with hmac): 4.1 MB of a process's own memory, 6.8 MB of its PSS, in the
# web and in every book worker. Without it, django-storages says so only if CloudFront signing is asked for.
with unimportable("cryptography"):
    from storages.backends.s3 import S3Storage

PART_BYTES = 8 * 1024 * 1024
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class CompactJSONFileLoader(JSONFileLoader):
    """botocore's data files read into plain dicts, with only the bucket's services kept from the endpoints table.

    botocore reads every file into OrderedDicts, which Python's dicts made unnecessary (they keep their order), and
    its endpoints table lists every AWS service in every region. For S3 alone that was 11.4 MB of Python objects per
    process (endpoints 6.7, the S3 model 3.2, its endpoint rules 1.3); read this way, 3.1 MB (hera/botocore_data.py:
    the service models' documentation strings are left out too). The two big files are read by a short-lived process
    of their own, which hands over the compact JSON: parsing them here would leave what was dropped in this process's
    allocator.
    """

    IN_A_PROCESS_OF_THEIR_OWN = frozenset({"endpoints", "service-2"})

    def load_file(self, file_path):
        if os.path.basename(file_path) not in self.IN_A_PROCESS_OF_THEIR_OWN:
            return botocore_data.read_compact(file_path)
        output = subprocess.run(
            [sys.executable, "-m", "hera.botocore_data", file_path], cwd=PROJECT_ROOT, capture_output=True,
            check=True, timeout=60,
        ).stdout
        return json.loads(output)


class UniquePaths(list):
    """A search path list that boto3 can append its data folder to once per session without it growing."""

    def append(self, path):
        if path not in self:
            super().append(path)


_loader_lock = threading.Lock()
_loader: Loader | None = None


def shared_loader() -> Loader:
    """Return the process's one botocore data loader, so each thread's bucket session reuses what it has read."""
    global _loader
    with _loader_lock:
        if _loader is None:
            _loader = Loader(extra_search_paths=UniquePaths(), file_loader=CompactJSONFileLoader())
        return _loader


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

    def _create_session(self):
        # django-storages makes a session per thread; each would read botocore's data files again.
        core = CoreSession()
        core.register_component("data_loader", shared_loader())
        if self.session_profile:
            return boto3.Session(profile_name=self.session_profile, botocore_session=core)
        return boto3.Session(
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            aws_session_token=self.security_token,
            botocore_session=core,
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
