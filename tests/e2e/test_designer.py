"""The back-office and the designer in headless Chromium against a real `parapheur serve --demo`.

The administrator signs in to piccolo-admin at /admin/, creates a user with a scoped role, then,
in the designer, adds a required field and an approval step with a CEL condition to the purchase
request, sees the checker name a misspelled field beside that transition's condition, fixes it
and publishes. A document started before keeps version 1; a new one needs the new field and goes
through the new step. Screenshots land in test-artifacts/screenshots/.
"""

import re
from typing import Any

import pytest

from tests.e2e.conftest import Servers, screenshot

DOCUMENT = ("__typename ... on DocumentPayload { document { id number state typeVersion } } "
            "... on ValidationFailed { message errors { path message } } ... on ActionRefused { message }")
CREATE = ("mutation($d: JSON!, $s: Boolean) { createDocument(input: "
          f'{{documentType: "purchase_request", data: $d, submit: $s}}) {{ {DOCUMENT} }} }}')
TRANSITION = f"mutation($id: ID!, $a: String!) {{ transition(input: {{id: $id, action: $a}}) {{ {DOCUMENT} }} }}"
FETCH = "query($id: ID!) { document(id: $id) { state typeVersion } }"


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def request_data(title: str, **extra: Any) -> dict[str, Any]:
    """A purchase request over the automatic-approval limit (500) and under the service limit (5000)."""
    return {"title": title, "department": "IT", "supplier": "ACME",
            "lines": [{"description": "Laptop", "quantity": 1, "unit_price": 1500, "vat_rate": 20}], **extra}


def token(servers: Servers, username: str, password: str = "demo") -> str:
    data = servers.graphql('mutation($u: String!, $p: String!) { login(username: $u, password: $p) '
                           "{ __typename ... on LoginSuccess { token } ... on LoginFailed { message } } }",
                           {"u": username, "p": password})
    assert data["login"]["__typename"] == "LoginSuccess", data["login"]
    return data["login"]["token"]


def admin_page(browser: Any) -> Any:
    """A page for piccolo-admin, whose own console logs 401s before login: not ours to assert."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def admin_login(page: Any, base: str) -> None:
    page.goto(f"{base}/admin/")
    page.locator('input[name="username"]').fill("admin")
    page.locator('input[name="password"]').fill("demo")
    page.get_by_role("button", name="Login").click()
    expect(page.get_by_text("Create a user").first).to_be_visible()


def open_admin_form(page: Any, name: str) -> None:
    page.get_by_text(name, exact=True).first.click()
    expect(page.get_by_role("heading", name=re.compile(name, re.IGNORECASE))).to_be_visible()


def test_admin_imports_a_suppliers_csv(servers: Servers, browser: Any):
    page = admin_page(browser)
    try:
        admin_login(page, servers.base)
        screenshot(page, "admin-home")
        open_admin_form(page, "Import a catalog from CSV")
        page.locator('[name="organisation"]').fill("demo")
        page.locator('[name="catalog"]').fill("suppliers")
        # piccolo-admin shows a list field as one input per item, added with "Add".
        widget = page.locator('[data-uitest="csv_lines_array_widget"]')
        for number, line in enumerate(["code,label,email", "NORDIC,Nordic Office AB,orders@nordic.example"]):
            widget.locator('[data-uitest="add_array_item_button"]').click()
            widget.locator("input").nth(number).fill(line)
        page.locator('[data-uitest="submit_custom_form_button"]').click()
        screenshot(page, "admin-catalog-import")
        expect(page.locator("#success_message")).to_contain_text("1")
    finally:
        page.context.close()
    entries = servers.graphql('{ catalogEntries(catalog: "suppliers", search: "NORDIC") { code label extra } }',
                              token=token(servers, "admin"))["catalogEntries"]
    assert [e["code"] for e in entries] == ["NORDIC"]
    assert entries[0]["extra"].get("email") == "orders@nordic.example"


def create_user(page: Any, fields: dict[str, str], roles: list[str], *, administrator: bool = False) -> str:
    """Fill in the back-office's "Create a user" form; returns the initial password it shows once."""
    open_admin_form(page, "Create a user")
    for name, value in fields.items():
        page.locator(f'[name="{name}"]').fill(value)
    if administrator:
        page.locator('select[name="administrator"]').select_option(label="True")
    widget = page.locator('[data-uitest="roles_array_widget"]')
    for number, role in enumerate(roles):
        widget.locator('[data-uitest="add_array_item_button"]').click()
        widget.locator("input").nth(number).fill(role)
    page.locator('[data-uitest="submit_custom_form_button"]').click()
    expect(page.locator("#success_message")).to_contain_text(f"User {fields['username']} created")
    shown = re.search(r"shown once: (\S+)", page.locator("#success_message").inner_text())
    assert shown, "the initial password is shown once"
    return shown.group(1)


