import pytest

from rules import cache
from rules.errors import WorkflowError


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_same_version_gives_the_same_workflow_object(raw):
    first = cache.compiled(42, raw)

    assert cache.compiled(42, {"ignored": "published versions never change"}) is first


def test_other_version_is_parsed_on_its_own(raw):
    assert cache.compiled(1, raw) is not cache.compiled(2, raw)


def test_clear_forgets_every_workflow(raw):
    first = cache.compiled(1, raw)
    cache.clear()

    assert cache.compiled(1, raw) is not first


def test_broken_definition_is_not_cached(raw):
    with pytest.raises(WorkflowError):
        cache.compiled(7, {})

    assert cache.compiled(7, raw).initial == "draft"


def test_least_recently_used_version_is_dropped_first(raw, monkeypatch):
    monkeypatch.setattr(cache, "MAXSIZE", 2)
    first = cache.compiled(1, raw)
    second = cache.compiled(2, raw)
    assert cache.compiled(1, raw) is first

    cache.compiled(3, raw)

    assert cache.compiled(1, raw) is first
    assert cache.compiled(2, raw) is not second
