async def test_demo_login_answers_viewer(api):
    body = await api("{ viewer { username displayName organization { slug } roles { role scope } } }", user="alice")
    viewer = body["data"]["viewer"]
    assert viewer["username"] == "alice"
    assert viewer["organization"]["slug"] == "demo"
    assert viewer["roles"] == [{"role": "requester", "scope": {"department": "IT"}}]
