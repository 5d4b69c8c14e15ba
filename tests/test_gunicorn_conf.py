"""What gunicorn's master preloads under `manage.py serve` is what every forked process shares: keep it lean."""

import json
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
