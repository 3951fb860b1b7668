/* The designer: edit a document type's JSON Schema, UI schema and workflow, see the form and the
 * circuit as users will, see every problem of the server's checker next to what it concerns,
 * save a draft, publish it as a new immutable version, compare versions, migrate documents.
 *
 * The structured editors (fields, states, transitions) and the JSON textareas edit the same
 * objects, `def.jsonSchema`, `def.uiSchema`, `def.workflow`, in place; every change re-renders
 * what shows that data, then (debounced) asks the server for the preview and the problems.
 * User text only ever reaches the page as text; the one markup inserted, the diagram, is the
 * SVG the server draws. The checker's problems are placed by designer-problems.js; the Versions
 * tab is designer-versions.js.
 */

import { ApiError, graphql, h } from "/widgets/parapheur.js";
import { showProblems } from "/widgets/designer-problems.js";
import { loadVersions } from "/widgets/designer-versions.js";

const api = document.body; // graphql() reads `api`/`token` attributes: none, so same origin + cookie
const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 400;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TYPES = ["string", "number", "integer", "boolean", "date"];
const STRING_ONLY = ["format", "minLength", "maxLength", "pattern", "x-catalog"];
const NUMBER_ONLY = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"];

let viewer = null;
let types = [];
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
    $("login-error").textContent = error.message;
  }
  if (viewer && !(await isAdmin())) {
    $("login-error").textContent = `${viewer.displayName} is not an administrator: sign in as one.`;
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
  $("login-error").textContent = "";
  const query = `mutation($u: String!, $p: String!) { login(username: $u, password: $p, sessionCookie: true) {
    __typename ... on LoginSuccess { viewer { username displayName organization { name } } } ... on LoginFailed { message } } }`;
  try {
    const { login } = await graphql(api, query, { u: $("username").value, p: $("password").value });
    if (login.__typename !== "LoginSuccess") { $("login-error").textContent = login.message; return; }
    $("password").value = "";
    if (!(await isAdmin())) {
      $("login-error").textContent = `${login.viewer.displayName} is not an administrator: the designer is for administrators.`;
      return;
    }
    viewer = login.viewer;
    enter();
  } catch (error) {
    $("login-error").textContent = error.message;
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
  if (wanted && types.some((t) => t.key === wanted)) { $("type-picker").value = wanted; openType(wanted); }
}

// ---------------------------------------------------------------- opening and creating types

async function loadTypes(selected) {
  types = (await graphql(api, "{ documentTypes { key name version } }")).documentTypes;
  $("type-picker").replaceChildren(h("option", { value: "" }, "Choose…"),
    ...types.map((t) => h("option", { value: t.key }, `${t.name} (${t.key}, v${t.version})`)));
  if (selected) $("type-picker").value = selected;
}

$("open-type").addEventListener("click", () => {
  const key = $("type-picker").value;
  if (!key) { $("type-picker").focus(); return; }
  if (status.dirty && !window.confirm("Drop the unsaved changes?")) return;
  openType(key);
});

async function openType(key) {
  say(`Opening ${key}…`);
  try {
    const { designerDraft: draft } = await graphql(api, `query($k: String!) { designerDraft(key: $k) {
      key saved name category numberPrefix jsonSchema uiSchema workflow permissions } }`, { k: key });
    if (!draft) throw new ApiError(`No document type ${key}.`);
    const { saved, ...rest } = draft;
    def = rest;
    status = { saved, dirty: false, isNew: false, version: types.find((t) => t.key === key)?.version ?? 0 };
    history.replaceState(null, "", `#${key}`);
    show();
    say(saved ? "Opened the saved draft." : `Opened the published definition (version ${status.version}).`);
    loadVersions(def.key, { isNew: status.isNew, say, alertBox });
  } catch (error) {
    alertBox(error.message);
    say("");
  }
}

$("new-type-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const key = $("new-key").value.trim(), name = $("new-name").value.trim(), prefix = $("new-prefix").value.trim();
  const error = !NAME.test(key) || !/^[A-Za-z]/.test(key) ? "The key is letters, digits and underscores, starting with a letter."
    : types.some((t) => t.key === key) ? `${key} exists already: open it instead.` : null;
  $("new-type-error").hidden = !error;
  $("new-type-error").textContent = error || "";
  if (error) { $("new-key").focus(); return; }
  def = { key, name, category: "other", numberPrefix: prefix, ...starter(name) };
  status = { saved: false, dirty: true, isNew: true, version: 0 };
  $("new-type").open = false;
  show();
  say(`${name}: a new type, not saved yet.`);
});

