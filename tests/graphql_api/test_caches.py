"""Parsing and validation are cached across requests (the limits must not defeat the cache)."""

from graphql_api.schema import build_schema


async def test_repeated_query_hits_the_validation_cache():
    from strawberry.extensions.validation_cache import _get_validate_cache

    schema = build_schema()
    cache = _get_validate_cache(256)
    query = "{ viewer { username } __typename }"
    await schema.execute(query, context_value=type("C", (), {"viewer": None})())
    before = cache.cache_info()
    for _ in range(3):
        result = await schema.execute(query, context_value=type("C", (), {"viewer": None})())
        assert result.errors is None
    after = cache.cache_info()
    assert after.hits - before.hits == 3
    assert after.misses == before.misses


async def test_depth_limit_still_applies_with_shared_rules():
    schema = build_schema(max_depth=2)
    result = await schema.execute("{ documents { edges { node { id } } } }")
    assert result.errors and "exceeds maximum operation depth" in result.errors[0].message
