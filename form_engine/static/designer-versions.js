/* The designer's Versions tab: published versions, their diff, and the audited migration of
 * chosen documents from older versions to the current one, with each document's outcome
 * (the server's message, in English). */

import { language, t } from "/widgets/designer-i18n.js";
import { graphql, h } from "/widgets/parapheur.js";

const api = document.body;
const $ = (id) => document.getElementById(id);
const listOf = (value) => (Array.isArray(value) ? value : value == null || value === "" ? [] : [value]);
let active = { key: null, isNew: true, say: () => {}, alertBox: () => {} };
let shownDiff = null;

/** Show the versions of `key` and its documents on older ones; say() and alertBox() report to the page. */
export async function loadVersions(key, { isNew, say, alertBox }) {
  active = { key, isNew, say, alertBox };
  shownDiff = null;
  $("diff").replaceChildren();
  if (isNew) {
    $("versions").replaceChildren(h("p", { class: "pp-empty" }, t("versions.notPublished")));
    $("diff-from").replaceChildren(); $("diff-to").replaceChildren(); $("migration").replaceChildren();
    return;
  }
  try {
    const versions = await versionTable();
    if (key !== active.key) return; // another type was opened meanwhile
    const options = () => versions.map((v) => h("option", { value: String(v.version) }, `v${v.version}`));
    $("diff-from").replaceChildren(...options()); $("diff-to").replaceChildren(...options());
    if (versions.length) {
      $("diff-from").value = String(versions.at(-2)?.version ?? versions[0].version);
      $("diff-to").value = String(versions.at(-1).version);
    }
    loadMigration(versions.at(-1)?.version ?? 0);
  } catch (error) {
    $("versions").replaceChildren(h("p", { class: "dz-problem" }, error.message));
  }
}

/** The tab again in the page's current language (the migration's outcomes are dropped). */
export async function redrawVersions() {
  const diff = shownDiff;
  const chosen = [$("diff-from").value, $("diff-to").value];
  await loadVersions(active.key, active);
  if (!diff) return;
  [$("diff-from").value, $("diff-to").value] = chosen;
  shownDiff = diff;
  $("diff").replaceChildren(renderDiff(diff));
}

/** Fetch the published versions and show them with their document counts. */
async function versionTable() {
  const { documentTypeVersions: versions } = await graphql(api, `query($k: String!) { documentTypeVersions(key: $k) {
    version publishedAt documents } }`, { k: active.key });
  $("versions").replaceChildren(versions.length ? h("table", { class: "pp-table dz-versions" },
    h("caption", { class: "pp-visually-hidden" }, t("versions.published")),
    h("thead", {}, h("tr", {}, ["versions.version", "versions.publishedAt", "versions.documents"]
      .map((key) => h("th", { scope: "col" }, t(key))))),
    h("tbody", {}, versions.map((v) => h("tr", {}, h("th", { scope: "row" }, `v${v.version}`),
      h("td", {}, new Date(v.publishedAt).toLocaleString(language())), h("td", {}, String(v.documents))))))
    : h("p", { class: "pp-empty" }, t("versions.notPublished")));
  return versions;
}

$("diff-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const { versionDiff } = await graphql(api, "query($k: String!, $f: Int!, $t: Int!) { versionDiff(key: $k, fromVersion: $f, toVersion: $t) }",
      { k: active.key, f: Number($("diff-from").value), t: Number($("diff-to").value) });
    shownDiff = versionDiff;
    $("diff").replaceChildren(renderDiff(versionDiff));
  } catch (error) {
    $("diff").replaceChildren(h("p", { class: "dz-problem" }, error.message));
  }
});

const short = (value) => (typeof value === "string" ? value : JSON.stringify(value));
const itemName = (item) => item.field ?? item.state ?? `${item.action} (${listOf(item.sources ?? item.from).join(", ")} → ${item.target ?? item.to})`;

