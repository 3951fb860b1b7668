"""Who is asking: bearer tokens (hashed at rest) resolved to a user or partner with grants.

A token is shown once, when created; only its SHA-256 is stored, so a leaked database does
not leak working tokens. Delegations add the delegator's grants for their window.
"""

import asyncio
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.apps.user.tables import BaseUser

from models.records import json_value
from models.tables import ApiToken, Membership, Organisation, Partner, RoleAssignment
from rules.actors import Actor, Grant

TOKEN_PREFIX = "pph_"


@dataclass(frozen=True)
class OrganisationInfo:
    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class Viewer:
    username: str
    display_name: str
    organisation: OrganisationInfo
    actor: Actor
    grants: tuple[Grant, ...]
    partner_id: int | None = None
    partner_name: str | None = None

    @property
    def user_id(self) -> int:
        return self.actor.user_id

    @property
    def organisation_id(self) -> int:
        return self.organisation.id

    @property
    def is_partner(self) -> bool:
        return self.partner_id is not None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scope(raw: Any) -> dict[str, str] | None:
    """Scopes are stored as JSON text; empty means the whole organisation."""
    if raw in (None, "", "null"):
        return None
    value = json_value(raw)
    return {str(k): str(v) for k, v in value.items()} or None


async def issue_token(
    *,
    organisation_id: int,
    user_id: int | None = None,
    partner_id: int | None = None,
    lifetime: timedelta,
    label: str = "",
) -> str:
    """Create a bearer token and return it; it cannot be read back later."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await ApiToken.insert(
        ApiToken(
            organisation=organisation_id,
            user=user_id,
            partner=partner_id,
            token_hash=hash_token(token),
            label=label,
            expires_at=datetime.now(UTC) + lifetime,
        )
    )
    return token


_DUMMY_HASH = "pbkdf2_sha256$600000$0000000000000000$" + "0" * 64


async def check_password(username: str, password: str) -> int | None:
    """The user id when the password matches piccolo's PBKDF2 hash. The hashing runs in a
    thread so a login does not stall every other request, and unknown users cost the same."""
    row = await BaseUser.select(BaseUser.id, BaseUser.password, BaseUser.active).where(
        BaseUser.username == username
    ).first()
    stored = row["password"] if row else _DUMMY_HASH
    try:
        _, iterations, salt, _ = BaseUser.split_stored_password(stored)
        computed = await asyncio.to_thread(BaseUser.hash_password, password, salt, int(iterations))
    except ValueError:
        return None
    if row is None or not row["active"] or not hmac.compare_digest(computed, stored):
        return None
    return row["id"]


async def login(username: str, password: str, lifetime: timedelta) -> tuple[str, "Viewer"] | None:
    """Check the password and open a session token for the user's organisation."""
    user_id = await check_password(username, password)
    if user_id is None:
        return None
    membership = await Membership.select(Membership.organisation).where(Membership.user == user_id).first()
    if membership is None:
        return None
    token = await issue_token(
        organisation_id=membership["organisation"], user_id=user_id, lifetime=lifetime, label="login"
    )
    viewer = await load_user_viewer(user_id, membership["organisation"])
    return (token, viewer) if viewer else None


_TOKEN_QUERY = """
SELECT t.organisation, t."user", t.partner, t.expires_at, t.revoked,
       o.slug AS org_slug, o.name AS org_name,
       m.display_name, m.is_admin, u.username, u.active
FROM api_token t
JOIN organisation o ON o.id = t.organisation
LEFT JOIN membership m ON m."user" = t."user" AND m.organisation = t.organisation
LEFT JOIN piccolo_user u ON u.id = t."user"
WHERE t.token_hash = {}
"""


async def revoke_token(token: str) -> None:
    await ApiToken.update({ApiToken.revoked: True}).where(ApiToken.token_hash == hash_token(token))


