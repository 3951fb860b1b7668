"""Organisation administrators in /admin/: they see and change only their organisation's rows.

piccolo-admin (PiccoloCRUD) has no row-level filter, so this ASGI layer sits in front of the
organisation back-office and speaks its REST dialect: listings, counts and bulk deletes get an
`organisation=<id>` filter the client cannot override; a row is reachable only when it belongs
to the organisation; written rows are pinned to it and may only refer to its own rows; the id
pickers behind foreign-key selectors are answered here, scoped. Everything else (forms,
schemas, the user's own password) passes through, with the organisation in `request.state`.
"""

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from piccolo.apps.user.tables import BaseUser
from piccolo.table import Table
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.tables import Membership, Organisation


@dataclass(frozen=True)
class AdministeredOrganisation:
    id: int
    slug: str


def route_path(scope: Scope) -> str:
    """The request's path below the mount (/admin), as the mounted app routes it."""
    root = scope.get("root_path", "")
    return scope["path"][len(root):] if scope["path"].startswith(root) else scope["path"]


def _organisation_filter(table: type[Table]) -> str:
    return "id" if table is Organisation else "organisation"


def belongs(table: type[Table], organisation_id: int) -> Any:
    """The WHERE clause keeping `table`'s rows of one organisation (users: its members)."""
    if table is Organisation:
        return Organisation.id == organisation_id
    if issubclass(table, BaseUser):
        members = Membership.select(Membership.user).where(Membership.organisation == organisation_id)
        return table.id.is_in(members)
    return table.organisation == organisation_id  # type: ignore[attr-defined]


def _refuse(status: int, message: str) -> Response:
    return JSONResponse({"detail": message}, status_code=status)


class TenantScope:
    """Wraps the organisation back-office app; expects `scope["state"]["organisation"]`."""

    def __init__(self, app: ASGIApp, tables: list[type[Table]]):
        self.app = app
        self.tables = {table._meta.tablename: table for table in tables}
        self.tables.setdefault(BaseUser._meta.tablename, BaseUser)  # behind the "user" selectors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        organisation: AdministeredOrganisation = scope["state"]["organisation"]
        parts = [p for p in route_path(scope).split("/") if p]
        if len(parts) < 3 or parts[:2] != ["api", "tables"] or parts[2:] == ["grouped"]:
            await self.app(scope, receive, send)
            return
        table = self.tables.get(parts[2])
        rest = parts[3:]
        if table is None or (issubclass(table, BaseUser) and rest != ["ids"]):
            await _refuse(404, f"no table {parts[2]!r} in this back-office")(scope, receive, send)
            return
        method = scope["method"]
        if rest == ["ids"]:
            response = await self._ids(table, organisation.id, scope)
        elif not rest or rest == ["count"]:
            await self._listing(table, organisation.id, scope, receive, send)
            return
        elif rest[0] in ("schema", "references", "new"):
            await self.app(scope, receive, send)
            return
        elif not await self._owns(table, organisation.id, rest[0]):
            response = _refuse(404, f"no {table._meta.tablename} row {rest[0]!r} in {organisation.slug}")
        elif method in ("PUT", "PATCH"):
            await self._write(table, organisation.id, scope, receive, send, pin=False)
            return
        else:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)

    async def _listing(self, table: type[Table], organisation_id: int, scope: Scope, receive: Receive,
                       send: Send) -> None:
        if scope["method"] == "POST":
            await self._write(table, organisation_id, scope, receive, send, pin=True)
            return
        column = _organisation_filter(table)
        params = [(k, v) for k, v in parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True)
                  if k != column and not k.startswith(column + "__")]
        params.append((column, str(organisation_id)))
        await self.app({**scope, "query_string": urlencode(params).encode()}, receive, send)

    async def _ids(self, table: type[Table], organisation_id: int, scope: Scope) -> Response:
        """`{id: readable}` for foreign-key selectors, like PiccoloCRUD.get_ids but scoped."""
        params = dict(parse_qsl(scope.get("query_string", b"").decode()))
        try:
            limit = int(params.get("limit", 1000))
            offset = int(params.get("offset", 0))
        except ValueError:
            return _refuse(400, "limit and offset must be integers")
        primary_key = table._meta.primary_key
        scoped = table.select(primary_key, table.get_readable()).where(belongs(table, organisation_id))
        rows = await table.raw(
            f"SELECT * FROM ({scoped}) AS scoped WHERE LOWER(scoped.readable) LIKE {{}} "
            f"ORDER BY 1 LIMIT {max(0, min(limit, 1000))} OFFSET {max(0, offset)}",
            f"%{params.get('search', '').lower()}%",
        )
        return JSONResponse({r[primary_key._meta.name]: r["readable"] for r in rows})

    async def _owns(self, table: type[Table], organisation_id: int, raw_id: str) -> bool:
        if not raw_id.isdigit() or len(raw_id) > 18:
            return False
        return await table.exists().where((table._meta.primary_key == int(raw_id)) & belongs(table, organisation_id))

    async def _write(self, table: type[Table], organisation_id: int, scope: Scope, receive: Receive, send: Send,
                     *, pin: bool) -> None:
        """Creates are pinned to the organisation; no write may name another one or its rows."""
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            await _refuse(400, "the request body must be a JSON object")(scope, receive, send)
            return
        problem = await self._foreign_problem(table, organisation_id, data)
        if problem:
            await _refuse(403, problem)(scope, receive, send)
            return
        if pin and table is not Organisation:
            data["organisation"] = organisation_id
        rewritten = json.dumps(data).encode()
        headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
        headers.append((b"content-length", str(len(rewritten)).encode()))
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": rewritten, "more_body": False}

        await self.app({**scope, "headers": headers}, replay, send)

    async def _foreign_problem(self, table: type[Table], organisation_id: int, data: dict[str, Any]) -> str | None:
        if table is Organisation and data.get("id", organisation_id) != organisation_id:
            return "an organisation administrator cannot change the organisation's id"
        for column in table._meta.foreign_key_columns:
            name = column._meta.name
            value = data.get(name)
            if value in (None, "", "null"):
                continue
            target = column._foreign_key_meta.resolved_references
            if not await self._owns(target, organisation_id, str(value)):
                return f"{name}: {target._meta.tablename} {value!r} is not in your organisation"
        return None
