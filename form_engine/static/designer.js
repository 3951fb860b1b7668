/* The designer: edit a document type's JSON Schema, UI schema and workflow, see the form and the
 * circuit as users will, see every problem of the server's checker next to what it concerns,
 * save a draft, publish it as a new immutable version, compare versions, migrate documents.
 *
 * The structured editors (fields, states, transitions) and the JSON textareas edit the same
 * objects, `def.jsonSchema`, `def.uiSchema`, `def.workflow`, in place; every change re-renders
 * what shows that data, then (debounced) asks the server for the preview and the problems.
 * User text only ever reaches the page as text; the one markup inserted, the diagram, is the
 * SVG the server draws. The checker's problems are placed by designer-problems.js; the Versions
 * tab is designer-versions.js; every word comes from designer-i18n.js, and switching language
 * re-renders what the page shows from its data.
 */

import { ApiError, graphql, h } from "/widgets/parapheur.js";
import { language, setLanguage, t, translatePage, write } from "/widgets/designer-i18n.js";
import { showProblems } from "/widgets/designer-problems.js";
import { loadVersions, redrawVersions } from "/widgets/designer-versions.js";

const api = document.body; // graphql() reads `api`/`token` attributes: none, so same origin + cookie
const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 400;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TYPES = ["string", "number", "integer", "boolean", "date"];
const STRING_ONLY = ["format", "minLength", "maxLength", "pattern", "x-catalog"];
const NUMBER_ONLY = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"];

let viewer = null;
let types = [];
let drafts = []; // saved drafts: {key, name, publishedVersion}; 0 for a type never published
let problems = [];
let def = null; // {key, name, category, numberPrefix, jsonSchema, uiSchema, workflow, permissions}
let status = { saved: false, dirty: false, isNew: false, version: 0 };
let timer = null;
let ticket = 0;

const clone = (value) => JSON.parse(JSON.stringify(value));
const split = (text) => text.split(",").map((s) => s.trim()).filter(Boolean);
const listOf = (value) => (Array.isArray(value) ? value : value == null || value === "" ? [] : [value]);
const escapePointer = (key) => String(key).replace(/~/g, "~0").replace(/\//g, "~1");

// ---------------------------------------------------------------- sign-in

async function start() {
  try {
    viewer = (await graphql(api, "{ viewer { username displayName organization { name } } }")).viewer;
  } catch (error) {
    write($("login-error"), "error.server", { message: error.message });
  }
  if (viewer && !(await isAdmin())) {
    write($("login-error"), "login.notAdmin", { name: viewer.displayName });
    viewer = null;
  }
  viewer ? enter() : showLogin();
}

/** Designer queries are for administrators only: ask one and see whether it is refused. */
async function isAdmin() {
  try {
    await graphql(api, "{ documentTypeVersions(key: \"-\") { version } }");
    return true;
  } catch (error) {
    if (error instanceof ApiError) return false;
    throw error;
  }
}

function showLogin() {
  $("app").hidden = true; $("logout").hidden = true; $("who").textContent = "";
  $("login").hidden = false; $("username").focus();
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  write($("login-error"), null);
  const query = `mutation($u: String!, $p: String!) { login(username: $u, password: $p, sessionCookie: true) {
    __typename ... on LoginSuccess { viewer { username displayName organization { name } } } ... on LoginFailed { message } } }`;
  try {
    const { login } = await graphql(api, query, { u: $("username").value, p: $("password").value });
    if (login.__typename !== "LoginSuccess") { write($("login-error"), "error.server", { message: login.message }); return; }
    $("password").value = "";
    if (!(await isAdmin())) {
      write($("login-error"), "login.notAdminHere", { name: login.viewer.displayName });
      return;
    }
    viewer = login.viewer;
    enter();
  } catch (error) {
    write($("login-error"), "error.server", { message: error.message });
  }
});

$("logout").addEventListener("click", async () => {
  try { await graphql(api, "mutation { logout }"); } finally { location.reload(); }
});

async function enter() {
  $("login").hidden = true; $("app").hidden = false; $("logout").hidden = false;
  $("who").textContent = `${viewer.displayName} · ${viewer.organization.name}`;
  await loadTypes();
  const wanted = new URLSearchParams(location.search).get("type") || location.hash.slice(1);
  if (wanted && known(wanted)) { $("type-picker").value = wanted; openType(wanted); }
}

// ---------------------------------------------------------------- opening and creating types

