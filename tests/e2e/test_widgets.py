"""The web components in headless Chromium against a real `parapheur serve --demo`.

Alice fills and submits a purchase request through <parapheur-form> in the portal, bob
approves it from <parapheur-inbox>, <parapheur-document> highlights the new state, and a
page of another origin embeds <parapheur-status>. Screenshots of each widget land in
test-artifacts/screenshots/.
"""

import json
import re
from typing import Any

from form_engine.computed import compute
from tests.e2e.conftest import ROOT, Servers, screenshot

WIDGETS_JS = ROOT / "form_engine" / "static" / "parapheur.js"
SCHEMA = json.loads((ROOT / "ui-schemas" / "purchase_request" / "schema.json").read_text())
INVOICE_SCHEMA = json.loads((ROOT / "ui-schemas" / "customer_invoice" / "schema.json").read_text())
MEASUREMENTS = ROOT / "test-artifacts" / "measurements.json"


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def pick(form: Any, control_id: str, search: str, option: str) -> None:
    """Choose a catalog entry in a combobox, with the keyboard."""
    combobox = form.locator(f"#{control_id}")
    combobox.fill(search)
    expect(form.get_by_role("option", name=re.compile(option))).to_be_visible()
    combobox.press("ArrowDown")
    combobox.press("Enter")
    expect(combobox).to_have_attribute("aria-expanded", "false")


def fill_line(form: Any, index: int, description: str, quantity: str, unit_price: str, vat: str) -> None:
    form.locator(f"#ctl-lines-{index}-description").fill(description)
    form.locator(f"#ctl-lines-{index}-quantity").fill(quantity)
    form.locator(f"#ctl-lines-{index}-unit_price").fill(unit_price)
    form.locator(f"#ctl-lines-{index}-vat_rate").select_option(label=vat)


def record(name: str, value: Any) -> None:
    MEASUREMENTS.parent.mkdir(parents=True, exist_ok=True)
    known = json.loads(MEASUREMENTS.read_text()) if MEASUREMENTS.exists() else {}
    MEASUREMENTS.write_text(json.dumps({**known, name: value}, indent=2))


def test_widgets_script_stays_under_60_kb():
    size = WIDGETS_JS.stat().st_size
    record("parapheur.js bytes", size)
    assert size < 60 * 1024, f"parapheur.js is {size} bytes; keep it under 60 KB unminified"


