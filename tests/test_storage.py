"""Object storage against a real S3 API (moto's server, with S3's signature checks) on 127.0.0.1."""

import hashlib
import os
import subprocess
import sys
import threading
import tracemalloc
import urllib.error
import urllib.request
from email.message import Message
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from pypdf import PdfReader

from generation.base import BookRequest
from generation.book import MovableFile, build_book, page_name
from hera import storage as storage_module
from hera.settings import bucket_storage
from hera.storage import BucketStorage
from tests.fakes.s3_server import BUCKET
from tests.generation.counting import CountingGenerator

PREFIX = "work/42"


def book_request(pages: int = 6) -> BookRequest:
    return BookRequest(child_name="Zoë", child_age=6, theme="forest", language="fr", page_count=pages, seed=11)


def fetch(url: str) -> tuple[int, Message, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers, refused.read()


def test_with_a_bucket_name_the_default_storage_is_the_bucket(bucket):
    storage = storages["default"]
    assert isinstance(storage, BucketStorage)
    assert storage.bucket_name == BUCKET
    assert storage.default_acl is None
    assert storage.querystring_expire == django_settings.HERA_DOWNLOAD_URL_SECONDS == 600


def test_without_a_bucket_name_books_stay_on_the_local_disk():
    assert not isinstance(storages["default"], BucketStorage)
    assert not hasattr(storages["default"], "download_link")


def test_the_bucket_client_signs_v4_and_sends_checksums_only_when_required(bucket):
    config = storages["default"].client_config
    assert config.signature_version == "s3v4"
    assert config.request_checksum_calculation == "when_required"


def test_pages_are_in_the_bucket_as_soon_as_they_are_reported(bucket):
    seen: list[list[str]] = []
    build_book(
        book_request(4), CountingGenerator(), work_prefix=PREFIX, book_name="books/a.pdf",
        on_page_done=lambda done: seen.append(bucket.keys(prefix=PREFIX)),
    )
    assert [len(keys) for keys in seen] == [1, 2, 3, 4]


def test_a_book_is_built_into_the_bucket_and_nothing_is_left_on_the_local_disk(bucket, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    result = build_book(book_request(4), CountingGenerator(), work_prefix=PREFIX, book_name="books/a.pdf")
    assert result.pdf_name == "books/a.pdf"
    assert bucket.keys(prefix="books/") == ["books/a.pdf"]
    with default_storage.open(result.pdf_name, "rb") as fh:
        assert len(PdfReader(fh).pages) == 4 + 5  # cover, title, dedication, the end, back cover
    assert not (tmp_path / "media").exists()


def test_an_interrupted_book_resumes_from_the_pages_in_the_bucket_on_a_fresh_disk(bucket, tmp_path, settings):
    req = book_request(12)
    first = CountingGenerator()

    def stop_after_five(done: int) -> None:
        if done == 5:
            raise RuntimeError("the instance stops")

    settings.MEDIA_ROOT = tmp_path / "first-disk"
    with pytest.raises(RuntimeError):
        build_book(req, first, work_prefix=PREFIX, book_name="books/a.pdf", on_page_done=stop_after_five,
                   concurrency=1)
    story = first.inner.write_story(req)

    settings.MEDIA_ROOT = tmp_path / "second-disk"  # another machine: nothing local survives
    second = CountingGenerator()
    result = build_book(req, second, work_prefix=PREFIX, book_name="books/a.pdf", story=story)
    assert result.pages_reused == 5
    assert sorted(second.pages) == sorted(set(range(12)) - set(first.pages))
    assert len(second.pages) == 7


def test_the_signed_link_downloads_the_book_as_an_attachment(bucket):
    default_storage.save("books/a.pdf", ContentFile(b"%PDF-1.4 a book"))
    status, headers, body = fetch(default_storage.download_link("books/a.pdf", "Zoë-hera.pdf"))
    assert status == 200
    assert body == b"%PDF-1.4 a book"
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''Zo%C3%AB-hera.pdf" in headers["Content-Disposition"]


def test_the_signed_link_expires_after_hera_download_url_seconds(bucket):
    default_storage.save("books/a.pdf", ContentFile(b"%PDF-1.4 a book"))
    url = default_storage.download_link("books/a.pdf", "a.pdf")
    assert dict(parse_qsl(urlsplit(url).query))["X-Amz-Expires"] == "600"
    bucket.advance_clock(590)
    assert fetch(url)[0] == 200
    bucket.advance_clock(20)
    status, _, body = fetch(url)
    assert status == 403
    assert b"Request has expired" in body


def test_a_tampered_signed_link_is_refused(bucket):
    default_storage.save("books/a.pdf", ContentFile(b"a"))
    default_storage.save("books/b.pdf", ContentFile(b"b"))
    url = urlsplit(default_storage.download_link("books/a.pdf", "a.pdf"))
    other_book = urlunsplit(url._replace(path=url.path.replace("a.pdf", "b.pdf")))
    longer = dict(parse_qsl(url.query), **{"X-Amz-Expires": "604800"})
    for tampered in (other_book, urlunsplit(url._replace(query=urlencode(longer)))):
        status, _, body = fetch(tampered)
        assert status == 403
        assert b"SignatureDoesNotMatch" in body


def test_the_bucket_is_private(bucket):
    default_storage.save("books/a.pdf", ContentFile(b"a"))
    status, _, body = fetch(f"{bucket.endpoint_url}/{BUCKET}/books/a.pdf")
    assert status == 403
    assert b"AccessDenied" in body


def test_a_wrong_secret_key_is_refused(bucket, settings):
    wrong = {**bucket.env(), "AWS_SECRET_ACCESS_KEY": "not-the-secret"}
    settings.STORAGES = {**settings.STORAGES, "default": bucket_storage(wrong, 600)}
    with pytest.raises(Exception, match="SignatureDoesNotMatch"):
        default_storage.save("books/a.pdf", ContentFile(b"a"))
    assert bucket.keys() == []


def test_a_page_checkpoint_overwrites_in_place(bucket):
    local = default_storage.save(page_name(PREFIX, 0), ContentFile(b"first"))
    again = default_storage.save(page_name(PREFIX, 0), ContentFile(b"second"))
    assert local == again == "work/42/page-01.jpg"
    assert bucket.keys() == ["work/42/page-01.jpg"]


@pytest.fixture
def s3_process():
    """An S3 server in a process of its own, so that this process's memory is only the uploader's."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.s3_server"], cwd=django_settings.BASE_DIR,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        yield proc.stdout.readline().strip()
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)


def test_a_book_is_streamed_up_from_its_file_never_held_whole_in_memory(s3_process, tmp_path):
    from tests.fakes.s3_server import ACCESS_KEY, REGION, SECRET_KEY

    env = {"AWS_STORAGE_BUCKET_NAME": BUCKET, "AWS_S3_ENDPOINT_URL": s3_process, "AWS_S3_REGION_NAME": REGION,
           "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    options = bucket_storage(env, 600)["OPTIONS"]
    storage = BucketStorage(**options)
    book = tmp_path / "book.pdf"
    with open(book, "wb") as fh:
        for _ in range(24):
            fh.write(os.urandom(1024 * 1024))  # 24 MB: three multipart parts
    storage.exists("warm-up")  # the client and its connection pool are not the upload
    tracemalloc.start()
    try:
        with MovableFile(open(book, "rb"), name=str(book)) as fh:
            storage.save("books/big.pdf", fh)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Given a file object instead of its path, s3transfer holds whole 8 MB parts: 29 MB measured for this book.
    assert peak < 8 * 1024 * 1024, f"{peak / 1e6:.1f} MB held while uploading a 24 MB book"
    with storage.open("books/big.pdf", "rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == hashlib.sha256(book.read_bytes()).hexdigest()


AWS_LIKE = [
    # (endpoint, region): Cloudflare R2, Backblaze B2, MinIO on plain http, and AWS itself without an endpoint.
    ("https://0123456789abcdef.r2.cloudflarestorage.com", "auto"),
    ("https://s3.eu-central-003.backblazeb2.com", "eu-central-003"),
    ("http://127.0.0.1:9000", "us-east-1"),
    (None, "eu-west-3"),
    (None, "us-east-1"),
]


R2_OPTIONS = {"bucket_name": "hera-books", "endpoint_url": "https://example.r2.cloudflarestorage.com",
              "region_name": "auto", "access_key": "AKIDEXAMPLE", "secret_key": "secret"}


@pytest.mark.parametrize(("endpoint", "region"), AWS_LIKE)
def test_the_compact_botocore_data_resolves_and_signs_as_botocore_s_own(endpoint, region):
    options = {"bucket_name": "hera-books", "endpoint_url": endpoint, "region_name": region,
               "access_key": "AKIDEXAMPLE", "secret_key": "secret", "signature_version": "s3v4"}
    compact = BucketStorage(**options).connection.meta.client
    stock = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret").client(
        "s3", endpoint_url=endpoint, region_name=region, config=BucketStorage(**options).client_config
    )

    def signed(client) -> tuple:
        url = urlsplit(client.generate_presigned_url("get_object", Params={"Bucket": "hera-books", "Key": "b.pdf"}))
        query = dict(parse_qsl(url.query))
        return url.scheme, url.netloc, url.path, query["X-Amz-Credential"].split("/", 2)[2], query["X-Amz-SignedHeaders"]

    assert (compact.meta.endpoint_url, compact.meta.region_name) == (stock.meta.endpoint_url, stock.meta.region_name)
    assert signed(compact) == signed(stock)


def test_a_bucket_client_holds_a_third_of_what_botocore_s_own_data_files_take(monkeypatch):
    monkeypatch.setattr(storage_module, "_loader", None)  # read the data files again, as a new process would
    tracemalloc.start()
    try:
        client = BucketStorage(**R2_OPTIONS).connection.meta.client
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    endpoints = storage_module.shared_loader().load_data("endpoints")

    assert client.meta.service_model.service_name == "s3"
    assert {name for partition in endpoints["partitions"] for name in partition["services"]} == {"s3", "sts"}
    assert type(endpoints) is dict  # not botocore's OrderedDicts
    # botocore's own loader: 11.4 MB of data files (endpoints 6.7, S3 model 3.2, endpoint rules 1.3) and the client;
    # 4.4 MB with the data files read compactly, 3.1 MB once the model's documentation strings are left out.
    assert held < 3.6 * 1024 * 1024, f"{held / 1e6:.1f} MB held by one bucket client"


def test_botocore_s_big_data_files_are_parsed_outside_the_process(monkeypatch):
    monkeypatch.setattr(storage_module, "_loader", None)
    tracemalloc.start()
    try:
        client = BucketStorage(**R2_OPTIONS).connection.meta.client
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert client.meta.service_model.service_name == "s3"
    # Parsed here, the endpoints table of every AWS service would take this process to a 6.1 MB peak, and what was
    # dropped would stay in its allocator (4.2 MB of a book worker's memory): 3.6 MB measured once it is not.
    assert peak < 4.5 * 1024 * 1024, f"{peak / 1e6:.1f} MB at the peak of creating a bucket client"


def test_a_bucket_client_keeps_no_documentation_strings(monkeypatch):
    monkeypatch.setattr(storage_module, "_loader", None)
    model = BucketStorage(**R2_OPTIONS).connection.meta.client.meta.service_model

    put_object = model.operation_model("PutObject")
    assert (put_object.documentation, put_object.input_shape.members["Body"].documentation) == ("", "")
    assert put_object.input_shape.members["Body"].type_name == "blob"  # the model itself is whole


def test_every_thread_s_bucket_session_shares_the_data_files_read_once(monkeypatch):
    monkeypatch.setattr(storage_module, "_loader", None)
    reads = []
    load_file = storage_module.CompactJSONFileLoader.load_file
    monkeypatch.setattr(storage_module.CompactJSONFileLoader, "load_file",
                        lambda self, path: reads.append(path) or load_file(self, path))
    storage = BucketStorage(**R2_OPTIONS)
    connections = []
    threads = [threading.Thread(target=lambda: connections.append(storage.connection)) for _ in range(3)]
    for thread in threads:
        thread.start()
        thread.join()

    assert len({id(connection) for connection in connections}) == 3  # django-storages: a session per thread
    assert sorted(reads) == sorted(set(reads)), "a data file was read twice"
    assert any(path.endswith("service-2") for path in reads)
    assert storage_module.shared_loader().search_paths.count(os.path.dirname(boto3.__file__) + "/data") == 1


def test_the_bucket_storage_does_not_load_cryptography_which_only_cloudfront_signing_needs():
    code = (
        "import sys, django; django.setup(); import hera.storage; "
        "print('cryptography' in sys.modules); import cryptography"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hera.settings", "DJANGO_DEBUG": "on"}
    loaded = subprocess.run([sys.executable, "-c", code], cwd=django_settings.BASE_DIR, capture_output=True,
                            text=True, check=True, timeout=60, env=env).stdout
    assert loaded.split() == ["False"]  # and it stays importable for whatever else needs it
