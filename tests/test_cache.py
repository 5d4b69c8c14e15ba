"""hera.cache: the database cache the rate limits count in, shared by every process, with an atomic increment."""

import threading

import pytest
from django.core.cache import cache
from django.db import connection


@pytest.mark.django_db
def test_migrate_creates_the_cache_table():
    assert "hera_cache" in connection.introspection.table_names()


@pytest.mark.django_db
def test_incr_of_a_missing_key_raises_value_error_as_django_caches_do():
    with pytest.raises(ValueError):
        cache.incr("hera-missing")


@pytest.mark.django_db
def test_incr_keeps_the_keys_expiry():
    cache.add("hera-count", 1, 60)
    assert cache.incr("hera-count", 2) == 3
    assert cache.get("hera-count") == 3


@pytest.mark.django_db
def test_incr_of_an_expired_key_raises_value_error():
    cache.add("hera-old", 1, -1)
    with pytest.raises(ValueError):
        cache.incr("hera-old")


@pytest.mark.django_db(transaction=True)
def test_concurrent_increments_from_many_connections_are_all_counted():
    # What several gunicorn workers do to one client's counter: Django's own DatabaseCache loses increments here.
    cache.add("hera-burst", 0, 60)
    threads_count, each = 8, 10
    start = threading.Barrier(threads_count)

    def hammer():
        try:
            start.wait(timeout=10)
            for _ in range(each):
                cache.incr("hera-burst")
        finally:
            connection.close()

    threads = [threading.Thread(target=hammer) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert cache.get("hera-burst") == threads_count * each


@pytest.mark.django_db
def test_django_q2_cluster_statistics_are_not_written_to_the_database():
    # The sentinel saves its Stat twice a second through the broker; into this cache it was three queries each time.
    from django_q.brokers import get_broker
    from django_q.status import Stat

    get_broker().set_stat(Stat.get_key("hera-test-cluster"), "statistics", 3)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM hera_cache")
        assert cursor.fetchone() == (0,)
