"""Sign-in throttling: back-off per account and per address, for GraphQL login and /admin/
alike, and recovery — the right password always gets in again once the wait is over."""

import pytest

from models import throttle
from models.throttle import ThrottlePolicy
from tests.admin.test_site import login as admin_login

LOGIN = ("mutation($u: String!, $p: String!) { login(username: $u, password: $p) "
         "{ __typename ... on LoginFailed { message } } }")
POLICY = ThrottlePolicy()


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(throttle, "clock", moved)
    return moved


async def graphql_login(api, username: str, password: str) -> dict:
    response = await api.post(LOGIN, {"u": username, "p": password})
    assert response.status_code == 200, response.text
    return response.json()["data"]["login"]


def test_the_wait_doubles_after_the_free_failures_up_to_the_cap():
    waits = [POLICY.block_seconds(n, POLICY.free_per_account) for n in range(1, 30)]
    free = POLICY.free_per_account
    assert waits[:free] == [0.0] * free
    assert waits[free] == POLICY.base_seconds
    assert all(b == min(2 * a, POLICY.cap_seconds) for a, b in zip(waits[free:], waits[free + 1:], strict=False))
    assert max(waits) == POLICY.cap_seconds


async def test_graphql_login_backs_off_then_lets_the_right_password_in(api, clock):
    for _ in range(POLICY.free_per_account):
        assert (await graphql_login(api, "alice", "wrong"))["message"] == "Unknown username or wrong password."
    await graphql_login(api, "alice", "wrong")  # first failure past the free ones: blocked 1 s
    refused = await graphql_login(api, "alice", "demo")  # even the right password waits
    assert refused["__typename"] == "LoginFailed" and "try again in 1 s" in refused["message"]
    clock.now += POLICY.base_seconds
    await graphql_login(api, "alice", "wrong")  # blocked 2 s now
    clock.now += POLICY.base_seconds
    assert "try again in 1 s" in (await graphql_login(api, "alice", "demo"))["message"]
    clock.now += POLICY.base_seconds
    assert (await graphql_login(api, "alice", "demo"))["__typename"] == "LoginSuccess"
    # Success forgets the account's failures: one wrong password is free again.
    await graphql_login(api, "alice", "wrong")
    assert (await graphql_login(api, "alice", "demo"))["__typename"] == "LoginSuccess"


async def test_the_wait_never_passes_the_cap_and_failures_are_forgotten(api, clock):
    for _ in range(POLICY.free_per_account + 40):
        clock.now += POLICY.cap_seconds  # each block over, so every attempt is counted
        await graphql_login(api, "bob", "wrong")
    assert f"try again in {POLICY.cap_seconds:g} s" in (await graphql_login(api, "bob", "demo"))["message"]
    clock.now += POLICY.cap_seconds
    assert (await graphql_login(api, "bob", "demo"))["__typename"] == "LoginSuccess"
    for _ in range(POLICY.free_per_account + 3):
        await graphql_login(api, "bob", "wrong")
    clock.now += POLICY.forget_after_seconds + POLICY.cap_seconds
    await graphql_login(api, "bob", "wrong")  # an old streak does not count: this one is free
    assert (await graphql_login(api, "bob", "demo"))["__typename"] == "LoginSuccess"


async def test_one_address_guessing_many_accounts_is_slowed_down(api, clock):
    for n in range(POLICY.free_per_address + 1):
        await graphql_login(api, f"nobody{n}", "wrong")
    refused = await graphql_login(api, "carol", "demo")  # same client address (the test client's)
    assert "try again in" in refused["message"]
    clock.now += POLICY.base_seconds
    assert (await graphql_login(api, "carol", "demo"))["__typename"] == "LoginSuccess"


async def test_admin_login_shares_the_throttle_and_recovers(api, clock):
    for _ in range(POLICY.free_per_account + 1):
        response = await admin_login(api.http, "admin", "wrong")
        assert response.status_code == 401, response.text
    refused = await admin_login(api.http, "admin", "demo")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert "try again in 1 s" in refused.json()["detail"]
    assert "try again" in (await graphql_login(api, "admin", "demo"))["message"]  # same account, same block
    clock.now += POLICY.base_seconds
    assert (await admin_login(api.http, "admin", "demo")).status_code in (200, 303)
    assert (await api.http.get("/admin/api/tables/")).status_code == 200


async def test_admin_login_is_not_locked_out_by_many_right_passwords(api, clock):
    for _ in range(30):  # piccolo's limiter refused the 21st request of any kind
        assert (await admin_login(api.http, "admin", "demo")).status_code in (200, 303)
