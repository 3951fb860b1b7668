"""The back-office in headless Chromium: French and English, and an organisation administrator.

piccolo-admin follows the browser's language (French for fr-FR, English otherwise). The platform
administrator creates an organisation administrator, whose initial password the form shows once;
he signs in to /admin/, edits a catalog entry of his organisation through piccolo-admin's own
screens, opens the designer and the portal without signing in again, and changes his password.
"""

from typing import Any

from tests.e2e.conftest import Servers, screenshot
from tests.e2e.test_designer import admin_login, create_user, expect, token


def test_the_back_office_speaks_french_and_english(servers: Servers, browser: Any):
    for locale, login, username, welcome, forms in [
        ("fr-FR", "Connexion", "Nom d'utilisateur", "Bienvenue à Parapheur", "Formulaires"),
        ("en-US", "Login", "Username", "Welcome to Parapheur", "Forms"),
    ]:
        context = browser.new_context(locale=locale)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            page.goto(f"{servers.base}/admin/")
            expect(page.get_by_role("button", name=login)).to_be_visible()
            expect(page.get_by_text(username, exact=True)).to_be_visible()
            page.locator('input[name="username"]').fill("admin")
            page.locator('input[name="password"]').fill("demo")
            page.get_by_role("button", name=login).click()
            expect(page.get_by_role("heading", name=welcome)).to_be_visible()
            expect(page.locator("p", has_text=forms).first).to_be_visible()
            screenshot(page, f"admin-home-{locale}")
        finally:
            context.close()


def test_an_organisation_administrator_works_in_his_organisation_with_one_login(servers: Servers, browser: Any):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        admin_login(page, servers.base)
        initial = create_user(page, {"organisation": "demo", "username": "oscar", "email": "oscar@demo.example",
                                     "display_name": "Oscar Ops"}, ["requester:department=OPS"], administrator=True)
    finally:
        context.close()

    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{servers.base}/admin/")
        page.locator('input[name="username"]').fill("oscar")
        page.locator('input[name="password"]').fill(initial)
        page.get_by_role("button", name="Login").click()
        page.locator("a", has_text="Catalog Entry").first.click()
        expect(page.get_by_role("cell", name="BUROTIC", exact=True)).to_be_visible()
        screenshot(page, "admin-organisation-catalog")
        burotic = page.get_by_role("row").filter(has_text="BUROTIC")
        burotic.get_by_role("link").first.click()
        expect(page.locator('[name="label"]')).to_have_value("Burotic SARL")
        page.locator('[name="label"]').fill("Burotic SARL (Lyon)")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Successfully saved row")).to_be_visible()

        page.goto(f"{servers.base}/admin/designer/?lang=en")  # no second sign-in
        expect(page.get_by_text("Oscar Ops · ")).to_be_visible()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()

        page.goto(f"{servers.base}/#account")
        page.get_by_role("tab", name="Account").click()
        page.get_by_label("Current password").fill(initial)
        page.get_by_label("New password (at least 10 characters)").fill("oscar-own-secret")
        page.get_by_label("New password again").fill("oscar-own-secret")
        page.get_by_role("button", name="Change password").click()
        expect(page.locator("#password-message")).to_have_text("Password changed; your other sessions are closed.")
        screenshot(page, "portal-password-changed")
    finally:
        context.close()
    assert errors == []
    entries = servers.graphql('{ catalogEntries(catalog: "suppliers", search: "BUROTIC") { label } }',
                              token=token(servers, "oscar", "oscar-own-secret"))["catalogEntries"]
    assert entries == [{"label": "Burotic SARL (Lyon)"}]