def test_alice_submits_three_lines_and_bob_approves_from_his_inbox(servers: Servers, page: Any):
    base = servers.base
    sign_in(page, base, "alice")
    page.get_by_role("tab", name="New document").click()
    page.locator("#type-picker").select_option("purchase_request")
    page.get_by_role("button", name="Start").click()
    form = page.locator("parapheur-form")
    expect(form.get_by_role("heading", name="New purchase request")).to_be_visible()

    form.locator("#ctl-title").fill("Laptops for the new team")
    pick(form, "ctl-department", "IT", "Information technology")
    form.locator("#ctl-supplier").fill("NOPE")  # not a catalog entry: the server says so
    form.get_by_role("button", name="+ Add line").click()
    form.get_by_role("button", name="+ Add line").click()
    fill_line(form, 0, "Laptop 14-inch", "2", "1500", "20")
    fill_line(form, 1, "Docking station", "0", "400", "10")
    fill_line(form, 2, "Support contract", "1", "999.99", "5.5")

    quantity = form.locator("#ctl-lines-1-quantity")
    quantity.press("Tab")
    error = form.locator("#ctl-lines-1-quantity-error")
    expect(error).to_contain_text("must be greater than 0")
    expect(quantity).to_have_attribute("aria-invalid", "true")
    expect(quantity).to_have_attribute("aria-describedby", re.compile("ctl-lines-1-quantity-error"))
    form.get_by_role("button", name="Submit").click()
    expect(form.locator(".pp-summary")).to_contain_text("1 problem to fix")
    screenshot(form, "form-client-error")

    quantity.fill("3")
    expect(error).to_be_hidden()
    expect(quantity).not_to_have_attribute("aria-invalid", "true")
    expect(form.locator("#ctl-lines-1-amount")).to_have_text("1,200.00")
    expect(form.locator("#ctl-total_ht")).to_have_text("5,199.99")
    expect(form.locator("#ctl-total_vat")).to_have_text("775.00")  # 600 + 120 + 55.00 (54.99945 rounded)
    expect(form.locator("#ctl-total_ttc")).to_have_text("5,974.99")

    form.get_by_role("button", name="Submit").click()
    supplier_error = form.locator("#ctl-supplier-error")
    expect(supplier_error).to_contain_text("not an active entry")
    expect(form.locator("#ctl-supplier")).to_have_attribute("aria-invalid", "true")
    screenshot(form, "form-server-error")

    pick(form, "ctl-supplier", "ACME", "ACME Fournitures")
    expect(form.locator("#ctl-supplier-hint")).to_have_text("ACME Fournitures SAS")
    form.get_by_role("button", name="Submit").click()
    status = form.get_by_role("status").filter(has_text="submitted")
    expect(status).to_contain_text("now Service review")
    number = re.search(r"DA-\d{4}-\d{5}", status.inner_text()).group(0)
    screenshot(form, "form-submitted")

    document = page.locator("parapheur-document")  # the portal opens what was submitted
    expect(document.locator('svg g.state.current[data-state="service_review"]')).to_have_count(1)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_label("Username")).to_be_visible()  # the logout has landed (and the page reloaded)

    sign_in(page, base, "bob")
    inbox = page.locator("parapheur-inbox")
    item = inbox.locator("li.pp-item", has_text=number)
    expect(item).to_be_visible()
    expect(inbox.locator(".pp-count")).to_have_text("1")
    expect(page.locator("#inbox-count")).to_have_text("1")
    screenshot(inbox, "inbox")
    item.get_by_role("button", name="Approve", exact=True).click()
    expect(inbox.get_by_role("status").filter(has_text=number)).to_contain_text("now Finance director review")
    expect(inbox.locator(".pp-empty")).to_have_text("Nothing is waiting for you.")
    expect(inbox.locator(".pp-count")).to_have_text("0")

    page.get_by_role("tab", name="My documents").click()
    page.locator("parapheur-documents").get_by_role("button", name=number).click()
    expect(document.locator('svg g.state.current[data-state="daf_review"]')).to_have_count(1)
    expect(document.locator("svg g.state.current")).to_have_count(1)
    expect(document.locator(".pp-header .pp-state")).to_have_text("Finance director review")
    expect(document.locator(".pp-timeline li")).to_have_count(3)  # created, submitted, approved
    expect(document.locator("#ctl-total_ttc")).to_have_text("5,974.99")
    screenshot(document, "document")
    screenshot(page, "portal-document")


def test_reject_asks_for_a_comment_in_a_dialog(servers: Servers, page: Any):
    alice = servers.token("alice")
    created = servers.graphql(
        "mutation($d: JSON!) { createDocument(input: {documentType: \"purchase_request\", data: $d, submit: true}) "
        "{ ... on DocumentPayload { document { number } } } }",
        {"d": {"title": "Chairs", "department": "IT", "supplier": "ACME",
               "lines": [{"description": "Chair", "quantity": 4, "unit_price": 250, "vat_rate": 20}]}}, alice)
    number = created["createDocument"]["document"]["number"]
    sign_in(page, servers.base, "bob")
    item = page.locator("parapheur-inbox li.pp-item", has_text=number)
    item.get_by_role("button", name="Reject…").click()
    dialog = page.locator("parapheur-inbox").get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Comment (required)")).to_be_focused()
    dialog.get_by_role("button", name="Reject").click()
    expect(dialog.get_by_text("A comment is required.")).to_be_visible()
    screenshot(page, "inbox-reject-dialog")
    page.keyboard.type("Too expensive for chairs")
    dialog.get_by_role("button", name="Reject").click()
    inbox = page.locator("parapheur-inbox")
    expect(inbox.get_by_role("status").filter(has_text=number)).to_contain_text("now Rejected")
    expect(page.locator("parapheur-inbox li.pp-item", has_text=number)).to_have_count(0)


