"""The query cost budget: what a query may cost, computed from its text and the schema before
anything runs.

Depth, token and alias limits bound a query's size, not its work: thirty aliases of
`documents(first: 100) { diagram screen history }` are small and took a minute. The cost of a
field is its weight plus its selection's cost, times how many items it may return: `first`
when written as a number, the page maximum when it comes from a variable (validation does
not see variables, and a cached verdict must hold for any of them), the default page size when
absent, `ASSUMED_LIST_SIZE` for other lists. Heavy fields (an SVG diagram, a compiled screen)
weigh more. A query over the budget is refused with its cost and the budget, before execution.
"""

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

from models.queries import DEFAULT_PAGE, MAX_PAGE

ASSUMED_LIST_SIZE = 10
DEFAULT_WEIGHT = 1

# Measured, roughly, in "what one plain field costs": rendering SVG or compiling a screen
# takes milliseconds and allocates kilobytes per document.
WEIGHTS: dict[str, int] = {
    "Document.diagram": 20,
    "Document.screen": 20,
    "DocumentType.diagram": 20,
    "DocumentType.screen": 20,
    "Document.history": 5,
    "Query.previewDiagram": 20,
    "Query.previewScreen": 20,
    "Query.exportBpmn": 20,
    "Query.exportDocumentType": 20,
}
# Lists whose size is already counted by the field above them (a connection's `first`).
COUNTED_ABOVE = {"DocumentConnection.edges"}
PAGED = {"Query.documents", "Query.inbox", "Query.catalogEntries"}


class CostOverBudget(GraphQLError):
    """Raised (reported) when a query's static cost passes the budget."""


def _named(type_: GraphQLOutputType) -> tuple[GraphQLNamedType, bool]:
    """The named type under the wrappers, and whether a list is among them."""
    is_list = False
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        is_list = is_list or isinstance(type_, GraphQLList)
        type_ = type_.of_type
    return type_, is_list


def _size(node: FieldNode, is_list: bool, key: str) -> int:
    """How many times the selection of `node` may be resolved."""
    first = next((a.value for a in node.arguments or () if a.name.value == "first"), None)
    if first is not None:
        return max(0, min(int(first.value), MAX_PAGE)) if isinstance(first, IntValueNode) else MAX_PAGE
    if key in PAGED:
        return DEFAULT_PAGE
    return ASSUMED_LIST_SIZE if is_list and key not in COUNTED_ABOVE else 1


class CostRule(ValidationRule):
    """Computes each operation's cost and reports one error when it passes `budget`."""

    budget = 20_000

    def __init__(self, context: ValidationContext):
        super().__init__(context)
        self.fragments = {f.name.value: f for f in context.document.definitions
                          if isinstance(f, FragmentDefinitionNode)}

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: object) -> None:
        root = self.context.schema.get_root_type(node.operation)
        if root is None:
            return
        cost = self._cost(node.selection_set, root, set())
        if cost > self.budget:
            name = f"operation {node.name.value!r}" if node.name else "this operation"
            self.report_error(CostOverBudget(
                f"{name} may cost {cost:,}, over the budget of {self.budget:,}: ask for fewer documents (first), "
                "fewer aliases, or leave out heavy fields (diagram, screen, history) from lists",
                node, extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "budget": self.budget},
            ))

    def _cost(self, selections: SelectionSetNode | None, parent: GraphQLNamedType, seen: set[str]) -> int:
        if selections is None:
            return 0
        total = 0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                total += self._field(selection, parent, seen)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.context.schema.get_type(condition.name.value) if condition else parent
                total += self._cost(selection.selection_set, target or parent, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:  # unknown or cyclic: other rules report it
                    continue
                target = self.context.schema.get_type(fragment.type_condition.name.value)
                total += self._cost(fragment.selection_set, target or parent, seen | {name})
        return total

    def _field(self, node: FieldNode, parent: GraphQLNamedType, seen: set[str]) -> int:
        if not isinstance(parent, GraphQLObjectType) or node.name.value not in parent.fields:
            return DEFAULT_WEIGHT  # __typename, or fields of abstract types resolved in fragments
        key = f"{parent.name}.{node.name.value}"
        named, is_list = _named(parent.fields[node.name.value].type)
        inner = self._cost(node.selection_set, named, seen)
        return WEIGHTS.get(key, DEFAULT_WEIGHT) + _size(node, is_list, key) * inner


def cost_rule(budget: int) -> type[CostRule]:
    """The rule with its budget, built once (ValidationCache keys on the rule classes)."""
    return type("CostRule", (CostRule,), {"budget": budget})
