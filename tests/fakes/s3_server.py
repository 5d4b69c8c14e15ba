"""A real S3 API on 127.0.0.1: moto's server mode, behind a gate that checks signatures the way S3 does.

moto implements S3's operations but accepts any signature and never expires a presigned link; S3 refuses both. The
gate verifies AWS Signature Version 4 on every request (the Authorization header, or a presigned link's query) with
the one key pair it knows, and answers S3's own errors: 403 `InvalidAccessKeyId`, `SignatureDoesNotMatch`,
`AccessDenied` ("Request has expired", or an anonymous request to the private bucket), `RequestTimeTooSkewed`.
`advance_clock()` moves the gate's clock so a test can outlive a link without sleeping.
"""

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, unquote

import boto3
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

ACCESS_KEY = "AKIAHERATESTKEY00001"
SECRET_KEY = "hera-test-secret-key-that-signs-every-request"
REGION = "eu-west-3"
BUCKET = "hera-books"

AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<credential>[^,]+),\s*SignedHeaders=(?P<signed>[^,]+),\s*Signature=(?P<signature>[0-9a-f]+)"
)
MAX_PRESIGNED_SECONDS = 7 * 24 * 3600  # S3's own ceiling for X-Amz-Expires
MAX_SKEW = timedelta(minutes=15)