/** Published types, then the drafts of types never published (`documentTypes` lists only the former). */
async function loadTypes(selected = $("type-picker").value) {
  const listed = await graphql(api, "{ documentTypes { key name version } documentTypeDrafts { key name publishedVersion } }");
  types = listed.documentTypes;
  drafts = listed.documentTypeDrafts;
  renderPicker(selected);
}

function renderPicker(selected) {
  const pending = new Set(drafts.map((d) => d.key));
  $("type-picker").replaceChildren(h("option", { value: "" }, t("picker.choose")),
    ...types.map((type) => h("option", { value: type.key },
      t(pending.has(type.key) ? "picker.publishedWithDraft" : "picker.published", type))),
    ...drafts.filter((d) => !d.publishedVersion).map((d) => h("option", { value: d.key, "data-draft": "" },
      t("picker.neverPublished", d))));
  if (selected) $("type-picker").value = selected;
}

const known = (key) => types.some((type) => type.key === key) || drafts.some((d) => d.key === key);

$("open-type").addEventListener("click", () => {
  const key = $("type-picker").value;
  if (!key) { $("type-picker").focus(); return; }
  if (status.dirty && !window.confirm(t("picker.dropChanges"))) return;
  openType(key);
});

async function openType(key) {
  say("open.opening", { key });
  try {
    const { designerDraft: draft } = await graphql(api, `query($k: String!) { designerDraft(key: $k) {
      key saved name category numberPrefix jsonSchema uiSchema workflow permissions } }`, { k: key });
    if (!draft) throw new ApiError(t("open.missing", { key }));
    const { saved, ...rest } = draft;
    def = rest;
    status = { saved, dirty: false, isNew: false, version: types.find((type) => type.key === key)?.version ?? 0 };
    history.replaceState(null, "", `#${key}`);
    show();
    if (saved) say("open.draft");
    else say("open.published", { version: status.version });
    loadVersions(def.key, { isNew: !status.version, say, alertBox });
  } catch (error) {
    alertBox("error.server", { message: error.message });
    say(null);
  }
}

$("new-type-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const key = $("new-key").value.trim(), name = $("new-name").value.trim(), prefix = $("new-prefix").value.trim();
  const error = !NAME.test(key) || !/^[A-Za-z]/.test(key) ? "new.badKey" : known(key) ? "new.exists" : null;
  $("new-type-error").hidden = !error;
  write($("new-type-error"), error, { key });
  if (error) { $("new-key").focus(); return; }
  def = { key, name, category: "other", numberPrefix: prefix, ...starter(name) };
  status = { saved: false, dirty: true, isNew: true, version: 0 };
  $("new-type").open = false;
  show();
  say("new.created", { name });
  loadVersions(key, { isNew: true, say, alertBox });
});

/** A small working definition to start from, labelled in the page's language: a title, and a one-step approval circuit. */
function starter(title) {
  return {
    jsonSchema: { $schema: "https://json-schema.org/draft/2020-12/schema", title, type: "object", required: ["title"],
      properties: { title: { type: "string", title: t("starter.title"), minLength: 1, maxLength: 200 } } },
    uiSchema: { type: "VerticalLayout", elements: [{ type: "Control", scope: "#/properties/title" }] },
    workflow: {
      initial: "draft", roles: ["requester", "service_manager"],
      states: {
        draft: { label: t("starter.draft"), assignees: [{ creator: true }], editable: "*" },
        review: { label: t("starter.review"), assignees: [{ role: "service_manager" }] },
        approved: { label: t("starter.approved"), final: true },
        rejected: { label: t("starter.rejected"), final: true },
      },
      transitions: [
        { action: "submit", label: t("starter.submit"), from: "draft", to: "review", by: "creator" },
        { action: "approve", label: t("starter.approve"), from: "review", to: "approved" },
        { action: "reject", label: t("starter.reject"), from: "review", to: "rejected", comment_required: true },
      ],
    },
    permissions: { create: ["requester"] },
  };
}

function show() {
  $("empty").hidden = true; $("designer").hidden = false;
  $("type-title").textContent = `${def.name} (${def.key})`;
  $("type-name").value = def.name; $("type-category").value = def.category; $("type-prefix").value = def.numberPrefix;
  alertBox(null);
  renderAll();
  if (!status.isNew) selectTab("tab-fields");
  refreshNow();
}

