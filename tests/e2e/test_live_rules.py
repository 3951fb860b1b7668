"""Live JSON Forms rules in <parapheur-form>: the server re-evaluates them as the user edits.

The portal draws the shipped HR document (installed with the CLI, as an operator would): its
Dates group hides for an employment certificate. A variant imported through the API shows the
comment only for a leave of more than five days, so typing a number shows and hides it while
the caret stays in the number. Hidden fields never block the save.
"""

import copy
import re
from typing import Any

import pytest

from graphql_api.designer.exchange import FORMAT
from models.templates import read_template
from tests.e2e.conftest import ROOT, Servers, screenshot
from tests.e2e.test_widgets import expect, pick, record, sign_in

LONG_LEAVE_COMMENT = {"effect": "SHOW",
                      "condition": {"scope": "#/properties/days", "schema": {"type": "number", "exclusiveMinimum": 5}}}
SCREEN_QUERY = "screen(data:"


@pytest.fixture(scope="module")
def installed(servers: Servers) -> Servers:
    """The demo organisation with hr_document (CLI) and long_leave, its variant (API)."""
    servers.cli("template", "install", "hr_document", "--org", "demo")
    parts = read_template(ROOT / "ui-schemas" / "hr_document")
    ui = copy.deepcopy(parts["ui.json"])
    comment = ui["elements"][2]
    assert comment["scope"] == "#/properties/comment"
    comment["rule"] = LONG_LEAVE_COMMENT
    exported = {"format": FORMAT, "key": "long_leave", "name": "Long leave",
                "category": "hr", "number_prefix": "LL", "permissions": {}, "json_schema": parts["schema.json"],
                "ui_schema": ui, "workflow": parts["workflow.json"], "catalogs": {}}
    imported = servers.graphql("mutation($e: JSON!) { importDocumentType(exported: $e) { __typename } }",
                               {"e": exported}, servers.token("admin"))
    assert imported["importDocumentType"]["__typename"] == "Published", imported
    return servers


def stored(servers: Servers, token: str, number: str) -> dict[str, Any]:
    found = servers.graphql('query($s: String) { documents(filter: {search: $s}, first: 1) '
                            "{ edges { node { data } } } }", {"s": number}, token)
    return found["documents"]["edges"][0]["node"]["data"]


def saved_number(form: Any) -> str:
    status = form.get_by_role("status").filter(has_text="saved")
    expect(status).to_be_visible()
    return re.search(r"[A-Z]+-\d{4}-\d{5}", status.inner_text()).group(0)


def test_choosing_a_certificate_hides_the_dates_in_place_and_the_draft_saves(installed: Servers, page: Any):
    sign_in(page, installed.base, "alice")
    page.get_by_role("tab", name="New document").click()
    page.locator("#type-picker").select_option("hr_document")
    page.get_by_role("button", name="Start").click()
    form = page.locator("parapheur-form")
    form.locator("#ctl-employee_name").fill("Alice Martin")
    pick(form, "ctl-department", "IT", "Information technology")
    request = form.locator("#ctl-document_type")
    request.select_option(label="Leave request")
    dates = form.get_by_role("group", name="Dates")
    form.locator("#ctl-start_date").fill("2026-12-21")
    form.locator("#ctl-days").fill("4")

    request.focus()
    request.select_option(label="Employment certificate")
    expect(dates).to_be_hidden()
    expect(request).to_be_focused()
    screenshot(form, "form-rule-hides-dates")
    request.select_option(label="Training request")
    expect(dates).to_be_visible()
    expect(form.locator("#ctl-start_date")).to_have_value("2026-12-21")  # the same input, kept
    request.select_option(label="Employment certificate")
    expect(dates).to_be_hidden()

    form.get_by_role("button", name="Save draft").click()
    number = saved_number(form)
    data = stored(installed, installed.token("alice"), number)
    assert data["document_type"] == "certificate"
    assert "start_date" not in data and "days" not in data  # hidden: not sent, as the server wants


