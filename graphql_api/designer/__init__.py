"""The form and workflow designer's API: its GraphQL fields (`api`) and the converters only it
serves: BPMN export (`bpmn`), type export/import (`exchange`) and version diffs (`versions`)."""