/** A small working definition to start from: a title, and a one-step approval circuit. */
function starter(title) {
  return {
    jsonSchema: { $schema: "https://json-schema.org/draft/2020-12/schema", title, type: "object",
      required: ["title"], properties: { title: { type: "string", title: "Title", minLength: 1, maxLength: 200 } } },
    uiSchema: { type: "VerticalLayout", elements: [{ type: "Control", scope: "#/properties/title" }] },
    workflow: {
      initial: "draft", roles: ["requester", "service_manager"],
      states: {
        draft: { label: "Draft", assignees: [{ creator: true }], editable: "*" },
        review: { label: "Review", assignees: [{ role: "service_manager" }] },
        approved: { label: "Approved", final: true },
        rejected: { label: "Rejected", final: true },
      },
      transitions: [
        { action: "submit", label: "Submit", from: "draft", to: "review", by: "creator" },
        { action: "approve", label: "Approve", from: "review", to: "approved" },
        { action: "reject", label: "Reject", from: "review", to: "rejected", comment_required: true },
      ],
    },
    permissions: { create: ["requester"] },
  };
}

function show() {
  $("empty").hidden = true; $("designer").hidden = false;
  $("type-title").textContent = `${def.name} (${def.key})`;
  $("type-name").value = def.name; $("type-category").value = def.category; $("type-prefix").value = def.numberPrefix;
  alertBox("");
  renderAll();
  if (!status.isNew) selectTab("tab-fields");
  refreshNow();
}

function updateBadge() {
  const badge = $("draft-state");
  badge.textContent = status.dirty ? "Unsaved changes" : status.saved ? "Saved draft, not published"
    : status.isNew ? "New, not saved" : `Published version ${status.version}`;
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
  errorNode.textContent = outcome.status === "fulfilled" ? "" : `${outcome.reason.message} (showing the last good one)`;
  if (outcome.status === "fulfilled") use(outcome.value);
}