function updateBadge() {
  const badge = $("draft-state");
  write(badge, status.dirty ? "badge.dirty" : status.saved ? "badge.draft" : status.isNew ? "badge.new" : "badge.published",
    { version: status.version });
  badge.dataset.kind = status.dirty ? "dirty" : status.saved ? "draft" : "published";
}

for (const [id, key] of [["type-name", "name"], ["type-category", "category"], ["type-prefix", "numberPrefix"]]) {
  $(id).addEventListener("input", () => { def[key] = $(id).value; changed([]); });
}

// ---------------------------------------------------------------- change pipeline

/** Something changed: re-render the given editors and the JSON, then (debounced) preview and check. */
function changed(renderers, from = null) {
  status.dirty = true;
  updateBadge();
  for (const render of renderers) render();
  syncJson(from);
  clearTimeout(timer);
  timer = setTimeout(refreshNow, DEBOUNCE_MS);
}

function renderAll() {
  renderFields(); renderStates(); renderTransitions(); syncJson(null); updateBadge();
}

function refreshNow() {
  clearTimeout(timer);
  const mine = ++ticket;
  preview(mine);
  check(mine);
}

function draftInput() {
  return { key: def.key, name: def.name, category: def.category || "other", numberPrefix: def.numberPrefix,
    jsonSchema: def.jsonSchema, uiSchema: def.uiSchema, workflow: def.workflow, permissions: def.permissions || {} };
}

async function preview(mine) {
  const screen = graphql(api, "query($s: JSON!, $u: JSON) { previewScreen(jsonSchema: $s, uiSchema: $u) }",
    { s: def.jsonSchema, u: def.uiSchema }).then((d) => d.previewScreen);
  const diagram = graphql(api, "query($w: JSON!) { previewDiagram(workflow: $w) }", { w: def.workflow })
    .then((d) => d.previewDiagram);
  const [s, d] = await Promise.allSettled([screen, diagram]);
  if (mine !== ticket) return;
  showOutcome($("preview-error"), s, (model) => { $("preview").screen = model; });
  showOutcome($("diagram-error"), d, (svg) => { $("diagram").innerHTML = svg; }); // the server's SVG, trusted
}

$("diagram-size").addEventListener("click", () => {
  const actual = $("diagram").classList.toggle("dz-actual-size");
  $("diagram-size").setAttribute("aria-pressed", String(actual));
});

function showOutcome(errorNode, outcome, use) {
  errorNode.hidden = outcome.status === "fulfilled";
  write(errorNode, outcome.status === "fulfilled" ? null : "preview.stale", { message: outcome.reason?.message });
  if (outcome.status === "fulfilled") use(outcome.value);
}

async function check(mine) {
  try {
    const { checkDefinition } = await graphql(api, `mutation($i: DraftInput!) { checkDefinition(input: $i) { where message } }`,
      { i: draftInput() });
    if (mine === ticket) placeProblems(checkDefinition);
  } catch (error) {
    if (mine === ticket) placeProblems([{ where: "", message: t("checker.failed", { message: error.message }) }]);
  }
}

function placeProblems(list) {
  problems = list;
  showProblems(list, selectTab);
}

// ---------------------------------------------------------------- fields

function fieldType(prop) {
  if (prop.type === "string" && prop.format === "date") return "date";
  return TYPES.includes(prop.type) ? prop.type : null;
}

