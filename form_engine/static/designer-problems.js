/* The checker's problems, each shown next to the element it concerns.
 *
 * A problem's `where` is `schema:/pointer`, `ui:/pointer` or `workflow:/pointer`; the editors mark
 * their elements with `data-where` and a problem goes to the marked element with the longest
 * matching pointer (`workflow:/transitions/3/when` -> that row's condition). A problem of a
 * table cell is written under its row, full width, and the input points to it with
 * aria-describedby; the summary lists them all, each a button that reveals its element. The
 * problems' messages are the server's, in English; what surrounds them is in the page's language.
 */

import { t } from "/widgets/designer-i18n.js";
import { h } from "/widgets/parapheur.js";

const $ = (id) => document.getElementById(id);

/** The element a problem belongs to: the one marked with its place, else the nearest enclosing one. */
function targetOf(where) {
  const colon = where.indexOf(":");
  if (colon < 0) return null;
  const part = where.slice(0, colon + 1);
  let pointer = where.slice(colon + 1);
  if (!pointer.startsWith("/")) pointer = "";
  for (;;) {
    const found = document.querySelector(`[data-where="${CSS.escape(part + pointer)}"]`);
    if (found) return found;
    if (!pointer) return null;
    pointer = pointer.slice(0, pointer.lastIndexOf("/"));
  }
}

/** `ERROR: <input>:1:13: …` → {line, column} of a CEL error, else null. */
function celPosition(message) {
  const m = /<input>:(\d+):(\d+)/.exec(message);
  return m ? { line: Number(m[1]), column: Number(m[2]) } : null;
}

function problemNode(problem, id) {
  const [first, ...rest] = problem.message.split("\n");
  const position = celPosition(problem.message);
  return h("div", { class: "dz-problem", id, "data-for": problem.where },
    h("span", {}, first),
    position ? h("span", { class: "dz-position" }, t("checker.position", position)) : null,
    rest.length ? h("pre", { class: "dz-caret" }, rest.join("\n")) : null);
}

/** The heading of the table column holding `cell`'s input, e.g. "Condition (CEL)". */
function columnOf(input) {
  const cell = input.closest("td");
  return cell?.closest("table").querySelectorAll("thead th")[cell.cellIndex]?.textContent ?? "";
}

function clearProblems() {
  document.querySelectorAll(".dz-problem[data-for], .dz-problem-row").forEach((n) => n.remove());
  document.querySelectorAll("[data-problem]").forEach((el) => {
    el.removeAttribute("data-problem"); el.removeAttribute("aria-invalid"); el.removeAttribute("aria-describedby");
    el.classList.remove("dz-invalid");
  });
  document.querySelectorAll('[role="tab"] .dz-count').forEach((c) => { c.hidden = true; c.textContent = ""; });
}

export function showProblems(list, selectTab) {
  clearProblems();
  const counts = new Map();
  const placed = list.map((problem, index) => {
    const id = `problem-${index}`;
    const target = targetOf(problem.where);
    const node = problemNode(problem, id);
    if (!target) return { problem, target: null };
    target.dataset.problem = "true";
    const row = target.tagName === "TR" ? target : target.closest("td")?.parentElement;
    if (/^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) {
      target.setAttribute("aria-invalid", "true");
      target.setAttribute("aria-describedby", [target.getAttribute("aria-describedby"), id].filter(Boolean).join(" "));
    }
    if (row) { // under the row, full width: table cells are too narrow for a CEL error and its caret
      row.classList.add("dz-invalid");
      row.dataset.problem = "true";
      if (row !== target) node.prepend(h("strong", {}, `${columnOf(target)}: `));
      let holder = row.nextElementSibling;
      if (!holder?.classList.contains("dz-problem-row")) {
        holder = h("tr", { class: "dz-problem-row" }, h("td", { colspan: String(row.children.length) }));
        row.after(holder);
      }
      holder.firstElementChild.append(node);
    } else if (/^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) {
      const after = [...target.parentElement.querySelectorAll(".dz-problem[data-for]")].at(-1) || target;
      after.after(node);
    } else if (target.tagName === "TABLE") {
      target.closest(".dz-scroll").before(node);
    } else {
      target.prepend(node);
    }
    const panel = target.closest('[role="tabpanel"]');
    if (panel) counts.set(panel.id, (counts.get(panel.id) || 0) + 1);
    return { problem, target };
  });
  for (const [panel, count] of counts) {
    const badge = document.querySelector(`[aria-controls="${panel}"] .dz-count`);
    badge.hidden = false; badge.textContent = String(count);
    badge.setAttribute("aria-label", t("checker.count", { n: count }));
  }
  renderSummary(placed, selectTab);
}

function renderSummary(placed, selectTab) {
  if (!placed.length) {
    $("problems").replaceChildren(h("p", { class: "dz-ok" }, t("checker.ok")));
    return;
  }
  $("problems").replaceChildren(
    h("p", { class: "dz-count-line" }, t("checker.toFix", { n: placed.length })),
    h("ul", { class: "dz-problem-list" }, placed.map(({ problem, target }) => h("li", {},
      target ? h("button", { type: "button", class: "pp-link", onclick: () => reveal(target, problem, selectTab) }, problem.where)
        : h("code", {}, problem.where || t("checker.definition")),
      " ", problem.message.split("\n")[0]))));
}

/** Show the tab holding `target`, scroll to it and focus it (at the CEL error's column, if any). */
function reveal(target, problem, selectTab) {
  const panel = target.closest('[role="tabpanel"]');
  if (panel) selectTab(panel.getAttribute("aria-labelledby"));
  const focusable = /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName) ? target : target.querySelector("input, select, textarea");
  target.scrollIntoView({ block: "center" });
  focusable?.focus();
  const position = celPosition(problem.message);
  if (position && focusable?.setSelectionRange) focusable.setSelectionRange(position.column - 1, position.column);
}