def test_status_widget_on_another_origin_shows_the_state(servers: Servers, page: Any):
    alice = servers.token("alice")
    created = servers.graphql(
        "mutation($d: JSON!) { createDocument(input: {documentType: \"purchase_request\", data: $d, submit: true}) "
        "{ ... on DocumentPayload { document { number } } } }",
        {"d": {"title": "Screens", "department": "IT", "supplier": "ACME",
               "lines": [{"description": "Screen 27", "quantity": 3, "unit_price": 300, "vat_rate": 20}]}}, alice)
    number = created["createDocument"]["document"]["number"]
    url = servers.host_page("status.html", (
        "<h1>ACME supplier portal</h1><p>Your order request:</p>"
        f'<parapheur-status number="{number}" api="{servers.base}" token="{alice}"></parapheur-status>'
        f'<parapheur-status number="DA-1999-99999" api="{servers.base}" token="{alice}"></parapheur-status>'
        f'<parapheur-status number="{number}" api="{servers.base}" token="not-a-token"></parapheur-status>'))
    page.goto(url)
    status = page.locator("parapheur-status").first
    expect(status.get_by_role("heading", name=number)).to_be_visible()
    expect(status.locator(".pp-facts")).to_contain_text("Service review")
    expect(status.locator(".pp-facts")).to_contain_text("Created")
    expect(page.locator("parapheur-status").nth(1).locator(".pp-empty[role=status]")).to_have_text(
        "No document numbered DA-1999-99999.")
    refused = page.locator("parapheur-status").nth(2).locator(".pp-error-state[role=alert]")
    expect(refused).to_contain_text("log in again")
    expect(refused.get_by_role("button", name="Try again")).to_be_visible()
    screenshot(page, "status-other-origin")


def test_form_of_200_lines_renders_and_totals_match_the_server(servers: Servers, page: Any):
    alice = servers.token("alice")
    url = servers.host_page("form.html", (
        f'<parapheur-form document-type="purchase_request" api="{servers.base}" token="{alice}"></parapheur-form>'))
    page.goto(url)
    form = page.locator("parapheur-form")
    expect(form.locator("#ctl-title")).to_be_visible()
    lines = [{"description": f"Item {i + 1}", "quantity": i % 7 + 1, "unit_price": round(9.99 + i * 1.37, 2),
              "vat_rate": [0, 5.5, 10, 20][i % 4]} for i in range(200)]
    data = {"title": "Bulk order", "department": "IT", "supplier": "ACME", "lines": lines}
    measured = page.evaluate("""async (data) => {
        const form = document.querySelector("parapheur-form");
        const start = performance.now();
        form.data = data;
        const script = performance.now() - start;
        await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
        return { script, painted: performance.now() - start,
                 rows: form.shadowRoot.querySelectorAll("#ctl-lines tbody tr").length, data: form.data };
    }""", data)
    assert measured["rows"] == 200
    record("200-line render (ms)", {"script": round(measured["script"], 1),
                                    "until painted": round(measured["painted"], 1)})
    print(f"\n200-line form: {measured['script']:.1f} ms to build, {measured['painted']:.1f} ms until painted")
    expected = compute(SCHEMA, data)
    for field in ("total_ht", "total_vat", "total_ttc"):
        assert measured["data"][field] == expected[field]
    assert [line["amount"] for line in measured["data"]["lines"]] == [line["amount"] for line in expected["lines"]]
    expect(form.locator("#ctl-lines-199-description")).to_have_value("Item 200")
    screenshot(page, "form-200-lines")