@pytest.fixture(scope="module")
def fiona(servers: Servers, browser: Any) -> str:
    """A service manager of the FIN department, created through the back-office form; her initial
    password."""
    page = admin_page(browser)
    try:
        admin_login(page, servers.base)
        password = create_user(page, {"organisation": "demo", "username": "fiona", "email": "fiona@demo.example",
                                      "display_name": "Fiona Finance"},
                               ["service_manager:department=FIN", "requester:department=FIN"])
        screenshot(page, "admin-user-created")
    finally:
        page.context.close()
    return password


def test_admin_creates_a_user_with_a_scoped_role(servers: Servers, fiona: str):
    viewer = servers.graphql("{ viewer { displayName roles { role scope } } }",
                             token=token(servers, "fiona", fiona))["viewer"]
    assert viewer["displayName"] == "Fiona Finance"
    assert viewer["roles"] == [{"role": "service_manager", "scope": {"department": "FIN"}},
                               {"role": "requester", "scope": {"department": "FIN"}}]


def designer_login(page: Any, base: str) -> None:
    page.goto(f"{base}/admin/designer/")
    expect(page.get_by_role("heading", name="Designer sign-in")).to_be_visible()
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_admin_adds_a_required_field_and_a_conditional_step_then_publishes(servers: Servers, page: Any,
                                                                            fiona: str):
    alice, bob = token(servers, "alice"), token(servers, "bob")
    before = servers.graphql(CREATE, {"d": request_data("Laptop, before the change"), "s": True}, alice)
    old = before["createDocument"]["document"]
    assert (old["state"], old["typeVersion"]) == ("service_review", 1)
    waiting = servers.graphql(CREATE, {"d": request_data("Draft to move to the new version"), "s": False}, alice)
    draft = waiting["createDocument"]["document"]

    page.set_viewport_size({"width": 1600, "height": 1000})
    designer_login(page, servers.base)
    page.locator("#type-picker").select_option("purchase_request")
    page.get_by_role("button", name="Open", exact=True).click()
    expect(page.get_by_role("heading", name="Purchase request (purchase_request)")).to_be_visible()
    preview = page.locator("parapheur-form#preview")
    expect(preview.get_by_label(re.compile(r"^Title\b"))).to_be_visible()
    expect(page.locator("#problems")).to_contain_text("No problems")

    # A required field: written into the JSON Schema, and a control appended to the UI schema.
    page.get_by_role("button", name="+ Add field").click()
    name = page.locator("#fields tr").last.locator(".dz-name")
    expect(name).to_be_focused()
    name.fill("project_code")
    name.press("Tab")
    page.get_by_label("Label of project_code").fill("Project code")
    page.get_by_label("project_code is required").check()
    expect(preview.get_by_label("Project code")).to_be_visible()
    page.get_by_role("tab", name="JSON").click()
    expect(page.get_by_label("UI schema")).to_have_value(re.compile(r'"scope": "#/properties/project_code"'))
    expect(page.get_by_label("JSON Schema")).to_have_value(re.compile(r'"required": \[[^\]]*"project_code"'))

    # A finance check, by a service manager of the FIN department.
    page.get_by_role("tab", name="States").click()
    page.get_by_role("button", name="+ Add state").click()
    key = page.locator("#states tr").last.locator(".dz-name")
    expect(key).to_be_focused()
    key.fill("finance_check")
    key.press("Tab")
    page.get_by_label("Label of state finance_check").fill("Finance check")
    role = page.get_by_label("Assignee role of state finance_check")
    role.fill("service_manager")
    role.press("Tab")
    scope = page.get_by_label("Assignee scope of state finance_check")
    scope.fill("department='FIN'")
    scope.press("Tab")

    # Approvals of 1,000 or more go through it: the condition misspells total_ht first.
    page.get_by_role("tab", name="Transitions").click()
    rows = page.locator("#transitions tr[data-index]")
    count = rows.count()
    page.get_by_role("button", name="+ Add transition").click()
    new = f"transition {count + 1}"
    page.get_by_label(f"Action of {new}", exact=True).fill("approve")
    page.get_by_label(f"Label of {new}", exact=True).fill("Approve")
    page.get_by_label(f"From states of {new}", exact=True).fill("service_review")
    page.get_by_label(f"Target state of {new}", exact=True).select_option("finance_check")
    page.get_by_label(f"Condition of {new}", exact=True).fill("totl_ht >= 1000")
    page.get_by_role("button", name="+ Add transition").click()
    last = f"transition {count + 2}"
    page.get_by_label(f"Action of {last}", exact=True).fill("approve")
    page.get_by_label(f"Label of {last}", exact=True).fill("Approve")
    page.get_by_label(f"From states of {last}", exact=True).fill("finance_check")
    page.get_by_label(f"Target state of {last}", exact=True).select_option("approved")

    # The first guard that holds wins: move the new one before the service manager's approvals.
    first_approve = next(i for i in range(count) if rows.nth(i).locator("input").first.input_value() == "approve")
    page.get_by_role("button", name=f"Move {new} up").focus()
    for _ in range(count - first_approve):
        page.keyboard.press("Enter")
    moved = page.locator(f'#transitions tr[data-index="{first_approve}"]')
    expect(moved.locator(".dz-when input")).to_have_value("totl_ht >= 1000")

    problem = page.locator(f'#transitions tr[data-index="{first_approve}"] + tr.dz-problem-row .dz-problem')
    expect(problem).to_contain_text("unknown field 'totl_ht'")
    expect(problem).to_contain_text("did you mean 'total_ht'?")
    expect(problem).to_contain_text("Condition (CEL): ")
    condition = moved.locator(".dz-when input")
    expect(condition).to_have_attribute("aria-invalid", "true")
    expect(condition).to_have_attribute("aria-describedby", problem.get_attribute("id"))
    expect(page.locator("#problems")).to_contain_text(f"workflow:/transitions/{first_approve}/when")
    expect(page.locator("#tab-transitions .dz-count")).to_have_text("1")
    screenshot(page, "designer-checker-error")

    condition.fill("total_ht >= 1000")
    expect(page.locator("#problems")).to_contain_text("No problems")
    expect(page.locator("#transitions .dz-problem-row")).to_have_count(0)
    expect(page.locator("#diagram svg")).to_contain_text("Finance check")
    screenshot(page, "designer-fixed")

    page.get_by_role("button", name="Publish…").click()
    expect(page.locator("#status")).to_contain_text("Published version 2 of purchase_request")
    expect(page.locator("#draft-state")).to_have_text("Published version 2")

    # Versions: the diff names what was added; a document of version 1 moves on request.
    page.get_by_role("tab", name="Versions").click()
    expect(page.locator("#versions tbody tr")).to_have_count(2)
    page.get_by_role("button", name="Show differences").click()
    diff = page.locator("#diff")
    expect(diff).to_contain_text("project_code (string, required)")
    expect(diff).to_contain_text("finance_check")
    page.get_by_label(f"Select {draft['number']}").check()
    page.get_by_role("button", name="Move selected to version 2").click()
    expect(page.locator(f'#migration tr[data-number="{draft["number"]}"] .dz-outcome')).to_contain_text(
        "moved to version 2")
    expect(page.locator(f'#migration tr[data-number="{old["number"]}"] .dz-outcome')).to_have_text("")
    expect(page.locator("#status")).to_have_text("1 of 1 document(s) moved to version 2.")
    expect(page.locator("#versions tbody tr").nth(1).locator("td").last).to_have_text("1")
    screenshot(page, "designer-versions")

    # The document started before keeps version 1 and its circuit: bob's approval ends it.
    assert servers.graphql(FETCH, {"id": old["id"]}, alice)["document"]["typeVersion"] == 1
    approved = servers.graphql(TRANSITION, {"id": old["id"], "a": "approve"}, bob)["transition"]
    assert approved["document"]["state"] == "approved", approved
    assert servers.graphql(FETCH, {"id": draft["id"]}, alice)["document"]["typeVersion"] == 2

    # A new one needs the new field, then goes through the finance check.
    refused = servers.graphql(CREATE, {"d": request_data("Laptop, no project"), "s": True}, alice)["createDocument"]
    assert refused["__typename"] == "ValidationFailed", refused
    assert any("project_code" in e["path"] + e["message"] for e in refused["errors"]), refused
    created = servers.graphql(CREATE, {"d": request_data("Laptop, new step", project_code="P-42"), "s": True},
                              alice)["createDocument"]
    new_doc = created["document"]
    assert (new_doc["typeVersion"], new_doc["state"]) == (2, "service_review"), created
    step = servers.graphql(TRANSITION, {"id": new_doc["id"], "a": "approve"}, bob)["transition"]
    assert step["document"]["state"] == "finance_check", step
    fiona_token = token(servers, "fiona", fiona)
    done = servers.graphql(TRANSITION, {"id": new_doc["id"], "a": "approve"}, fiona_token)["transition"]
    assert done["document"]["state"] == "approved", done


