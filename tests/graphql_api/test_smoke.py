async def test_demo_login_answers_viewer(api):
    body = await api("{ viewer { username displayName organization { slug } roles { role scope } } }", user="alice")
    viewer = body["data"]["viewer"]
    assert viewer["username"] == "alice"
    assert viewer["organization"]["slug"] == "demo"
    assert viewer["roles"] == [{"role": "requester", "scope": {"department": "IT"}}]


async def test_viewer_says_who_is_an_administrator(api):
    admin = await api("{ viewer { isAdmin } }", user="admin")
    alice = await api("{ viewer { isAdmin } }", user="alice")
    assert (admin["data"]["viewer"]["isAdmin"], alice["data"]["viewer"]["isAdmin"]) == (True, False)
