"""`manage.py qcluster` logs in English while the customers' default language stays French."""

import pytest
from django.conf import settings
from django.utils import translation
from django_q.tasks import async_task

from hera.management.commands.qcluster import LOG_LANGUAGE
from orders.emails import email_message
from orders.models import EmailKind, OutboundEmail
from tests.conftest import make_order
from tests.orders.test_worker_process import Clusters, wait_for


@pytest.fixture
def clusters(tmp_path):
    started = Clusters(tmp_path)
    yield started
    started.kill_all()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_cluster_logs_a_failed_task_in_english_while_the_site_speaks_french(clusters):
    assert settings.LANGUAGE_CODE == "fr"
    _, log = clusters.start()
    async_task("math.sqrt", -1, task_name="square-root-of-minus-one")
    wait_for(lambda: "(square-root-of-minus-one)" in log.read_text(), timeout=60, what="the failed task's log line")
    text = log.read_text()
    assert "Failed 'math.sqrt' (square-root-of-minus-one) - math domain error" in text
    assert "Manqué" not in text


@pytest.mark.django_db
def test_an_email_made_in_the_english_speaking_cluster_keeps_the_orders_language():
    order = make_order(status="queued", language="fr", child_name="Zoë")
    with translation.override(LOG_LANGUAGE):
        message = email_message(OutboundEmail.objects.get(order=order, kind=EmailKind.QUEUED))
    assert message.subject == "Le livre de Zoë est dans la file"
    assert "dans la file" in message.body


def test_the_cluster_forked_by_serve_starts_its_sentinel_in_english(monkeypatch):
    import django_q.cluster

    from hera import worker_cluster

    languages = []
    monkeypatch.setattr(django_q.cluster, "Sentinel", lambda *args: languages.append(translation.get_language()))
    monkeypatch.setattr(worker_cluster.signal, "signal", lambda signum, handler: None)  # this is the test process
    with translation.override("fr"):
        worker_cluster.run_sentinel(None, None, None, ())
    assert languages == [LOG_LANGUAGE]
