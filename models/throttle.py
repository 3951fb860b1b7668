"""Sign-in throttling: failed sign-ins slow down whoever guesses, per account and per client
address, for GraphQL `login` and the /admin/ login alike.

After a few free failures each further failure blocks the key for twice as long as the one
before (1 s, 2 s, 4 s … up to `cap_seconds`); a block always ends, so the right password gets
in again; a key with no failure for `forget_after_seconds` starts afresh, and a successful
sign-in clears its account. The counters live in the database (`sign_in_failure`), so every
server process shares them, on SQLite as on PostgreSQL. A blocked attempt is refused without
checking the password and does not count: waiting is all it takes.
"""

import time
from dataclasses import dataclass

from piccolo.querystring import QueryString

from models.database import current_engine
from models.tables import SignInFailure

clock = time.time  # a module attribute, so tests can move time forward


@dataclass(frozen=True)
class ThrottlePolicy:
    free_per_account: int = 5
    # An office behind one address shares it: more room before the address slows down.
    free_per_address: int = 20
    base_seconds: float = 1.0
    cap_seconds: float = 900.0
    forget_after_seconds: float = 3600.0

    def block_seconds(self, failures: int, free: int) -> float:
        """How long a key stays blocked after its `failures`-th failure in a row."""
        if failures <= free:
            return 0.0
        return min(self.cap_seconds, self.base_seconds * 2 ** min(failures - free - 1, 30))


@dataclass(frozen=True)
class Blocked:
    """A sign-in refused before its password was checked."""

    retry_after_seconds: int

    @property
    def message(self) -> str:
        return (f"Too many failed sign-ins; try again in {self.retry_after_seconds} s "
                "(each further failure doubles the wait).")


def _keys(username: str, address: str | None) -> list[tuple[str, str]]:
    keys = [("account", f"account:{username.strip().lower()[:150]}")]
    if address:
        keys.append(("address", f"address:{address[:100]}"))
    return keys


async def blocked(username: str, address: str | None, now: float | None = None) -> Blocked | None:
    """The block in force for this account or address, if any."""
    now = clock() if now is None else now
    keys = [key for _, key in _keys(username, address)]
    rows = await SignInFailure.select(SignInFailure.blocked_until).where(SignInFailure.key.is_in(keys))
    until = max((row["blocked_until"] for row in rows), default=0.0)
    return Blocked(max(1, int(until - now + 0.999))) if until > now else None


_RECORD = """
INSERT INTO sign_in_failure (key, failures, last_failure, blocked_until) VALUES ({}, 1, {}, 0)
ON CONFLICT (key) DO UPDATE SET
  failures = CASE WHEN sign_in_failure.last_failure < {} THEN 1 ELSE sign_in_failure.failures + 1 END,
  last_failure = {}
RETURNING failures
"""


async def record_failure(username: str, address: str | None, policy: ThrottlePolicy,
                         now: float | None = None) -> None:
    """Count a failure on the account and the address, and block them as the policy says.

    One upsert per key, so concurrent failures from several processes all count."""
    now = clock() if now is None else now
    engine = current_engine()
    for kind, key in _keys(username, address):
        rows = await engine.run_querystring(QueryString(_RECORD, key, now, now - policy.forget_after_seconds, now))
        free = policy.free_per_account if kind == "account" else policy.free_per_address
        seconds = policy.block_seconds(rows[0]["failures"], free)
        if seconds:
            await SignInFailure.update({SignInFailure.blocked_until: now + seconds}).where(SignInFailure.key == key)


async def record_success(username: str) -> None:
    """The account signed in: its failures are forgotten (the address keeps its own count)."""
    await SignInFailure.delete().where(SignInFailure.key == _keys(username, None)[0][1])
