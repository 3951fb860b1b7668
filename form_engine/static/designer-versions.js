/* The designer's Versions tab: published versions, their diff, and the audited migration of
 * chosen documents from older versions to the current one, with each document's outcome. */

import { graphql, h } from "/widgets/parapheur.js";

const api = document.body;
const $ = (id) => document.getElementById(id);
const listOf = (value) => (Array.isArray(value) ? value : value == null || value === "" ? [] : [value]);
let active = { key: null, say: () => {}, alertBox: () => {} };

/** Show the versions of `key` and its documents on older ones; say() and alertBox() report to the page. */
export async function loadVersions(key, { isNew, say, alertBox }) {
  active = { key, say, alertBox };
  if (isNew) { $("versions").replaceChildren(h("p", { class: "pp-empty" }, "Not published yet.")); return; }
  try {
    const versions = await versionTable();
    if (key !== active.key) return; // another type was opened meanwhile
    const options = () => versions.map((v) => h("option", { value: String(v.version) }, `v${v.version}`));
    $("diff-from").replaceChildren(...options()); $("diff-to").replaceChildren(...options());
    if (versions.length) {
      $("diff-from").value = String(versions.at(-2)?.version ?? versions[0].version);
      $("diff-to").value = String(versions.at(-1).version);
    }
    $("diff").replaceChildren();
    loadMigration(versions.at(-1)?.version ?? 0);
  } catch (error) {
    $("versions").replaceChildren(h("p", { class: "dz-problem" }, error.message));
  }
}

/** Fetch the published versions and show them with their document counts. */
async function versionTable() {
  const { documentTypeVersions: versions } = await graphql(api, `query($k: String!) { documentTypeVersions(key: $k) {
    version publishedAt documents } }`, { k: active.key });
  $("versions").replaceChildren(versions.length ? h("table", { class: "pp-table dz-versions" },
    h("caption", { class: "pp-visually-hidden" }, "Published versions"),
    h("thead", {}, h("tr", {}, ["Version", "Published", "Documents"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, versions.map((v) => h("tr", {}, h("th", { scope: "row" }, `v${v.version}`),
      h("td", {}, new Date(v.publishedAt).toLocaleString()), h("td", {}, String(v.documents))))))
    : h("p", { class: "pp-empty" }, "Not published yet."));
  return versions;
}

$("diff-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const { versionDiff } = await graphql(api, "query($k: String!, $f: Int!, $t: Int!) { versionDiff(key: $k, fromVersion: $f, toVersion: $t) }",
      { k: active.key, f: Number($("diff-from").value), t: Number($("diff-to").value) });
    $("diff").replaceChildren(renderDiff(versionDiff));
  } catch (error) {
    $("diff").replaceChildren(h("p", { class: "dz-problem" }, error.message));
  }
});

const short = (value) => (typeof value === "string" ? value : JSON.stringify(value));
const itemName = (item) => item.field ?? item.state ?? `${item.action} (${listOf(item.sources ?? item.from).join(", ")} → ${item.target ?? item.to})`;

function renderDiff(diff) {
  const sections = [];
  for (const [title, part] of [["Fields", diff.fields], ["States", diff.states], ["Transitions", diff.transitions]]) {
    if (!part) continue;
    const items = [
      ...(part.added || []).map((item) => h("li", { class: "dz-added" }, h("strong", {}, "+ "), itemName(item),
        item.type ? ` (${item.type}${item.required ? ", required" : ""})` : item.when ? ` when ${item.when}` : "")),
      ...(part.removed || []).map((item) => h("li", { class: "dz-removed" }, h("strong", {}, "− "), itemName(item))),
      ...(part.changed || []).map((item) => h("li", { class: "dz-changed" }, h("strong", {}, "~ "), itemName(item), ": ",
        Object.entries(item.changes || {}).map(([aspect, [before, after]]) => `${aspect} ${short(before)} → ${short(after)}`).join("; "))),
    ];
    if (items.length) sections.push(h("h3", {}, title), h("ul", {}, items));
  }
  for (const [title, changes] of [["Parameters", diff.parameters?.changed], ["Settings", diff.settings?.changed]]) {
    const entries = Object.entries(changes || {});
    if (entries.length) {
      sections.push(h("h3", {}, title), h("ul", {}, entries.map(([k, [before, after]]) =>
        h("li", { class: "dz-changed" }, `${k}: ${short(before)} → ${short(after)}`))));
    }
  }
  if (diff.ui_schema?.changed) sections.push(h("p", {}, "The UI schema (layout) changed."));
  return sections.length ? h("div", {}, sections) : h("p", { class: "pp-empty" }, "No differences.");
}

async function loadMigration(current) {
  const key = active.key;
  try {
    const { documents } = await graphql(api, `query($f: DocumentFilter) { documents(filter: $f, first: 100) { totalCount
      edges { node { id number state stateLabel typeVersion createdBy } } } }`, { f: { documentType: key } });
    if (key !== active.key) return; // another type was opened meanwhile
    const older = documents.edges.map((e) => e.node).filter((d) => d.typeVersion < current);
    if (!older.length) { $("migration").replaceChildren(h("p", { class: "pp-empty" }, `Every document is on version ${current}.`)); return; }
    const outcomes = new Map();
    const body = h("tbody", {}, older.map((d) => {
      const box = h("input", { type: "checkbox", value: d.id, "aria-label": `Select ${d.number}` });
      const outcome = h("td", { class: "dz-outcome" });
      outcomes.set(d.id, outcome);
      return h("tr", { "data-number": d.number }, h("td", { class: "dz-center" }, box), h("th", { scope: "row" }, d.number),
        h("td", {}, `v${d.typeVersion}`), h("td", {}, d.stateLabel), h("td", {}, d.createdBy), outcome);
    }));
    const button = h("button", { type: "button", class: "pp-button pp-primary" }, `Move selected to version ${current}`);
    button.addEventListener("click", async () => {
      const ids = [...body.querySelectorAll("input:checked")].map((box) => box.value);
      if (!ids.length) { active.say("Select the documents to move first."); return; }
      button.disabled = true;
      try {
        const { migrateDocuments } = await graphql(api, "mutation($k: String!, $ids: [ID!]!) { migrateDocuments(key: $k, ids: $ids) { documentId migrated message } }",
          { k: key, ids });
        for (const o of migrateDocuments) {
          const cell = outcomes.get(o.documentId);
          cell?.replaceChildren(h("span", { class: o.migrated ? "dz-done" : "dz-refused" }, `${o.migrated ? "✓" : "✗"} ${o.message}`));
        }
        const moved = migrateDocuments.filter((o) => o.migrated).length;
        active.say(`${moved} of ${migrateDocuments.length} document(s) moved to version ${current}.`);
        await versionTable();
      } catch (error) { active.alertBox(error.message); } finally { button.disabled = false; }
    });
    $("migration").replaceChildren(h("div", { class: "dz-scroll" }, h("table", { class: "pp-table dz-migration" },
      h("caption", { class: "pp-visually-hidden" }, "Documents on older versions"),
      h("thead", {}, h("tr", {}, ["Move", "Number", "Version", "State", "Created by", "Outcome"].map((t) => h("th", { scope: "col" }, t)))),
      body)), button);
  } catch (error) {
    $("migration").replaceChildren(h("p", { class: "dz-problem" }, error.message));
  }
}
