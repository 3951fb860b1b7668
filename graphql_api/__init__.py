"""The GraphQL API (strawberry): types, queries, mutations, auth context, limits."""
