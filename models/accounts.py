"""Creating users and API tokens from the command line (and later the back-office)."""

from datetime import timedelta

from piccolo.apps.user.tables import BaseUser

from models.database import write_transaction
from models.errors import ModelError
from models.tables import ApiToken, Membership, Organisation, Partner, Role, RoleAssignment
from models.viewers import issue_token


class AccountError(ModelError):
    """Raised when a user or token cannot be created as asked (unknown organisation, role…)."""


async def organisation_by_slug(slug: str) -> int:
    """The id of the organisation with this slug; an unknown slug lists the known ones."""
    row = await Organisation.select(Organisation.id).where(Organisation.slug == slug).first()
    if row is None:
        known = ", ".join(r["slug"] for r in await Organisation.select(Organisation.slug)) or "none"
        raise AccountError(f"no organisation {slug!r}; known organisations: {known}")
    return row["id"]


async def create_user(
    *,
    organisation_slug: str,
    username: str,
    email: str,
    password: str,
    display_name: str,
    roles: list[tuple[str, dict[str, str] | None]],
    is_admin: bool = False,
) -> int:
    """A new user, member of one organisation, with scoped roles; all or nothing. An organisation
    administrator also gets piccolo's `admin` flag, which lets them sign in to /admin/."""
    organisation_id = await organisation_by_slug(organisation_slug)
    if await BaseUser.exists().where(BaseUser.username == username):
        raise AccountError(f"username {username!r} is taken")
    if "@" not in email or await BaseUser.exists().where(BaseUser.email == email):
        raise AccountError(f"e-mail {email!r} is not a valid address or belongs to another user")
    role_ids = {r["key"]: r["id"] for r in await Role.select().where(Role.organisation == organisation_id)}
    unknown = [role for role, _ in roles if role not in role_ids]
    if unknown:
        raise AccountError(f"unknown role(s) {', '.join(unknown)}; roles of {organisation_slug}: {', '.join(role_ids)}")
    try:
        BaseUser._validate_password(password)
    except ValueError as error:
        raise AccountError(str(error)) from None
    async with write_transaction():
        user = BaseUser(username=username, email=email, password=password, active=True, admin=is_admin)
        await user.save()
        await Membership.insert(
            Membership(organisation=organisation_id, user=user.id, display_name=display_name, is_admin=is_admin)
        )
        for role, scope in roles:
            await RoleAssignment.insert(
                RoleAssignment(organisation=organisation_id, user=user.id, role=role_ids[role], scope=scope)
            )
    return user.id


async def create_token(
    *,
    organisation_slug: str,
    username: str | None = None,
    partner_code: str | None = None,
    lifetime: timedelta,
    label: str = "",
) -> str:
    """A bearer token for a member, or a read-only one for a partner portal."""
    organisation_id = await organisation_by_slug(organisation_slug)
    if lifetime <= timedelta(0):
        raise AccountError("a token lifetime must be positive")
    if partner_code is not None:
        partner = await Partner.select(Partner.id).where(
            (Partner.organisation == organisation_id) & (Partner.code == partner_code)
        ).first()
        if partner is None:
            raise AccountError(f"no partner {partner_code!r} in {organisation_slug}")
        return await issue_token(
            organisation_id=organisation_id, partner_id=partner["id"], lifetime=lifetime, label=label
        )
    member = await Membership.select(Membership.user).where(
        (Membership.organisation == organisation_id) & (Membership.user.username == username)
    ).first()
    if member is None:
        raise AccountError(f"no user {username!r} in {organisation_slug}")
    return await issue_token(organisation_id=organisation_id, user_id=member["user"], lifetime=lifetime, label=label)


async def _member_and_role(organisation_slug: str, username: str, role: str) -> tuple[int, int, int]:
    organisation_id = await organisation_by_slug(organisation_slug)
    member = await Membership.select(Membership.user).where(
        (Membership.organisation == organisation_id) & (Membership.user.username == username)
    ).first()
    if member is None:
        raise AccountError(f"no user {username!r} in {organisation_slug}")
    found = await Role.select(Role.id).where((Role.organisation == organisation_id) & (Role.key == role)).first()
    if found is None:
        raise AccountError(f"unknown role {role!r} in {organisation_slug}")
    return organisation_id, member["user"], found["id"]


async def assign_role(organisation_slug: str, username: str, role: str, scope: dict[str, str] | None) -> None:
    organisation_id, user_id, role_id = await _member_and_role(organisation_slug, username, role)
    async with write_transaction():
        await RoleAssignment.insert(
            RoleAssignment(organisation=organisation_id, user=user_id, role=role_id, scope=scope)
        )
        if role == "admin":
            await open_back_office(user_id)


async def open_back_office(user_id: int) -> None:
    """An organisation administrator (membership flag or `admin` role) needs piccolo's `admin`
    flag to sign in to /admin/; which back-office they reach is decided per request, so the
    flag alone grants nothing once they administer no organisation."""
    await BaseUser.update({BaseUser.admin: True}).where(BaseUser.id == user_id)


async def revoke_role(organisation_slug: str, username: str, role: str, scope: dict[str, str] | None) -> int:
    """Remove the assignments of `role` (only the one with this scope when a scope is given)."""
    from models.viewers import parse_scope

    organisation_id, user_id, role_id = await _member_and_role(organisation_slug, username, role)
    rows = await RoleAssignment.select(RoleAssignment.id, RoleAssignment.scope).where(
        (RoleAssignment.organisation == organisation_id) & (RoleAssignment.user == user_id)
        & (RoleAssignment.role == role_id)
    )
    doomed = [r["id"] for r in rows if scope is None or parse_scope(r["scope"]) == scope]
    if doomed:
        await RoleAssignment.delete().where(RoleAssignment.id.is_in(doomed))
    return len(doomed)


async def change_password(user_id: int, username: str, current: str, new: str, *, keep_token: str | None,
                          keep_admin_session: str | None) -> None:
    """Check the current password, store the new one, and end the user's other sessions (portal
    logins and /admin/ sessions, all but the one asking): a password is often changed because it
    leaked."""
    from models.sessions import HashedSessions
    from models.viewers import check_password, hash_token

    if await check_password(username, current) != user_id:
        raise AccountError("the current password is wrong")
    if new == current:
        raise AccountError("the new password must differ from the current one")
    if len(new) < 10:
        raise AccountError("the new password is too short (at least 10 characters)")
    try:
        BaseUser._validate_password(new)
    except ValueError as error:
        raise AccountError(str(error)) from None
    async with write_transaction():
        await BaseUser.update({BaseUser.password: BaseUser.hash_password(new)}).where(BaseUser.id == user_id)
        kept = hash_token(keep_token) if keep_token else ""
        await ApiToken.update({ApiToken.revoked: True}).where(
            (ApiToken.user == user_id) & (ApiToken.label == "login") & (ApiToken.token_hash != kept)
        )
        await HashedSessions.end_sessions_of(user_id, keep=keep_admin_session)


async def revoke_token_by_id(organisation_id: int, token_id: int) -> bool:
    """Revoke one of the organisation's tokens (a partner's, or a member's session)."""
    found = await ApiToken.select(ApiToken.id).where(
        (ApiToken.id == token_id) & (ApiToken.organisation == organisation_id)
    ).first()
    if found is None:
        return False
    await ApiToken.update({ApiToken.revoked: True}).where(ApiToken.id == token_id)
    return True
