"""The strawberry schema with its protections: parse/validation caches, depth, token and
alias limits, and masking of unexpected errors."""

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from graphql_api.errors import MaskUnexpectedErrors
from graphql_api.mutations import Mutation
from graphql_api.queries import Query


class Schema(strawberry.Schema):
    """Client mistakes and deliberate errors are answers, not incidents: only the masking
    extension logs, and only unexpected errors."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        return None


def build_schema(*, max_tokens: int = 2_000, max_depth: int = 12) -> strawberry.Schema:
    return Schema(
        query=Query,
        mutation=Mutation,
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            lambda: QueryDepthLimiter(max_depth=max_depth),
            lambda: MaxAliasesLimiter(max_alias_count=30),
            MaskUnexpectedErrors,
        ],
    )


def sdl() -> str:
    """The printed schema, as committed in graphql_api/schema.graphql."""
    return build_schema().as_str() + "\n"
