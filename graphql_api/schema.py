"""The strawberry schema with its protections: parse/validation caches, depth, token, alias and
cost limits, checks of literal values, and masking of unexpected errors."""

import strawberry
from graphql import GraphQLError
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache, ValidationCache
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from graphql_api.boundary import LiteralRule
from graphql_api.cost import cost_rule
from graphql_api.designer.api import DesignerMutation, DesignerQuery
from graphql_api.errors import MaskUnexpectedErrors
from graphql_api.mutations import Mutation
from graphql_api.queries import Query


class Schema(strawberry.Schema):
    """Client mistakes and deliberate errors are answers, not incidents: only the masking
    extension logs, and only unexpected errors."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        return None


MAX_ALIASES = 30


def build_schema(*, max_tokens: int = 2_000, max_depth: int = 12, max_cost: int = 20_000) -> strawberry.Schema:
    # The depth and alias rules are built once: ValidationCache keys on the rule classes, and
    # the stock limiters build new classes per request, which would make every lookup a miss.
    limits = [depth_rule(max_depth, None, None), alias_rule(MAX_ALIASES), LiteralRule, cost_rule(max_cost)]
    return Schema(
        query=merge_types("Query", (Query, DesignerQuery)),
        mutation=merge_types("Mutation", (Mutation, DesignerMutation)),
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            lambda: ParserCache(maxsize=256),
            lambda: AddValidationRules(limits),
            lambda: ValidationCache(maxsize=256),
            MaskUnexpectedErrors,
        ],
    )


def sdl() -> str:
    """The printed schema, as committed in graphql_api/schema.graphql."""
    return build_schema().as_str() + "\n"