async function check(mine) {
  try {
    const { checkDefinition } = await graphql(api, `mutation($i: DraftInput!) { checkDefinition(input: $i) { where message } }`,
      { i: draftInput() });
    if (mine === ticket) showProblems(checkDefinition, selectTab);
  } catch (error) {
    if (mine === ticket) showProblems([{ where: "", message: `The checker could not run: ${error.message}` }], selectTab);
  }
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
    const nameInput = h("input", { value: name, class: "dz-name", "aria-label": `Name of field ${index + 1}`,
      autocomplete: "off", spellcheck: "false" });
    nameInput.addEventListener("change", () => renameField(name, nameInput));
    const typeSelect = kind
      ? h("select", { "aria-label": `Type of ${name}`, "data-where": `${where}/type` }, TYPES.map((t) => h("option", { value: t }, t)))
      : h("select", { "aria-label": `Type of ${name}`, disabled: true }, h("option", {}, `${prop?.type ?? "?"} (JSON tab)`));
    if (kind) {
      typeSelect.value = kind;
      typeSelect.addEventListener("change", () => { setType(prop, typeSelect.value); changed([renderFields]); });
    }
    const label = h("input", { value: prop?.title ?? "", "aria-label": `Label of ${name}`, "data-where": `${where}/title` });
    label.addEventListener("input", () => { setOrDelete(prop, "title", label.value); changed([], label); });
    const req = h("input", { type: "checkbox", checked: required.has(name), "aria-label": `${name} is required` });
    req.addEventListener("change", () => { setRequired(name, req.checked); changed([]); });
    const stringy = kind === "string";
    const catalog = h("input", { value: prop?.["x-catalog"] ?? "", "aria-label": `Catalog of ${name}`, disabled: !stringy,
      placeholder: stringy ? "e.g. suppliers" : "", "data-where": `${where}/x-catalog`, spellcheck: "false" });
    catalog.addEventListener("input", () => { setOrDelete(prop, "x-catalog", catalog.value.trim()); changed([], catalog); });
    const enumInput = h("input", { value: listOf(prop?.enum).join(", "), "aria-label": `Values of ${name}`,
      disabled: !kind || kind === "boolean", "data-where": `${where}/enum`, placeholder: kind && kind !== "boolean" ? "any value" : "" });
    enumInput.addEventListener("change", () => { setEnum(prop, enumInput.value); changed([renderFields]); });
    const remove = h("button", { type: "button", class: "pp-button pp-danger dz-small", "aria-label": `Remove field ${name}`,
      onclick: () => removeField(name) }, "Remove");
    return h("tr", { "data-where": where, "data-field": name },
      h("td", {}, nameInput, computed ? h("span", { class: "pp-badge dz-tag" }, "computed") : null),
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
  const error = !NAME.test(name) ? "a name is letters, digits and underscores, not starting with a digit"
    : name !== old && name in props ? `there is a field ${name} already` : null;
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
  def.jsonSchema.properties[name] = { type: "string", title: "New field" };
  const control = { type: "Control", scope: `#/properties/${name}` };
  if (Array.isArray(def.uiSchema?.elements)) def.uiSchema.elements.push(control);
  else if (!def.uiSchema || !Object.keys(def.uiSchema).length) def.uiSchema = { type: "VerticalLayout", elements: [control] };
  changed([renderFields]);
  const input = document.querySelector(`tr[data-field="${name}"] .dz-name`);
  input.focus(); input.select();
  say(`Field ${name} added at the end of the form.`);
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
  say(`Field ${name} removed, with its controls.`);
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
  $("role-options").replaceChildren(h("option", { value: "creator" }, "the document's creator"),
    ...listOf(workflow.roles).map((r) => h("option", { value: r })));
  $("states").replaceChildren(...keys.map((key, index) => {
    const state = states[key] || {};
    const where = `workflow:/states/${escapePointer(key)}`;
    const keyInput = h("input", { value: key, class: "dz-name", "aria-label": `Key of state ${index + 1}`,
      spellcheck: "false" });
    keyInput.addEventListener("change", () => renameState(key, keyInput));
    const label = h("input", { value: state.label ?? "", "aria-label": `Label of state ${key}`, "data-where": `${where}/label` });
    label.addEventListener("input", () => { setOrDelete(state, "label", label.value); changed([], label); });
    const first = listOf(state.assignees)[0];
    const more = Math.max(0, listOf(state.assignees).length - 1);
    const role = h("input", { value: first?.creator ? "creator" : first?.role ?? "", list: "role-options",
      "aria-label": `Assignee role of state ${key}`, "data-where": `${where}/assignees/0/role`, spellcheck: "false" });
    const scope = h("input", { value: scopeText(first?.scope), "aria-label": `Assignee scope of state ${key}`,
      placeholder: "e.g. department=department", disabled: !first || first.creator,
      "data-where": `${where}/assignees/0/scope`, spellcheck: "false" });
    const setAssignee = () => {
      const rest = listOf(state.assignees).slice(1), value = role.value.trim();
      const parsed = parseScope(scope.value);
      if (parsed === null) { fieldError(scope, "write key=CEL, key=CEL"); return; }
      const assignee = value === "creator" ? { creator: true } : value ? { role: value } : null;
      if (assignee?.role && Object.keys(parsed).length) assignee.scope = parsed;
      setOrDelete(state, "assignees", assignee ? [assignee, ...rest] : rest.length ? rest : null);
      scope.disabled = !assignee || Boolean(assignee.creator);
      changed([], role);
    };
    role.addEventListener("change", setAssignee);
    scope.addEventListener("change", setAssignee);
    const final = h("input", { type: "checkbox", checked: state.final === true, "aria-label": `State ${key} is final`,
      "data-where": `${where}/final` });
    final.addEventListener("change", () => { setOrDelete(state, "final", final.checked || null); changed([]); });
    const remove = h("button", { type: "button", class: "pp-button pp-danger dz-small", "aria-label": `Remove state ${key}`,
      onclick: () => { delete states[key]; changed([renderStates, renderTransitions]); $("add-state").focus(); } }, "Remove");
    return h("tr", { "data-where": where, "data-state": key },
      h("td", {}, keyInput), h("td", {}, label),
      h("td", {}, role, more ? h("span", { class: "dz-hint" }, `+${more} more in the JSON tab`) : null),
      h("td", {}, scope), h("td", { class: "dz-center" }, final), h("td", {}, remove));
  }));
}

function renameState(old, input) {
  const key = input.value.trim();
  const states = def.workflow.states;
  const error = !NAME.test(key) ? "a key is letters, digits and underscores" : key !== old && key in states ? `there is a state ${key} already` : null;
  if (error) { fieldError(input, error); return; }
  if (key === old) return;
  def.workflow.states = Object.fromEntries(Object.entries(states).map(([k, v]) => [k === old ? key : k, v]));
  if (def.workflow.initial === old) def.workflow.initial = key;
  for (const t of listOf(def.workflow.transitions)) {
    if (Array.isArray(t.from)) t.from = t.from.map((s) => (s === old ? key : s));
    else if (t.from === old) t.from = key;
    if (t.to === old) t.to = key;
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
  def.workflow.states[`state_${n}`] = { label: "New state" };
  changed([renderStates, renderTransitions]);
  const input = document.querySelector(`tr[data-state="state_${n}"] .dz-name`);
  input.focus(); input.select();
});

// ---------------------------------------------------------------- transitions

function renderTransitions() {
  const workflow = def.workflow && typeof def.workflow === "object" ? def.workflow : {};
  const transitions = Array.isArray(workflow.transitions) ? workflow.transitions : [];
  const states = Object.keys(workflow.states || {});
  $("transitions").replaceChildren(...transitions.map((t, i) => {
    const where = `workflow:/transitions/${i}`;
    const name = `transition ${i + 1}`;
    const text = (key, label, attrs = {}) => {
      const input = h("input", { value: t[key] ?? "", "aria-label": `${label} of ${name}`, "data-where": `${where}/${key}`,
        spellcheck: "false", ...attrs });
      input.addEventListener("input", () => { setOrDelete(t, key, input.value.trim() === "" ? null : input.value); changed([], input); });
      return input;
    };
    const from = h("input", { value: listOf(t.from).join(", "), "aria-label": `From states of ${name}`,
      "data-where": `${where}/from`, spellcheck: "false" });
    from.addEventListener("input", () => {
      const list = split(from.value);
      t.from = list.length === 1 ? list[0] : list;
      changed([], from);
    });
    const to = h("select", { "aria-label": `Target state of ${name}`, "data-where": `${where}/to` },
      [...new Set([...states, t.to ?? ""])].map((s) => h("option", { value: s }, s || "—")));
    to.value = t.to ?? "";
    to.addEventListener("change", () => { t.to = to.value; changed([]); });
    const roles = h("input", { value: listOf(t.roles).join(", "), "aria-label": `Roles of ${name}`,
      "data-where": `${where}/roles`, spellcheck: "false", placeholder: "assignees" });
    roles.addEventListener("input", () => { setOrDelete(t, "roles", split(roles.value).length ? split(roles.value) : null); changed([], roles); });
    const comment = h("input", { type: "checkbox", checked: t.comment_required === true,
      "aria-label": `${name} requires a comment`, "data-where": `${where}/comment_required` });
    comment.addEventListener("change", () => { setOrDelete(t, "comment_required", comment.checked || null); changed([]); });
    const move = (step, label) => h("button", { type: "button", class: "pp-button dz-small dz-move",
      "aria-label": `Move ${name} ${label}`, disabled: i + step < 0 || i + step >= transitions.length,
      onclick: () => moveTransition(i, step, label) }, step < 0 ? "↑" : "↓");
    const remove = h("button", { type: "button", class: "pp-button pp-danger dz-small", "aria-label": `Remove ${name}`,
      onclick: () => { transitions.splice(i, 1); changed([renderTransitions]); $("add-transition").focus(); } }, "Remove");
    const flags = [t.by === "creator" ? "creator only" : null, t.automatic ? "automatic" : null].filter(Boolean);
    return h("tr", { "data-where": where, "data-index": String(i) },
      h("td", { class: "dz-order" }, h("span", { class: "dz-index" }, String(i + 1)), move(-1, "up"), move(1, "down")),
      h("td", {}, text("action", "Action"), flags.length ? h("span", { class: "dz-hint" }, flags.join(", ")) : null),
      h("td", {}, text("label", "Label")), h("td", {}, from), h("td", {}, to), h("td", {}, roles),
      h("td", { class: "dz-when" }, text("when", "Condition", { class: "dz-code", placeholder: "always" })),
      h("td", { class: "dz-center" }, comment), h("td", {}, remove));
  }));
}

function moveTransition(index, step, label) {
  const list = def.workflow.transitions;
  [list[index], list[index + step]] = [list[index + step], list[index]];
  changed([renderTransitions]);
  const button = document.querySelector(`#transitions tr[data-index="${index + step}"] [aria-label$="${label}"]`);
  (button && !button.disabled ? button : document.querySelector(`#transitions tr[data-index="${index + step}"] input`))?.focus();
  say(`Transition moved to position ${index + step + 1}.`);
}

$("add-transition").addEventListener("click", () => {
  def.workflow.transitions ||= [];
  const states = Object.keys(def.workflow.states || {});
  const from = states.find((s) => !def.workflow.states[s]?.final) ?? "";
  def.workflow.transitions.push({ action: "new_action", label: "New action", from, to: from });
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

function jsonError(area, message) {
  const holder = area.parentElement;
  holder.querySelector(".dz-json-error")?.remove();
  if (!message) { if (!area.dataset.problem) area.removeAttribute("aria-invalid"); return; }
  const note = h("p", { class: "dz-problem dz-json-error", id: `${area.id}-error` }, message);
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
      pending = setTimeout(() => jsonError($(id), `Not valid JSON yet: ${error.message}. The editors keep the last valid version.`), DEBOUNCE_MS);
      return;
    }
    if (part !== "uiSchema" && (value === null || typeof value !== "object" || Array.isArray(value))) {
      pending = setTimeout(() => jsonError($(id), "Must be a JSON object { … }."), DEBOUNCE_MS);
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
}

$("save").addEventListener("click", async () => {
  alertBox("");
  try {
    await save();
    say(`Draft saved at ${new Date().toLocaleTimeString()}.`);
    refreshNow();
  } catch (error) { alertBox(error.message); }
});

$("publish").addEventListener("click", async () => {
  alertBox("");
  const button = $("publish");
  button.disabled = true;
  try {
    if (status.dirty || !status.saved) await save();
    const { publishDraft: outcome } = await graphql(api, `mutation($k: String!) { publishDraft(key: $k) { __typename
      ... on Published { documentType { key version } }
      ... on DefinitionRejected { message problems { where message } } } }`, { k: def.key });
    if (outcome.__typename === "DefinitionRejected") {
      showProblems(outcome.problems, selectTab);
      alertBox(`Not published: ${outcome.message} See the problems beside each element.`);
      return;
    }
    status = { saved: false, dirty: false, isNew: false, version: outcome.documentType.version };
    updateBadge();
    say(`Published version ${status.version} of ${def.key}. New documents use it; running ones stay on theirs.`);
    await loadTypes(def.key);
    loadVersions(def.key, { isNew: status.isNew, say, alertBox });
  } catch (error) {
    alertBox(error.message);
  } finally {
    button.disabled = false;
  }
});

function say(text) { $("status").textContent = text || ""; }
function alertBox(text) {
  $("alert").replaceChildren(...(text ? [h("p", { class: "pp-alert-box" }, text)] : []));
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

await customElements.whenDefined("parapheur-form");
start();