function renderDiff(diff) {
  const sections = [];
  for (const [title, part] of [["diff.fields", diff.fields], ["diff.states", diff.states], ["diff.transitions", diff.transitions]]) {
    if (!part) continue;
    const items = [
      ...(part.added || []).map((item) => h("li", { class: "dz-added" }, h("strong", {}, "+ "), itemName(item),
        item.type ? ` (${item.type}${item.required ? t("diff.required") : ""})` : item.when ? t("diff.when", item) : "")),
      ...(part.removed || []).map((item) => h("li", { class: "dz-removed" }, h("strong", {}, "− "), itemName(item))),
      ...(part.changed || []).map((item) => h("li", { class: "dz-changed" }, h("strong", {}, "~ "), itemName(item), ": ",
        Object.entries(item.changes || {}).map(([aspect, [before, after]]) => `${aspect} ${short(before)} → ${short(after)}`).join("; "))),
    ];
    if (items.length) sections.push(h("h3", {}, t(title)), h("ul", {}, items));
  }
  for (const [title, changes] of [["diff.parameters", diff.parameters?.changed], ["diff.settings", diff.settings?.changed]]) {
    const entries = Object.entries(changes || {});
    if (entries.length) {
      sections.push(h("h3", {}, t(title)), h("ul", {}, entries.map(([k, [before, after]]) =>
        h("li", { class: "dz-changed" }, `${k}: ${short(before)} → ${short(after)}`))));
    }
  }
  if (diff.ui_schema?.changed) sections.push(h("p", {}, t("diff.ui")));
  return sections.length ? h("div", {}, sections) : h("p", { class: "pp-empty" }, t("diff.none"));
}

async function loadMigration(current) {
  const key = active.key;
  try {
    const { documents } = await graphql(api, `query($f: DocumentFilter) { documents(filter: $f, first: 100) { totalCount
      edges { node { id number state stateLabel typeVersion createdBy } } } }`, { f: { documentType: key } });
    if (key !== active.key) return; // another type was opened meanwhile
    const older = documents.edges.map((e) => e.node).filter((d) => d.typeVersion < current);
    if (!older.length) {
      $("migration").replaceChildren(h("p", { class: "pp-empty" }, t("migration.allCurrent", { version: current })));
      return;
    }
    const outcomes = new Map();
    const body = h("tbody", {}, older.map((d) => {
      const box = h("input", { type: "checkbox", value: d.id, "aria-label": t("migration.select", d) });
      const outcome = h("td", { class: "dz-outcome" });
      outcomes.set(d.id, outcome);
      return h("tr", { "data-number": d.number }, h("td", { class: "dz-center" }, box), h("th", { scope: "row" }, d.number),
        h("td", {}, `v${d.typeVersion}`), h("td", {}, d.stateLabel), h("td", {}, d.createdBy), outcome);
    }));
    const button = h("button", { type: "button", class: "pp-button pp-primary" }, t("migration.move", { version: current }));
    button.addEventListener("click", async () => {
      const ids = [...body.querySelectorAll("input:checked")].map((box) => box.value);
      if (!ids.length) { active.say("migration.selectFirst"); return; }
      button.disabled = true;
      try {
        const { migrateDocuments } = await graphql(api, "mutation($k: String!, $ids: [ID!]!) { migrateDocuments(key: $k, ids: $ids) { documentId migrated message } }",
          { k: key, ids });
        for (const o of migrateDocuments) {
          const cell = outcomes.get(o.documentId);
          cell?.replaceChildren(h("span", { class: o.migrated ? "dz-done" : "dz-refused" }, `${o.migrated ? "✓" : "✗"} ${o.message}`));
        }
        const moved = migrateDocuments.filter((o) => o.migrated).length;
        active.say("migration.done", { moved, total: migrateDocuments.length, version: current });
        await versionTable();
      } catch (error) { active.alertBox("error.server", { message: error.message }); } finally { button.disabled = false; }
    });
    $("migration").replaceChildren(h("div", { class: "dz-scroll" }, h("table", { class: "pp-table dz-migration" },
      h("caption", { class: "pp-visually-hidden" }, t("migration.caption")),
      h("thead", {}, h("tr", {}, ["migration.moveCol", "migration.number", "versions.version", "migration.state",
        "migration.createdBy", "migration.outcome"].map((key) => h("th", { scope: "col" }, t(key))))),
      body)), button);
  } catch (error) {
    $("migration").replaceChildren(h("p", { class: "dz-problem" }, error.message));
  }
}