def test_designer_in_french_reopens_a_new_types_draft_then_switches_to_english(servers: Servers, page: Any):
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto(f"{servers.base}/admin/designer/?lang=fr")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Connexion au concepteur")).to_be_visible()
    page.get_by_label("Identifiant").fill("admin")
    page.get_by_label("Mot de passe").fill("demo")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    # A brand-new type, saved as a draft and never published.
    page.get_by_text("Nouveau type de document…").click()
    new_type = page.locator("#new-type-form")
    new_type.get_by_label("Clé").fill("travel_request")
    new_type.get_by_label("Nom").fill("Demande de déplacement")
    new_type.get_by_label("Préfixe de numéro").fill("DD")
    new_type.get_by_role("button", name="Créer").click()
    expect(page.locator("#draft-state")).to_have_text("Modifications non enregistrées")
    expect(page.get_by_role("tab", name="Champs")).to_be_visible()
    expect(page.get_by_role("button", name="Publier…")).to_be_visible()
    expect(page.locator("#problems")).to_have_text("✓ Aucun problème : cette définition peut être publiée.")
    expect(page.locator("parapheur-form#preview").get_by_label(re.compile(r"^Titre\b"))).to_be_visible()
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.locator("#status")).to_contain_text("Brouillon enregistré à")
    expect(page.locator("#draft-state")).to_have_text("Brouillon enregistré, non publié")

    # After a reload the picker lists it, marked as never published, and opens it.
    page.goto(f"{servers.base}/admin/designer/?lang=fr")
    draft = page.locator('#type-picker option[value="travel_request"]')
    expect(draft).to_have_text("Demande de déplacement (travel_request) — brouillon, jamais publié")
    page.locator("#type-picker").select_option("travel_request")
    page.get_by_role("button", name="Ouvrir", exact=True).click()
    expect(page.get_by_role("heading", name="Demande de déplacement (travel_request)")).to_be_visible()
    expect(page.locator("#status")).to_have_text("Brouillon enregistré ouvert.")
    expect(page.locator("#draft-state")).to_have_text("Brouillon enregistré, non publié")
    expect(page.get_by_label("Libellé de l'état review")).to_have_value("Examen")
    page.get_by_role("tab", name="Versions").click()
    expect(page.locator("#versions")).to_have_text("Pas encore publié.")
    screenshot(page, "designer-french")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert "lang=en" in page.url
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Save draft")).to_be_visible()
    expect(page.get_by_role("button", name="Publish…")).to_be_visible()
    expect(page.get_by_text("Enregistrer le brouillon")).to_have_count(0)
    expect(draft).to_have_text("Demande de déplacement (travel_request) — draft, never published")
    expect(page.locator("#status")).to_have_text("Opened the saved draft.")
    expect(page.locator("#draft-state")).to_have_text("Saved draft, not published")
    expect(page.locator("#versions")).to_have_text("Not published yet.")
    expect(page.locator("#problems")).to_have_text("✓ No problems: this definition can be published.")
    page.get_by_role("tab", name="States").click()
    expect(page.get_by_label("Label of state review")).to_have_value("Examen")  # data stays as written
    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("button", name="Enregistrer le brouillon")).to_be_visible()
    expect(page.get_by_role("tab", name="États")).to_have_attribute("aria-selected", "true")


def test_designer_language_comes_from_the_address_then_the_back_office_then_the_browser(servers: Servers,
                                                                                          browser: Any):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    try:
        designer = f"{servers.base}/admin/designer/"
        page.goto(designer)
        expect(page.get_by_role("heading", name="Connexion au concepteur")).to_be_visible()
        page.evaluate("localStorage.setItem('piccoloAdminDefaultLanguage', 'en')")  # chosen in the back-office
        page.goto(designer)
        expect(page.get_by_role("heading", name="Designer sign-in")).to_be_visible()
        page.goto(f"{designer}?lang=fr")
        expect(page.get_by_role("heading", name="Connexion au concepteur")).to_be_visible()
        expect(page).to_have_title("Concepteur · Parapheur")
    finally:
        context.close()
    assert errors == []