function renderFields() {
  const schema = def.jsonSchema && typeof def.jsonSchema === "object" ? def.jsonSchema : {};
  const properties = schema.properties && typeof schema.properties === "object" ? schema.properties : {};
  const required = new Set(listOf(schema.required));
  $("fields").replaceChildren(...Object.entries(properties).map(([name, prop], index) => {
    const where = `schema:/properties/${escapePointer(name)}`;
    const kind = fieldType(prop || {});
    const computed = prop && "x-computed" in prop;
    const nameInput = h("input", { value: name, class: "dz-name", "aria-label": t("fields.nameOf", { n: index + 1 }),
      autocomplete: "off", spellcheck: "false" });
    nameInput.addEventListener("change", () => renameField(name, nameInput));
    const typeSelect = kind
      ? h("select", { "aria-label": t("fields.typeOf", { name }), "data-where": `${where}/type` },
        TYPES.map((type) => h("option", { value: type }, t(`type.${type}`))))
      : h("select", { "aria-label": t("fields.typeOf", { name }), disabled: true },
        h("option", {}, t("fields.otherType", { type: prop?.type ?? "?" })));
    if (kind) {
      typeSelect.value = kind;
      typeSelect.addEventListener("change", () => { setType(prop, typeSelect.value); changed([renderFields]); });
    }
    const label = h("input", { value: prop?.title ?? "", "aria-label": t("fields.labelOf", { name }), "data-where": `${where}/title` });
    label.addEventListener("input", () => { setOrDelete(prop, "title", label.value); changed([], label); });
    const req = h("input", { type: "checkbox", checked: required.has(name), "aria-label": t("fields.isRequired", { name }) });
    req.addEventListener("change", () => { setRequired(name, req.checked); changed([]); });
    const stringy = kind === "string";
    const catalog = h("input", { value: prop?.["x-catalog"] ?? "", "aria-label": t("fields.catalogOf", { name }),
      disabled: !stringy, placeholder: stringy ? t("fields.catalogExample") : "", "data-where": `${where}/x-catalog`,
      spellcheck: "false" });
    catalog.addEventListener("input", () => { setOrDelete(prop, "x-catalog", catalog.value.trim()); changed([], catalog); });
    const enumInput = h("input", { value: listOf(prop?.enum).join(", "), "aria-label": t("fields.valuesOf", { name }),
      disabled: !kind || kind === "boolean", "data-where": `${where}/enum`,
      placeholder: kind && kind !== "boolean" ? t("fields.anyValue") : "" });
    enumInput.addEventListener("change", () => { setEnum(prop, enumInput.value); changed([renderFields]); });
    const remove = h("button", { type: "button", class: "pp-button pp-danger dz-small",
      "aria-label": t("fields.remove", { name }), onclick: () => removeField(name) }, t("remove"));
    return h("tr", { "data-where": where, "data-field": name },
      h("td", {}, nameInput, computed ? h("span", { class: "pp-badge dz-tag" }, t("fields.computed")) : null),
      h("td", {}, typeSelect), h("td", {}, label), h("td", { class: "dz-center" }, req),
      h("td", {}, catalog), h("td", {}, enumInput), h("td", {}, remove));
  }));
}

function setOrDelete(obj, key, value) {
  if (value === "" || value == null) delete obj[key];
  else obj[key] = value;
}

function setType(prop, kind) {
  const type = kind === "date" ? "string" : kind;
  prop.type = type;
  if (type !== "string") STRING_ONLY.forEach((k) => delete prop[k]);
  if (type !== "number" && type !== "integer") NUMBER_ONLY.forEach((k) => delete prop[k]);
  if (kind === "date") prop.format = "date";
  else delete prop.format;
  if (type === "boolean") delete prop.enum;
  else if (prop.enum) setEnum(prop, prop.enum.join(","));
}

function setEnum(prop, text) {
  const numeric = prop.type === "number" || prop.type === "integer";
  const values = split(text).map((v) => (numeric && v !== "" && !Number.isNaN(Number(v)) ? Number(v) : v));
  setOrDelete(prop, "enum", values.length ? values : null);
}

function setRequired(name, on) {
  const list = listOf(def.jsonSchema.required).filter((n) => n !== name);
  if (on) list.push(name);
  setOrDelete(def.jsonSchema, "required", list.length ? list : null);
}

function renameField(old, input) {
  const name = input.value.trim();
  const props = def.jsonSchema.properties;
  const error = !NAME.test(name) ? t("fields.badName") : name !== old && name in props ? t("fields.exists", { name }) : null;
  if (error) { fieldError(input, error); return; }
  if (name === old) return;
  def.jsonSchema.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k === old ? name : k, v]));
  if (def.jsonSchema.required) def.jsonSchema.required = listOf(def.jsonSchema.required).map((n) => (n === old ? name : n));
  const from = `#/properties/${old}`, to = `#/properties/${name}`;
  walkUi(def.uiSchema, (el) => {
    if (el.scope === from || el.scope?.startsWith(`${from}/`)) el.scope = to + el.scope.slice(from.length);
  });
  for (const state of Object.values(def.workflow?.states || {})) {
    if (Array.isArray(state?.editable)) state.editable = state.editable.map((n) => (n === old ? name : n));
  }
  changed([renderFields, renderStates]);
  document.querySelector(`tr[data-field="${CSS.escape(name)}"] .dz-name`)?.focus();
}

function fieldError(input, message) {
  const note = h("p", { class: "dz-problem dz-local", id: `local-${Date.now()}` }, message);
  input.parentElement.querySelector(".dz-local")?.remove();
  input.after(note);
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", note.id);
  input.focus();
}