async def viewer_for_token(token: str) -> Viewer | None:
    """The viewer behind a bearer token, or None when unknown, expired or revoked.

    Runs on every request, so the token, its organisation and membership come in one query
    and the grants (own and delegated) in a second."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    rows = await ApiToken.raw(_TOKEN_QUERY, hash_token(token))
    if not rows:
        return None
    row = rows[0]
    expires_at = row["expires_at"]
    if isinstance(expires_at, str):
        expires_at = datetime.fromisoformat(expires_at)
    if row["revoked"] or expires_at <= datetime.now(UTC):
        return None
    if row["partner"] is not None:
        return await load_partner_viewer(row["partner"], row["organisation"])
    if row["username"] is None or row["display_name"] is None or not row["active"]:
        return None
    grants = await grants_of(row["user"], row["organisation"])
    return Viewer(
        username=row["username"],
        display_name=row["display_name"],
        organisation=OrganisationInfo(row["organisation"], row["org_slug"], row["org_name"]),
        actor=Actor(
            user_id=row["user"],
            grants=grants,
            is_admin=bool(row["is_admin"]) or any(g.role == "admin" for g in grants),
        ),
        grants=grants,
    )


async def _organisation(organisation_id: int) -> OrganisationInfo | None:
    row = await Organisation.select(Organisation.id, Organisation.slug, Organisation.name).where(
        Organisation.id == organisation_id
    ).first()
    return OrganisationInfo(row["id"], row["slug"], row["name"]) if row else None


async def load_user_viewer(user_id: int, organisation_id: int) -> Viewer | None:
    membership = (
        await Membership.select(
            Membership.display_name, Membership.is_admin, Membership.user.username, Membership.user.active
        )
        .where((Membership.user == user_id) & (Membership.organisation == organisation_id))
        .first()
    )
    organisation = await _organisation(organisation_id)
    if membership is None or organisation is None or not membership["user.active"]:
        return None
    grants = await grants_of(user_id, organisation_id)
    is_admin = membership["is_admin"] or any(g.role == "admin" for g in grants)
    return Viewer(
        username=membership["user.username"],
        display_name=membership["display_name"],
        organisation=organisation,
        actor=Actor(user_id=user_id, grants=grants, is_admin=is_admin),
        grants=grants,
    )


async def admin_viewer(user_id: int) -> Viewer | None:
    """The user as administrator of an organisation (membership flag or `admin` role): the
    first such organisation by id, or None when they administer none."""
    memberships = await Membership.select(Membership.organisation).where(Membership.user == user_id).order_by(
        Membership.organisation
    )
    for membership in memberships:
        viewer = await load_user_viewer(user_id, membership["organisation"])
        if viewer is not None and viewer.actor.is_admin:
            return viewer
    return None


async def load_partner_viewer(partner_id: int, organisation_id: int) -> Viewer | None:
    partner = await Partner.select().where(
        (Partner.id == partner_id) & (Partner.organisation == organisation_id)
    ).first()
    organisation = await _organisation(organisation_id)
    if partner is None or organisation is None:
        return None
    return Viewer(
        username=f"partner:{partner['code']}",
        display_name=partner["name"],
        organisation=organisation,
        actor=Actor(user_id=0, grants=(), is_admin=False),
        grants=(),
        partner_id=partner_id,
        partner_name=partner["name"],
    )


_GRANTS_QUERY = """
SELECT r.key AS role, ra.scope
FROM role_assignment ra JOIN role r ON r.id = ra.role
WHERE ra.organisation = {} AND (
  ra."user" = {}
  OR EXISTS (SELECT 1 FROM delegation d
             WHERE d.to_user = {} AND d.organisation = ra.organisation AND d.from_user = ra."user"
               AND d.role = ra.role AND d.starts_at <= {} AND d.ends_at > {})
)
ORDER BY ra.id
"""


async def grants_of(user_id: int, organisation_id: int) -> tuple[Grant, ...]:
    """The user's own role assignments plus those delegated to them right now, in one query."""
    now = datetime.now(UTC)
    rows = await RoleAssignment.raw(_GRANTS_QUERY, organisation_id, user_id, user_id, now, now)
    grants = [Grant(role=row["role"], scope=parse_scope(row["scope"])) for row in rows]
    unique = {(g.role, scope_key(g.scope)): g for g in grants}
    return tuple(unique.values())


def scope_key(scope: Any) -> str:
    """Canonical text of a scope, as stored on tasks and audience rows; '' for none."""
    if not scope:
        return ""
    return json.dumps(dict(scope), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
