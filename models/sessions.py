"""The back-office's login sessions, stored as the SHA-256 of their token.

piccolo-admin keeps session tokens as they are in its `sessions` table, so a leaked database
would hand out working logins. This subclass of piccolo's table (same table, no migration)
stores only the token's hash, as API tokens are, and hashes what the cookie presents before
looking it up; piccolo-admin's login, logout and auth middleware use it unchanged.
"""

import secrets
from datetime import datetime

from piccolo_api.session_auth.tables import SessionsBase

from models.viewers import Viewer, admin_viewer, hash_token


class HashedSessions(SessionsBase, tablename="sessions"):
    @classmethod
    async def create_session(
        cls, user_id: int, expiry_date: datetime | None = None, max_expiry_date: datetime | None = None
    ) -> SessionsBase:
        """Saves the hash; the returned session carries the token itself, for the cookie."""
        token = secrets.token_urlsafe(32)
        session = cls(token=hash_token(token), user_id=user_id)
        if expiry_date:
            session.expiry_date = expiry_date
        if max_expiry_date:
            session.max_expiry_date = max_expiry_date
        await session.save()
        session.token = token
        return session

    @classmethod
    async def get_user_id(cls, token: str, increase_expiry=None) -> int | None:  # type: ignore[no-untyped-def]
        if not token or len(token) > 200:
            return None
        return await super().get_user_id(hash_token(token), increase_expiry=increase_expiry)

    @classmethod
    async def remove_session(cls, token: str) -> None:
        await super().remove_session(hash_token(token))

    @classmethod
    async def end_sessions_of(cls, user_id: int, *, keep: str | None = None) -> None:
        """Every session of the user but the one whose token is `keep` (a password change)."""
        kept = hash_token(keep) if keep else ""
        await cls.delete().where((cls.user_id == user_id) & (cls.token != kept))


async def viewer_for_admin_session(session_token: str) -> Viewer | None:
    """The organisation administrator behind a /admin/ login (piccolo's session cookie), so the
    designer and the portal need no second login."""
    user_id = await HashedSessions.get_user_id(session_token)
    return await admin_viewer(user_id) if user_id else None