function walkUi(el, visit) {
  if (!el || typeof el !== "object") return;
  visit(el);
  for (const child of el.elements || []) walkUi(child, visit);
  if (el.options?.detail) walkUi(el.options.detail, visit);
}

$("add-field").addEventListener("click", () => {
  def.jsonSchema.properties ||= {};
  let n = Object.keys(def.jsonSchema.properties).length + 1;
  while (`field_${n}` in def.jsonSchema.properties) n++;
  const name = `field_${n}`;
  def.jsonSchema.properties[name] = { type: "string", title: t("fields.newTitle") };
  const control = { type: "Control", scope: `#/properties/${name}` };
  if (Array.isArray(def.uiSchema?.elements)) def.uiSchema.elements.push(control);
  else if (!def.uiSchema || !Object.keys(def.uiSchema).length) def.uiSchema = { type: "VerticalLayout", elements: [control] };
  changed([renderFields]);
  const input = document.querySelector(`tr[data-field="${name}"] .dz-name`);
  input.focus(); input.select();
  say("fields.added", { name });
});

function removeField(name) {
  delete def.jsonSchema.properties[name];
  setRequired(name, false);
  const scope = `#/properties/${name}`;
  const prune = (el) => {
    if (!el || !Array.isArray(el.elements)) return;
    el.elements = el.elements.filter((child) => !(child?.scope === scope || child?.scope?.startsWith(`${scope}/`)));
    el.elements.forEach(prune);
  };
  prune(def.uiSchema);
  changed([renderFields]);
  say("fields.removed", { name });
  $("add-field").focus();
}

// ---------------------------------------------------------------- states

