"""What gunicorn's master preloads under `manage.py serve` is what every forked process shares: keep it lean."""

import json
import os
import subprocess
import sys

from django.conf import settings

BOOK_ONLY_MODULES = ("google.genai", "reportlab", "PIL", "pydantic")


def test_the_master_preloads_the_web_and_the_cluster_without_the_book_libraries():
    code = (
        "import json, sys; import hera.wsgi; from hera.gunicorn_conf import load_shared_modules; "
        "load_shared_modules(with_cluster=True); print(json.dumps(sorted(sys.modules)))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, capture_output=True, text=True,
                            check=True, timeout=60).stdout
    modules = json.loads(loaded.splitlines()[-1])
    assert "orders.views" in modules and "django_q.cluster" in modules
    assert [m for m in modules if m.split(".")[0] in {n.split(".")[0] for n in BOOK_ONLY_MODULES}
            and any(m == n or m.startswith(n + ".") for n in BOOK_ONLY_MODULES)] == []


def test_with_a_bucket_the_master_loads_no_s3_library_until_a_process_uses_the_bucket(s3_server):
    # Preloading boto3 here, for every forked process to share, cost 14–23 MB at rest for 6–9 MB less at the peak
    # (bench/RESULTS.md): the web loads it when it first signs a link, a book worker when it first stores a page.
    code = (
        "import json, sys; import hera.wsgi; from hera.gunicorn_conf import load_shared_modules; "
        "load_shared_modules(with_cluster=True); from django.conf import settings; "
        "print(settings.STORAGES['default']['BACKEND']); print(json.dumps(sorted(sys.modules)))"
    )
    env = {**os.environ, **s3_server.env()}
    loaded = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, capture_output=True, text=True,
                            check=True, timeout=60, env=env).stdout
    modules = json.loads(loaded.splitlines()[-1])
    assert loaded.splitlines()[-2] == "hera.storage.BucketStorage"
    assert "orders.views" in modules
    s3_libraries = [m for m in modules if m.split(".")[0] in ("boto3", "botocore", "s3transfer")]
    assert s3_libraries + [m for m in modules if m.startswith("storages.")] == []