def test_typing_a_long_leave_shows_the_comment_live_and_the_caret_stays(installed: Servers, page: Any):
    alice = installed.token("alice")
    timings: list[float] = []
    page.on("requestfinished", lambda r: SCREEN_QUERY in (r.post_data or "") and timings.append(
        r.timing["responseEnd"]))
    url = installed.host_page("long-leave.html", (
        f'<parapheur-form document-type="long_leave" api="{installed.base}" token="{alice}"></parapheur-form>'))
    page.goto(url)
    form = page.locator("parapheur-form")
    form.locator("#ctl-employee_name").fill("Alice Martin")
    pick(form, "ctl-department", "IT", "Information technology")
    form.locator("#ctl-document_type").select_option(label="Leave request")
    form.locator("#ctl-start_date").fill("2026-12-14")
    form.locator("#ctl-end_date").fill("2026-12-25")
    comment = form.locator("#ctl-comment")
    expect(comment).to_be_hidden()

    days = form.locator("#ctl-days")
    days.click()
    page.keyboard.type("12")
    expect(comment).to_be_visible()
    expect(days).to_be_focused()
    comment.fill("Family wedding abroad")
    days.focus()
    page.keyboard.press("End")
    page.keyboard.press("Backspace")  # lands in the same input: it was never redrawn
    expect(days).to_have_value("1")
    expect(comment).to_be_hidden()
    expect(days).to_be_focused()
    page.keyboard.type("0")
    expect(comment).to_be_visible()
    expect(comment).to_have_value("Family wedding abroad")
    screenshot(form, "form-rule-shows-comment")
    page.keyboard.press("Backspace")
    page.keyboard.type("5")
    expect(days).to_have_value("15")
    page.keyboard.press("Home")
    page.keyboard.press("Delete")  # "5": five days, no comment needed
    expect(days).to_have_value("5")
    expect(comment).to_be_hidden()

    form.get_by_role("button", name="Save draft").click()
    data = stored(installed, alice, saved_number(form))
    assert data["days"] == 5 and "comment" not in data
    assert timings, "no screen(data:) request was seen"
    record("live rules: screen(data:) round trip (ms)", {"requests": len(timings),
                                                          "median": sorted(timings)[len(timings) // 2],
                                                          "max": max(timings)})
    print(f"\nscreen(data:) round trips: {len(timings)}, median {sorted(timings)[len(timings) // 2]:.1f} ms")


LATE_ANSWER = """
const original = window.fetch;
window.fetch = async (url, init) => {
  const late = typeof init?.body === "string" && init.body.includes("screen(data:") && init.body.includes('"days":12');
  if (late) window.lateSent = true;
  const response = await original(url, init);
  if (late) { await new Promise((resolve) => setTimeout(resolve, 1500)); window.lateAnswered = true; }
  return response;
};
"""


def test_an_answer_for_older_data_arriving_late_is_dropped(installed: Servers, page: Any):
    alice = installed.token("alice")
    page.add_init_script(LATE_ANSWER)
    url = installed.host_page("late.html", (
        f'<parapheur-form document-type="long_leave" api="{installed.base}" token="{alice}"></parapheur-form>'))
    page.goto(url)
    form = page.locator("parapheur-form")
    comment, days = form.locator("#ctl-comment"), form.locator("#ctl-days")
    days.click()
    page.keyboard.type("12")
    page.wait_for_function("window.lateSent === true")  # asked for 12 days; the answer is held back
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.type("8")
    expect(comment).to_be_visible()  # the answer for 8 days
    page.keyboard.press("Backspace")
    page.keyboard.type("3")
    expect(comment).to_be_hidden()  # the answer for 3 days
    page.wait_for_function("window.lateAnswered === true")
    page.wait_for_timeout(300)
    expect(comment).to_be_hidden()  # the late answer (12 days: shown) was dropped