def test_invoice_allowances_change_the_live_totals_exactly_as_the_server_computes_them(servers: Servers, page: Any):
    erin = servers.token("erin")  # accounting
    url = servers.host_page("invoice.html", (
        f'<parapheur-form document-type="customer_invoice" api="{servers.base}" token="{erin}"></parapheur-form>'))
    page.goto(url)
    form = page.locator("parapheur-form")
    expect(form.locator("#ctl-lines-0-description")).to_be_visible()
    line = {"description": "Service", "quantity": 1, "vat_category": "S"}
    allowances = [{"reason": "Remise", "amount": amount, "vat_category": category, "vat_rate": rate}
                  for amount, category, rate in [(0.005, "S", 20), (0.005, "S", 20), (12.345, "S", 5.5),
                                                 (300, "E", 0), (0.05, "S", 10)]]
    data = {"customer": "LEA", "issue_date": "2026-03-02", "vat_exemption_reason": "Article 261 C du CGI",
            "lines": [{**line, "unit_price": 1200.5, "quantity": 3, "vat_rate": 20},
                      {**line, "unit_price": 74.7, "vat_rate": 5.5},
                      {**line, "unit_price": 900, "vat_category": "E", "vat_rate": 0}],
            "allowances": allowances}
    computed = page.evaluate("""(data) => {
        const form = document.querySelector("parapheur-form");
        form.data = data;
        return form.data;
    }""", data)
    expected = compute(INVOICE_SCHEMA, data)
    assert [computed[field] for field in ("total_ht", "total_vat", "total_ttc")] == [
        expected[field] for field in ("total_ht", "total_vat", "total_ttc")] == [4263.78, 723.72, 4987.5]
    expect(form.locator("#ctl-total_ht")).to_have_text("4,263.78")  # 4,576.20 - 0.01 - 0.01 - 12.35 - 300 - 0.05

    form.locator("#ctl-allowances-2-amount").fill("74.75")  # the 5.5 % base: 74.70 - 74.75 = -0.05
    typed = compute(INVOICE_SCHEMA, {**data, "allowances": [*allowances[:2], {**allowances[2], "amount": 74.75},
                                                            *allowances[3:]]})
    for field in ("total_ht", "total_vat", "total_ttc"):
        expect(form.locator(f"#ctl-{field}")).to_have_text(f"{typed[field]:,.2f}")
    screenshot(form, "form-invoice-allowances")


def test_a_saved_draft_is_updated_then_submitted_from_another_origin(servers: Servers, page: Any):
    alice = servers.token("alice")
    url = servers.host_page("draft.html", (
        f'<parapheur-form document-type="purchase_request" api="{servers.base}" token="{alice}"></parapheur-form>'))
    page.goto(url)
    form = page.locator("parapheur-form")
    form.locator("#ctl-title").fill("Desk lamps")
    pick(form, "ctl-department", "IT", "Information technology")
    pick(form, "ctl-supplier", "ACME", "ACME Fournitures")
    fill_line(form, 0, "Lamp", "10", "55", "20")
    form.get_by_role("button", name="Save draft").click()
    saved = form.get_by_role("status").filter(has_text="saved")
    expect(saved).to_be_visible()
    number = re.search(r"DA-\d{4}-\d{5}", saved.inner_text()).group(0)
    expect(form.get_by_role("heading", level=2)).to_have_text(re.compile(rf"^[^0-9]*{number}$"))

    form.locator("#ctl-title").fill("Desk lamps, LED")
    form.get_by_role("button", name="Submit").click()
    expect(form.get_by_role("status").filter(has_text="submitted")).to_contain_text("now Service review")
    found = servers.graphql('query($s: String) { documents(filter: {search: $s}, first: 1) '
                            '{ edges { node { version data } } } }', {"s": number}, alice)
    document = found["documents"]["edges"][0]["node"]
    assert document["data"]["title"] == "Desk lamps, LED"
    assert document["data"]["total_ttc"] == 660.0