class S3Refusal(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class SigV4Gate:
    """WSGI middleware: pass a request on to moto only if it is signed with SECRET_KEY and still valid."""

    def __init__(self, app, *, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY):
        self.app = app
        self.access_key = access_key
        self.secret_key = secret_key
        self.clock_offset = timedelta()
        self.refusals: list[str] = []
        # Methods answered 403 AccessDenied even when signed, as for a key without that permission.
        self.denied_methods: set[str] = set()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.clock_offset

    def __call__(self, environ, start_response):
        try:
            self.verify(environ)
        except S3Refusal as refusal:
            self.refusals.append(refusal.code)
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f"<Error><Code>{refusal.code}</Code><Message>{refusal.message}</Message></Error>"
            ).encode()
            start_response("403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
            return [body]
        return self.app(environ, start_response)

    def verify(self, environ) -> None:
        query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        params = dict(query)
        header = environ.get("HTTP_AUTHORIZATION", "")
        if header:
            match = AUTHORIZATION.match(header)
            if not match:
                raise S3Refusal("AccessDenied", "Only AWS4-HMAC-SHA256 signatures are accepted.")
            credential, signed, signature = match["credential"], match["signed"], match["signature"]
            amz_date = environ.get("HTTP_X_AMZ_DATE", "")
            payload = environ.get("HTTP_X_AMZ_CONTENT_SHA256", "")
            if not payload:
                raise S3Refusal("InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
            self.check_skew(amz_date)
            unsigned_query = query
        elif "X-Amz-Signature" in params:
            if params.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
                raise S3Refusal("AuthorizationQueryParametersError", "X-Amz-Algorithm only supports AWS4-HMAC-SHA256")
            credential, signed, signature = params["X-Amz-Credential"], params["X-Amz-SignedHeaders"], params["X-Amz-Signature"]
            amz_date = params.get("X-Amz-Date", "")
            payload = "UNSIGNED-PAYLOAD"
            self.check_expiry(amz_date, params.get("X-Amz-Expires", ""))
            unsigned_query = [(k, v) for k, v in query if k != "X-Amz-Signature"]
        else:
            raise S3Refusal("AccessDenied", "Access Denied")
        if environ["REQUEST_METHOD"] in self.denied_methods:
            raise S3Refusal("AccessDenied", "Access Denied")

        key_id, date, region, service, terminator = (credential.split("/") + ["", "", "", "", ""])[:5]
        if key_id != self.access_key:
            raise S3Refusal("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
        if service != "s3" or terminator != "aws4_request" or not amz_date.startswith(date):
            raise S3Refusal("AuthorizationHeaderMalformed", "The authorization header is malformed.")
        expected = self.signature(environ, unsigned_query, signed, payload, amz_date, f"{date}/{region}/s3/aws4_request")
        if not hmac.compare_digest(expected, signature):
            raise S3Refusal(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )

    def check_skew(self, amz_date: str) -> None:
        signed_at = parse_amz_date(amz_date)
        if abs(self.now() - signed_at) > MAX_SKEW:
            raise S3Refusal(
                "RequestTimeTooSkewed", "The difference between the request time and the current time is too large."
            )

    def check_expiry(self, amz_date: str, expires: str) -> None:
        if not expires.isdigit() or not 1 <= int(expires) <= MAX_PRESIGNED_SECONDS:
            raise S3Refusal("AuthorizationQueryParametersError", "X-Amz-Expires must be between 1 and 604800 seconds.")
        signed_at = parse_amz_date(amz_date)
        if self.now() > signed_at + timedelta(seconds=int(expires)):
            raise S3Refusal("AccessDenied", "Request has expired")
        if signed_at - self.now() > MAX_SKEW:
            raise S3Refusal("AccessDenied", "Request is not valid yet")

    def signature(self, environ, query, signed: str, payload: str, amz_date: str, scope: str) -> str:
        raw_path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(environ.get("PATH_INFO", "/"))
        path = quote(unquote(raw_path.split("?", 1)[0]), safe="/~")
        canonical_query = "&".join(
            f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query)
        )
        headers = []
        for name in signed.split(";"):
            value = environ.get("HTTP_" + name.upper().replace("-", "_"))
            if value is None and name in ("content-type", "content-length"):
                value = environ.get(name.upper().replace("-", "_"))
            if value is None:
                raise S3Refusal("SignatureDoesNotMatch", f"The signed header {name} is missing.")
            headers.append(f"{name}:{' '.join(value.split())}\n")
        canonical = "\n".join([environ["REQUEST_METHOD"], path, canonical_query, "".join(headers), signed, payload])
        string_to_sign = "\n".join(
            ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
        )
        date, region, service, terminator = scope.split("/")
        key = ("AWS4" + self.secret_key).encode()
        for part in (date, region, service, terminator):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def parse_amz_date(value: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise S3Refusal("AccessDenied", "X-Amz-Date must be in the ISO8601 basic format.") from None


class QuietHandler(MotoRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


class S3Server(ThreadedMotoServer):
    """moto's threaded server on a free port of 127.0.0.1, every request going through the SigV4 gate."""

    def __init__(self):
        super().__init__(ip_address="127.0.0.1", port=0, verbose=False)
        self.gate = SigV4Gate(DomainDispatcherApplication(create_backend_app))

    def _server_entry(self) -> None:
        self._server = make_server(self._ip_address, self._port, self.gate, True, request_handler=QuietHandler)
        self._server_ready_event.set()
        self._server.serve_forever()

    @property
    def endpoint_url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"

    def env(self, bucket: str = BUCKET) -> dict[str, str]:
        """The variables that point Hera (in this process or a child) at this server's bucket."""
        return {
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def client(self):
        return boto3.client(
            "s3", endpoint_url=self.endpoint_url, region_name=REGION,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        )

    def create_bucket(self, bucket: str = BUCKET) -> None:
        self.client().create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})

    def keys(self, bucket: str = BUCKET, prefix: str = "") -> list[str]:
        listing = self.client().list_objects_v2(Bucket=bucket, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def empty(self, bucket: str = BUCKET) -> None:
        client = self.client()
        for key in self.keys(bucket):
            client.delete_object(Bucket=bucket, Key=key)

    def advance_clock(self, seconds: float) -> None:
        self.gate.clock_offset += timedelta(seconds=seconds)

    def reset_clock(self) -> None:
        self.gate.clock_offset = timedelta()


def main() -> None:
    """Serve in a process of its own (memory tests, benches): print the endpoint, stop when stdin closes."""
    import sys

    server = S3Server()
    server.start()
    server.create_bucket()
    print(server.endpoint_url, flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