const SCOPE_SPLIT = /,(?=(?:[^'"()]|'[^']*'|"[^"]*"|\([^()]*\))*$)/;

function scopeText(scope) {
  return Object.entries(scope || {}).map(([k, v]) => `${k}=${v}`).join(", ");
}

function parseScope(text) {
  const scope = {};
  for (const pair of text.split(SCOPE_SPLIT).map((s) => s.trim()).filter(Boolean)) {
    const at = pair.indexOf("=");
    if (at < 1) return null;
    scope[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return scope;
}

function renderStates() {
  const workflow = def.workflow && typeof def.workflow === "object" ? def.workflow : {};
  const states = workflow.states && typeof workflow.states === "object" ? workflow.states : {};
  const keys = Object.keys(states);
  $("initial-state").replaceChildren(...[...new Set([...keys, workflow.initial ?? ""])].filter((k) => k !== "" || !keys.length)
    .map((k) => h("option", { value: k }, k || "—")));
  $("initial-state").value = workflow.initial ?? "";
  $("workflow-roles").value = listOf(workflow.roles).join(", ");
  $("role-options").replaceChildren(h("option", { value: "creator" }, t("states.creator")),
    ...listOf(workflow.roles).map((r) => h("option", { value: r })));
  $("states").replaceChildren(...keys.map((key, index) => {
    const state = states[key] || {};
    const where = `workflow:/states/${escapePointer(key)}`;
    const keyInput = h("input", { value: key, class: "dz-name", "aria-label": t("states.keyOf", { n: index + 1 }),
      spellcheck: "false" });
    keyInput.addEventListener("change", () => renameState(key, keyInput));
    const label = h("input", { value: state.label ?? "", "aria-label": t("states.labelOf", { key }), "data-where": `${where}/label` });
    label.addEventListener("input", () => { setOrDelete(state, "label", label.value); changed([], label); });
    const first = listOf(state.assignees)[0];
    const more = Math.max(0, listOf(state.assignees).length - 1);
    const role = h("input", { value: first?.creator ? "creator" : first?.role ?? "", list: "role-options",
      "aria-label": t("states.assigneeOf", { key }), "data-where": `${where}/assignees/0/role`, spellcheck: "false" });
    const scope = h("input", { value: scopeText(first?.scope), "aria-label": t("states.scopeOf", { key }),
      placeholder: t("states.scopeExample"), disabled: !first || first.creator,
      "data-where": `${where}/assignees/0/scope`, spellcheck: "false" });
    const setAssignee = () => {
      const rest = listOf(state.assignees).slice(1), value = role.value.trim();
      const parsed = parseScope(scope.value);
      if (parsed === null) { fieldError(scope, t("states.badScope")); return; }
      const assignee = value === "creator" ? { creator: true } : value ? { role: value } : null;
      if (assignee?.role && Object.keys(parsed).length) assignee.scope = parsed;
      setOrDelete(state, "assignees", assignee ? [assignee, ...rest] : rest.length ? rest : null);
      scope.disabled = !assignee || Boolean(assignee.creator);
      changed([], role);
    };
    role.addEventListener("change", setAssignee);
    scope.addEventListener("change", setAssignee);
    const final = h("input", { type: "checkbox", checked: state.final === true, "aria-label": t("states.isFinal", { key }),
      "data-where": `${where}/final` });
    final.addEventListener("change", () => { setOrDelete(state, "final", final.checked || null); changed([]); });
    const remove = h("button", { type: "button", class: "pp-button pp-danger dz-small", "aria-label": t("states.remove", { key }),
      onclick: () => { delete states[key]; changed([renderStates, renderTransitions]); $("add-state").focus(); } }, t("remove"));
    return h("tr", { "data-where": where, "data-state": key },
      h("td", {}, keyInput), h("td", {}, label),
      h("td", {}, role, more ? h("span", { class: "dz-hint" }, t("states.more", { n: more })) : null),
      h("td", {}, scope), h("td", { class: "dz-center" }, final), h("td", {}, remove));
  }));
}

function renameState(old, input) {
  const key = input.value.trim();
  const states = def.workflow.states;
  const error = !NAME.test(key) ? t("states.badKey") : key !== old && key in states ? t("states.exists", { key }) : null;
  if (error) { fieldError(input, error); return; }
  if (key === old) return;
  def.workflow.states = Object.fromEntries(Object.entries(states).map(([k, v]) => [k === old ? key : k, v]));
  if (def.workflow.initial === old) def.workflow.initial = key;
  for (const tr of listOf(def.workflow.transitions)) {
    if (Array.isArray(tr.from)) tr.from = tr.from.map((s) => (s === old ? key : s));
    else if (tr.from === old) tr.from = key;
    if (tr.to === old) tr.to = key;
  }
  changed([renderStates, renderTransitions]);
  document.querySelector(`tr[data-state="${CSS.escape(key)}"] .dz-name`)?.focus();
}

$("initial-state").addEventListener("change", () => { def.workflow.initial = $("initial-state").value; changed([]); });
$("workflow-roles").addEventListener("change", () => {
  setOrDelete(def.workflow, "roles", split($("workflow-roles").value));
  changed([renderStates]);
});

$("add-state").addEventListener("click", () => {
  def.workflow.states ||= {};
  let n = Object.keys(def.workflow.states).length + 1;
  while (`state_${n}` in def.workflow.states) n++;
  def.workflow.states[`state_${n}`] = { label: t("states.newLabel") };
  changed([renderStates, renderTransitions]);
  const input = document.querySelector(`tr[data-state="state_${n}"] .dz-name`);
  input.focus(); input.select();
});

// ---------------------------------------------------------------- transitions

function renderTransitions() {
  const workflow = def.workflow && typeof def.workflow === "object" ? def.workflow : {};
  const transitions = Array.isArray(workflow.transitions) ? workflow.transitions : [];
  const states = Object.keys(workflow.states || {});
  $("transitions").replaceChildren(...transitions.map((tr, i) => {
    const where = `workflow:/transitions/${i}`;
    const n = { n: i + 1 };
    const text = (key, label, attrs = {}) => {
      const input = h("input", { value: tr[key] ?? "", "aria-label": t(label, n), "data-where": `${where}/${key}`,
        spellcheck: "false", ...attrs });
      input.addEventListener("input", () => { setOrDelete(tr, key, input.value.trim() === "" ? null : input.value); changed([], input); });
      return input;
    };
    const from = h("input", { value: listOf(tr.from).join(", "), "aria-label": t("transitions.fromOf", n),
      "data-where": `${where}/from`, spellcheck: "false" });
    from.addEventListener("input", () => {
      const list = split(from.value);
      tr.from = list.length === 1 ? list[0] : list;
      changed([], from);
    });
    const to = h("select", { "aria-label": t("transitions.toOf", n), "data-where": `${where}/to` },
      [...new Set([...states, tr.to ?? ""])].map((s) => h("option", { value: s }, s || "—")));
    to.value = tr.to ?? "";
    to.addEventListener("change", () => { tr.to = to.value; changed([]); });
    const roles = h("input", { value: listOf(tr.roles).join(", "), "aria-label": t("transitions.rolesOf", n),
      "data-where": `${where}/roles`, spellcheck: "false", placeholder: t("transitions.rolesPlaceholder") });
    roles.addEventListener("input", () => { setOrDelete(tr, "roles", split(roles.value).length ? split(roles.value) : null); changed([], roles); });
    const comment = h("input", { type: "checkbox", checked: tr.comment_required === true,
      "aria-label": t("transitions.commentOf", n), "data-where": `${where}/comment_required` });
    comment.addEventListener("change", () => { setOrDelete(tr, "comment_required", comment.checked || null); changed([]); });
    const move = (step) => h("button", { type: "button", class: "pp-button dz-small dz-move", "data-step": String(step),
      "aria-label": t(step < 0 ? "transitions.up" : "transitions.down", n), disabled: i + step < 0 || i + step >= transitions.length,
      onclick: () => moveTransition(i, step) }, step < 0 ? "↑" : "↓");
    const remove = h("button", { type: "button", class: "pp-button pp-danger dz-small", "aria-label": t("transitions.remove", n),
      onclick: () => { transitions.splice(i, 1); changed([renderTransitions]); $("add-transition").focus(); } }, t("remove"));
    const flags = [tr.by === "creator" ? t("transitions.creatorOnly") : null, tr.automatic ? t("transitions.automatic") : null]
      .filter(Boolean);
    return h("tr", { "data-where": where, "data-index": String(i) },
      h("td", { class: "dz-order" }, h("span", { class: "dz-index" }, String(i + 1)), move(-1), move(1)),
      h("td", {}, text("action", "transitions.actionOf"), flags.length ? h("span", { class: "dz-hint" }, flags.join(", ")) : null),
      h("td", {}, text("label", "transitions.labelOf")), h("td", {}, from), h("td", {}, to), h("td", {}, roles),
      h("td", { class: "dz-when" }, text("when", "transitions.conditionOf", { class: "dz-code", placeholder: t("transitions.always") })),
      h("td", { class: "dz-center" }, comment), h("td", {}, remove));
  }));
}

function moveTransition(index, step) {
  const list = def.workflow.transitions;
  [list[index], list[index + step]] = [list[index + step], list[index]];
  changed([renderTransitions]);
  const button = document.querySelector(`#transitions tr[data-index="${index + step}"] [data-step="${step}"]`);
  (button && !button.disabled ? button : document.querySelector(`#transitions tr[data-index="${index + step}"] input`))?.focus();
  say("transitions.moved", { n: index + step + 1 });
}

$("add-transition").addEventListener("click", () => {
  def.workflow.transitions ||= [];
  const states = Object.keys(def.workflow.states || {});
  const from = states.find((s) => !def.workflow.states[s]?.final) ?? "";
  def.workflow.transitions.push({ action: "new_action", label: t("transitions.newLabel"), from, to: from });
  changed([renderTransitions]);
  const row = document.querySelector(`#transitions tr[data-index="${def.workflow.transitions.length - 1}"]`);
  row.querySelector("input").focus(); row.querySelector("input").select();
});

// ---------------------------------------------------------------- raw JSON

const JSON_PARTS = { "json-schema": "jsonSchema", "json-ui": "uiSchema", "json-workflow": "workflow", "json-permissions": "permissions" };

function syncJson(from) {
  for (const [id, part] of Object.entries(JSON_PARTS)) {
    if ($(id) === from) continue;
    $(id).value = JSON.stringify(def[part] ?? {}, null, 2);
    jsonError($(id), null);
  }
}

function jsonError(area, key, params) {
  const holder = area.parentElement;
  holder.querySelector(".dz-json-error")?.remove();
  if (!key) { if (!area.dataset.problem) area.removeAttribute("aria-invalid"); return; }
  const note = h("p", { class: "dz-problem dz-json-error", id: `${area.id}-error` });
  write(note, key, params);
  area.after(note);
  area.setAttribute("aria-invalid", "true");
  area.setAttribute("aria-describedby", note.id);
}

for (const [id, part] of Object.entries(JSON_PARTS)) {
  let pending = null;
  $(id).addEventListener("input", () => {
    clearTimeout(pending);
    let value;
    try {
      value = JSON.parse($(id).value);
    } catch (error) { // say so once the typing pauses
      pending = setTimeout(() => jsonError($(id), "json.invalid", { message: error.message }), DEBOUNCE_MS);
      return;
    }
    if (part !== "uiSchema" && (value === null || typeof value !== "object" || Array.isArray(value))) {
      pending = setTimeout(() => jsonError($(id), "json.notObject"), DEBOUNCE_MS);
      return;
    }
    jsonError($(id), null);
    def[part] = value;
    changed([renderFields, renderStates, renderTransitions], $(id));
  });
}

// ---------------------------------------------------------------- save and publish

async function save() {
  const { saveDraft } = await graphql(api, "mutation($i: DraftInput!) { saveDraft(input: $i) { key saved } }", { i: draftInput() });
  status.saved = saveDraft.saved; status.dirty = false; status.isNew = false;
  updateBadge();
  history.replaceState(null, "", `#${def.key}`); // a new type's draft reopens on reload
  await loadTypes(def.key);
}

$("save").addEventListener("click", async () => {
  alertBox(null);
  try {
    await save();
    say("save.done", { time: new Date().toLocaleTimeString(language()) });
    refreshNow();
  } catch (error) { alertBox("error.server", { message: error.message }); }
});

$("publish").addEventListener("click", async () => {
  alertBox(null);
  const button = $("publish");
  button.disabled = true;
  try {
    if (status.dirty || !status.saved) await save();
    const { publishDraft: outcome } = await graphql(api, `mutation($k: String!) { publishDraft(key: $k) { __typename
      ... on Published { documentType { key version } }
      ... on DefinitionRejected { message problems { where message } } } }`, { k: def.key });
    if (outcome.__typename === "DefinitionRejected") {
      placeProblems(outcome.problems);
      alertBox("publish.rejected", { message: outcome.message });
      return;
    }
    status = { saved: false, dirty: false, isNew: false, version: outcome.documentType.version };
    updateBadge();
    say("publish.done", { version: status.version, key: def.key });
    await loadTypes(def.key);
    loadVersions(def.key, { isNew: false, say, alertBox });
  } catch (error) {
    alertBox("error.server", { message: error.message });
  } finally {
    button.disabled = false;
  }
});

/** Report to the page, as a text of designer-i18n.js with its parameters; no key clears. */
function say(key, params) { write($("status"), key, params); }
function alertBox(key, params) {
  const box = h("p", { class: "pp-alert-box" });
  write(box, key, params);
  $("alert").replaceChildren(...(key ? [box] : []));
}

window.addEventListener("beforeunload", (event) => { if (status.dirty) event.preventDefault(); });

// ---------------------------------------------------------------- tabs

/** A tab list with arrow-key navigation; returns select(id, focus). */
function tabList(list, onSelect = () => {}) {
  const tabs = [...list.querySelectorAll('[role="tab"]')];
  const select = (id, focus = false) => {
    for (const tab of tabs) {
      const on = tab.id === id;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      $(tab.getAttribute("aria-controls")).hidden = !on;
      if (on && focus) tab.focus();
    }
    onSelect(id);
  };
  tabs.forEach((tab) => tab.addEventListener("click", () => select(tab.id)));
  list.addEventListener("keydown", (event) => {
    const index = tabs.indexOf(document.activeElement);
    const step = { ArrowRight: 1, ArrowLeft: -1, Home: -index, End: tabs.length - 1 - index }[event.key];
    if (index < 0 || step === undefined) return;
    event.preventDefault();
    select(tabs[(index + step + tabs.length) % tabs.length].id, true);
  });
  select(tabs[0].id);
  return select;
}

const selectPreview = tabList(document.querySelector('.dz-aside [role="tablist"]'));
/* Editing the circuit shows the circuit; editing fields shows the form. */
const PREVIEW_FOR = { "tab-fields": "tab-preview", "tab-states": "tab-diagram", "tab-transitions": "tab-diagram" };
const selectTab = tabList(document.querySelector('.dz-editor [role="tablist"]'), (id) => {
  if (PREVIEW_FOR[id]) selectPreview(PREVIEW_FOR[id]);
});

// ---------------------------------------------------------------- language

/** Fixed texts and messages translate in place; what is drawn from data is drawn again. */
function switchLanguage(name) {
  setLanguage(name);
  renderPicker($("type-picker").value);
  if (!def) return;
  renderFields(); renderStates(); renderTransitions(); updateBadge();
  showProblems(problems, selectTab);
  redrawVersions();
}

for (const button of document.querySelectorAll("[data-language]")) {
  button.addEventListener("click", () => switchLanguage(button.dataset.language));
}
translatePage();

await customElements.whenDefined("parapheur-form");
start();
