"""render.yaml: the free single instance keeps its books in the bucket, and the web + worker layout shares it."""

import pytest
import yaml
from django.conf import settings

BLUEPRINT = yaml.safe_load((settings.BASE_DIR / "render.yaml").read_text())
SERVICES = {service["name"]: service for service in BLUEPRINT["services"]}
GROUP = {var["key"]: var for var in BLUEPRINT["envVarGroups"][0]["envVars"]}
BUCKET_VARIABLES = {
    "AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL", "AWS_S3_REGION_NAME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
}
# Read by Render itself or by gunicorn rather than by hera/settings.py.
PLATFORM_VARIABLES = {"PYTHON_VERSION", "WEB_CONCURRENCY"}


def test_the_single_instance_runs_on_the_free_plan_without_a_disk():
    hera = SERVICES["hera"]
    assert hera["plan"] == "free"
    assert "disk" not in hera
    assert "manage.py serve" in hera["startCommand"]
    assert "preDeployCommand" not in hera  # a paid-instance feature: migrations run in the start command
    assert "migrate" in hera["startCommand"]


@pytest.mark.parametrize("name", ["hera", "hera-web", "hera-worker"])
def test_every_service_reads_the_same_bucket(name):
    groups = [var["fromGroup"] for var in SERVICES[name]["envVars"] if "fromGroup" in var]
    assert groups == ["hera-settings"]
    assert BUCKET_VARIABLES <= set(GROUP)


def test_the_worker_is_on_a_paid_plan_since_render_has_no_free_worker():
    assert SERVICES["hera-worker"]["type"] == "worker"
    assert SERVICES["hera-worker"]["plan"] != "free"
    assert SERVICES["hera-web"]["plan"] == "free"


def test_every_variable_the_blueprint_sets_is_one_hera_reads():
    source = (settings.BASE_DIR / "hera" / "settings.py").read_text()
    keys = set(GROUP) | {var["key"] for service in SERVICES.values() for var in service["envVars"] if "key" in var}
    unknown = {key for key in keys - PLATFORM_VARIABLES if f'"{key}"' not in source}
    assert not unknown


@pytest.mark.parametrize("name", ["hera", "hera-web", "hera-worker"])
def test_the_platform_waits_as_long_as_the_stop_budget(name):
    assert SERVICES[name]["maxShutdownDelaySeconds"] == int(GROUP["HERA_STOP_GRACE_SECONDS"]["value"])


@pytest.mark.parametrize("name", ["hera", "hera-web"])
def test_the_start_command_does_not_wait_on_the_generator(name):
    assert "check_generator" not in SERVICES[name]["startCommand"]


def test_the_number_of_books_at_once_follows_the_plan_memory():
    assert GROUP["HERA_CONCURRENT_GENERATIONS"]["value"] == "auto"
