/* Parapheur web components, for any page of any origin the server's CORS allow-list names.
 *
 *   <parapheur-form document-type="purchase_request" [document-id="…"]>
 *   <parapheur-inbox>  <parapheur-document document-id="…">  <parapheur-documents>
 *   <parapheur-status number="DA-2026-00001">
 *   <parapheur-form preview> + its `screen` property: draws that screen model, fetches nothing
 *   (catalog searches aside), offers no save or submit: the designer's live preview.
 *
 * Every widget takes `api` (the server's origin; default: this page's) and `token` (sent as
 * `Authorization: Bearer`; without it the session cookie is sent). Plain ES module, no build
 * step, no dependency. Text from users is only ever inserted as text: the one piece of markup
 * inserted as is, the workflow diagram, is SVG the server generates.
 *
 * Events (bubbling, composed): parapheur:saved, parapheur:submitted, parapheur:acted
 * ({document}), parapheur:open and parapheur:edit ({id}), parapheur:count ({count}).
 */

const STYLE_URL = new URL("./parapheur.css", import.meta.url).href;
let sharedSheet = null;

/** One stylesheet, fetched once and adopted by every widget's shadow root. */
function styleSheet() {
  if (!sharedSheet) {
    sharedSheet = new CSSStyleSheet();
    fetch(STYLE_URL).then((r) => (r.ok ? r.text() : "")).then((css) => sharedSheet.replace(css))
      .catch(() => {});
  }
  return sharedSheet;
}

// ---------------------------------------------------------------- DOM and formatting

/** Element builder: strings become text nodes, never markup. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  el.append(...children.flat(Infinity).filter((c) => c != null && c !== false));
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "value" || key === "checked" || key === "hidden") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  return el;
}

const locale = () => document.documentElement.lang || undefined;
const formatMoney = (v) =>
  new Intl.NumberFormat(locale(), { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v);
const formatNumber = (v) => new Intl.NumberFormat(locale(), { maximumFractionDigits: 6 }).format(v);
function formatDate(value, withTime = true) {
  if (!value) return "—";
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00` : value);
  if (Number.isNaN(date.getTime())) return String(value);
  const options = withTime ? { dateStyle: "medium", timeStyle: "short" } : { dateStyle: "medium" };
  return new Intl.DateTimeFormat(locale(), options).format(date);
}
const timeEl = (value, withTime = true) => h("time", { datetime: value }, formatDate(value, withTime));
const humanize = (key) => (key ? key.charAt(0).toUpperCase() + key.slice(1).replace(/_/g, " ") : "");
const emit = (el, name, detail) => el.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
let uid = 0;
const nextId = (prefix) => `${prefix}-${++uid}`;

// ---------------------------------------------------------------- API

export class ApiError extends Error {}

/** POST a GraphQL request for `widget`, with its `api` origin and its token or the cookie. */
export async function graphql(widget, query, variables = {}) {
  const base = (widget.getAttribute("api") || "").replace(/\/+$/, "");
  const token = widget.getAttribute("token");
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(`${base}/graphql`, {
      method: "POST", headers, body: JSON.stringify({ query, variables }),
      credentials: token ? "omit" : "include",
    });
  } catch {
    throw new ApiError(`Could not reach the server at ${base || location.origin}; check the connection.`);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The server answered ${response.status} without a usable response.`);
  }
  if (body.errors?.length) throw new ApiError(body.errors.map((e) => e.message).join("; "));
  if (!response.ok) throw new ApiError(`The server answered ${response.status}.`);
  return body.data;
}

const ACTIONS = "availableActions { key label requiresComment }";
const SUMMARY = `id number version state stateLabel createdBy createdAt updatedAt data
  documentType { key name } ${ACTIONS}`;
const result = (extra = "") => `__typename
  ... on DocumentPayload { document { ${SUMMARY} ${extra} } }
  ... on ValidationFailed { message errors { path message } }
  ... on ActionRefused { reason message }
  ... on VersionConflict { message currentVersion }`;
const transition = (extra) => `mutation($input: TransitionInput!) { transition(input: $input) { ${result(extra)} } }`;

/** The sentence to show for a refused result, or null when the result is a document. */
function refusal(result) {
  switch (result.__typename) {
    case "DocumentPayload": return null;
    case "VersionConflict":
      return `Someone changed this document meanwhile (now version ${result.currentVersion}): ${result.message}`;
    case "ValidationFailed":
      return [result.message, ...result.errors.map((e) => `${e.path || "/"}: ${e.message}`)].join(" ");
    default: return result.message || "The server refused the action.";
  }
}

// ---------------------------------------------------------------- exact decimals (money)

/* Amounts are computed as the server does, in decimals: {n: BigInt, e} means n × 10^-e. */
const MISSING = Symbol("missing");
function dec(text) {
  const m = /^([-+]?)(\d*)(?:\.(\d*))?(?:e([-+]?\d+))?$/i.exec(String(text).trim());
  if (!m || !(m[2] || m[3])) throw MISSING;
  let e = (m[3] || "").length - Number(m[4] || 0);
  let n = BigInt(`${m[1] === "-" ? "-" : ""}${m[2] || ""}${m[3] || ""}` || "0");
  if (e < 0) { n *= 10n ** BigInt(-e); e = 0; }
  return { n, e };
}
const num = (v) => { if (typeof v !== "number" || !Number.isFinite(v)) throw MISSING; return dec(String(v)); };
const at = (a, e) => a.n * 10n ** BigInt(e - a.e);
const add = (a, b) => { const e = Math.max(a.e, b.e); return { n: at(a, e) + at(b, e), e }; };
const neg = (a) => ({ n: -a.n, e: a.e });
const mul = (a, b) => ({ n: a.n * b.n, e: a.e + b.e });
function div(a, b) {
  if (b.n === 0n) throw MISSING;
  return { n: (a.n * 10n ** BigInt(b.e + 18)) / (b.n * 10n ** BigInt(a.e)), e: 18 };
}
/** Round half-up (away from zero) to the cent, as Decimal.quantize(ROUND_HALF_UP). */
function cents(a) {
  if (a.e <= 2) return { n: at(a, 2), e: 2 };
  const d = 10n ** BigInt(a.e - 2);
  let q = a.n / d;
  const r = a.n % d;
  if ((r < 0n ? -r : r) * 2n >= d) q += a.n < 0n ? -1n : 1n;
  return { n: q, e: 2 };
}
const decKey = (a) => { let { n, e } = a; while (e > 0 && n % 10n === 0n) { n /= 10n; e--; } return `${n}e${e}`; };
const toNumber = (a) => Number(`${a.n}e-${a.e}`) + 0;
const ZERO = { n: 0n, e: 0 };

/* The rows of a sum()/vat() list; a further one (allowances, charges) may be absent. */
function rowsOf(scope, array, optional) {
  const rows = scope?.[array];
  if (rows == null && optional) return [];
  if (!Array.isArray(rows) || !rows.every((r) => r && typeof r === "object")) throw MISSING;
  return rows;
}
/* sum()/vat() arguments in groups: a list's rows, then the expressions evaluated on each row. */
function groups(args, size) {
  if (!args.length || args.length % size) throw new Error(`expected groups of ${size} arguments`);
  return Array.from({ length: args.length / size }, (_, k) => args.slice(k * size, k * size + size));
}
/* By name: how many arguments go with each list (0: no list) and how to build the function. */
const FUNCTIONS = {
  sum: { group: 2, make: (args) => {
    const lists = groups(args, 2);
    return (s) => lists.reduce((total, [rows, term]) => rows(s).reduce((t, row) => add(t, term(row)), total), ZERO);
  } },
  vat: { group: 3, make: (args) => {
    const lists = groups(args, 3);
    return (s) => {
      const bases = new Map();
      for (const [rows, base, rate] of lists) for (const row of rows(s)) {
        const b = base(row), r = rate(row), key = decKey(r), known = bases.get(key);
        bases.set(key, { r, base: known ? add(known.base, b) : b });
      }
      let total = ZERO;
      for (const { r, base: b } of bases.values()) total = add(total, cents(div(mul(b, r), dec("100"))));
      return total;
    };
  } },
  cents: { group: 0, make: ([x, ...rest]) => {
    if (!x || rest.length) throw new Error("cents() takes one expression");
    return (s) => cents(x(s));
  } },
};

/** The server's formula language (names, numbers, + - * /, sum(), vat(), cents()) as a function. */
function parseFormula(source) {
  const tokens = source.match(/\d+(?:\.\d+)?|\.\d+|[A-Za-z_]\w*|\S/g) || [];
  let i = 0;
  const fail = () => { throw new Error(`unsupported formula ${JSON.stringify(source)}`); };
  const expect = (t) => { if (tokens[i++] !== t) fail(); };
  const binary = (operand, ops) => () => {
    let left = operand();
    while (tokens[i] in ops) {
      const op = ops[tokens[i++]], l = left, r = operand();
      left = (s) => op(l(s), r(s));
    }
    return left;
  };
  const unary = () => {
    if (tokens[i] === "-") { i++; const o = unary(); return (s) => neg(o(s)); }
    if (tokens[i] === "+") { i++; return unary(); }
    return primary();
  };
  const term = binary(unary, { "*": mul, "/": div });
  const expr = binary(term, { "+": add, "-": (a, b) => add(a, neg(b)) });
  function primary() {
    const t = tokens[i++];
    if (t === "(") { const e = expr(); expect(")"); return e; }
    if (/^[\d.]/.test(t ?? "")) { const c = dec(t); return () => c; }
    if (!/^[A-Za-z_]/.test(t ?? "")) fail();
    if (tokens[i] !== "(") return (s) => num(s?.[t]);
    i++;
    const fn = Object.hasOwn(FUNCTIONS, t) ? FUNCTIONS[t] : fail(), args = [];
    for (;;) {
      if (fn.group && args.length % fn.group === 0) {
        const array = tokens[i++], optional = args.length > 0;
        if (!/^[A-Za-z_]/.test(array ?? "")) fail();
        args.push((s) => rowsOf(s, array, optional));
      } else args.push(expr());
      if (tokens[i] !== ",") break;
      i++;
    }
    expect(")");
    return fn.make(args);
  }
  const formula = expr();
  if (i < tokens.length) fail();
  return formula;
}

/* Used when a computed control does not carry its formula: the conventions of docs/screens.md. */
const CONVENTIONS = {
  amount: () => "quantity * unit_price",
  total_ht: (lines) => `sum(${lines}, amount)`,
  total_vat: (lines) => `vat(${lines}, amount, vat_rate)`,
  total_ttc: () => "total_ht + total_vat",
};
const formulaOf = (c, name, lines) => c.formula ?? c.options?.formula
  ?? (typeof c.computed === "string" ? c.computed : null) ?? CONVENTIONS[name]?.(lines);

/** Fill every computed field of `data` in place: lines first, then top-level fields in order. */
function computeInto(data, formulas) {
  const fill = (scope, list) => {
    for (const { name } of list) delete scope[name];
    for (const { name, f } of list) {
      try { scope[name] = toNumber(cents(f(scope))); } catch (error) { if (error !== MISSING) throw error; }
    }
  };
  for (const [array, list] of formulas.lines) for (const row of data[array] || []) if (row) fill(row, list);
  fill(data, formulas.top);
}

// ---------------------------------------------------------------- JSON pointers and checks

const segments = (p) => (p ? p.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~")) : []);
const lastSegment = (p) => segments(p).at(-1) ?? "";
const getAt = (obj, p) => segments(p).reduce((o, k) => (o == null ? undefined : o[k]), obj);
function setAt(obj, p, value) {
  const keys = segments(p);
  let o = obj;
  keys.slice(0, -1).forEach((k, index) => {
    if (o[k] == null) o[k] = /^\d+$/.test(keys[index + 1]) ? [] : {};
    o = o[k];
  });
  const last = keys.at(-1);
  if (value == null || value === "") delete o[last];
  else o[last] = value;
}
const clone = (v) => (v == null ? v : JSON.parse(JSON.stringify(v)));
/** Equal as the server judges a field's change: absent is null. */
const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const flagsOf = ({ visible, enabled, readOnly }) => ({ visible, enabled, readOnly });
const plural = (n, noun) => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** The server's checks of one value, on the client: every message, not just the first. */
function checkValue(c, value, badInput) {
  if (badInput) return ["must be a number"];
  const o = c.options || {};
  if (value == null || value === "") return c.required ? [`${c.label || lastSegment(c.pointer)} is required`] : [];
  const errors = [];
  if (typeof value === "string") {
    if (o.minLength != null && value.length < o.minLength) errors.push(`must have at least ${plural(o.minLength, "character")} (got ${value.length})`);
    if (o.pattern && !new RegExp(o.pattern, "u").test(value)) errors.push(`must match the pattern ${o.pattern} (got ${JSON.stringify(value)})`);
    if (o.maxLength != null && value.length > o.maxLength) errors.push(`must have at most ${plural(o.maxLength, "character")} (got ${value.length})`);
  }
  if (typeof value === "number") {
    const exMin = typeof o.exclusiveMin === "number" ? o.exclusiveMin : o.exclusiveMin ? o.min : null;
    const exMax = typeof o.exclusiveMax === "number" ? o.exclusiveMax : o.exclusiveMax ? o.max : null;
    if (exMin != null && value <= exMin) errors.push(`must be greater than ${exMin} (got ${value})`);
    else if (exMin == null && o.min != null && value < o.min) errors.push(`must be at least ${o.min} (got ${value})`);
    if (exMax != null && value >= exMax) errors.push(`must be less than ${exMax} (got ${value})`);
    else if (exMax == null && o.max != null && value > o.max) errors.push(`must be at most ${o.max} (got ${value})`);
  }
  if (Array.isArray(o.enum) && o.enum.length && !o.enum.some((e) => e.value === value)) {
    errors.push(`must be one of ${o.enum.map((e) => e.label ?? e.value).join(", ")} (got ${value})`);
  }
  return errors;
}

// ---------------------------------------------------------------- the screen renderer

/* Control widgets: each returns {node, input} where input carries the control's id. */
const WIDGETS = {
  text: (v, c, view) => textInput(v, c, view, { type: "text" }),
  date: (v, c, view) => textInput(v, c, view, { type: "date" }),
  number: (v, c, view) => numberInput(v, c, view),
  money: (v, c, view) => numberInput(v, c, view, "pp-money"),
  textarea: (v, c, view) => {
    const input = h("textarea", { id: c.id, rows: 4, maxlength: c.options?.maxLength, value: v ?? "",
      placeholder: c.options?.placeholder });
    input.addEventListener("input", () => view.input(c, input.value));
    input.addEventListener("change", () => view.check(c.pointer));
    return { node: input, input };
  },
  checkbox: (v, c, view) => {
    const input = h("input", { id: c.id, type: "checkbox", checked: v === true });
    input.addEventListener("change", () => { view.input(c, input.checked); view.check(c.pointer); });
    return { node: input, input };
  },
  select: (v, c, view) => {
    const choices = c.options?.enum || [];
    const index = choices.findIndex((e) => e.value === v);
    const input = h("select", { id: c.id },
      h("option", { value: "" }, c.required ? "Choose…" : "—"),
      choices.map((e, i) => h("option", { value: String(i) }, String(e.label ?? e.value))));
    input.value = index < 0 ? "" : String(index);
    input.addEventListener("change", () => {
      view.input(c, input.value === "" ? null : choices[Number(input.value)].value);
      view.check(c.pointer);
    });
    return { node: input, input };
  },
  catalog: (v, c, view) => catalogInput(v, c, view),
};

function textInput(v, c, view, attrs) {
  const input = h("input", { id: c.id, ...attrs, value: v ?? "", maxlength: c.options?.maxLength,
    placeholder: c.options?.placeholder, autocomplete: "off" });
  input.addEventListener("input", () => view.input(c, input.value));
  input.addEventListener("change", () => view.check(c.pointer));
  return { node: input, input };
}

function numberInput(v, c, view, extra = "") {
  const input = h("input", { id: c.id, type: "number", inputmode: "decimal", class: extra,
    step: c.options?.step ?? "any", value: v ?? "", placeholder: c.options?.placeholder });
  const read = () => (input.value === "" ? null : Number(input.value));
  input.addEventListener("input", () => view.input(c, read(), input.validity.badInput));
  input.addEventListener("change", () => view.check(c.pointer));
  return { node: input, input };
}

/** A combobox (ARIA 1.2 pattern) over `catalogEntries`; the data holds the entry's code. */
function catalogInput(v, c, view) {
  const listId = `${c.id}-list`;
  const input = h("input", { id: c.id, type: "text", role: "combobox", "aria-autocomplete": "list",
    "aria-expanded": "false", "aria-controls": listId, autocomplete: "off", value: v ?? "",
    placeholder: c.options?.placeholder || "Type to search" });
  const list = h("ul", { id: listId, role: "listbox", class: "pp-listbox", "aria-label": c.label, hidden: true });
  const hint = h("span", { class: "pp-hint", id: `${c.id}-hint` });
  let entries = [], active = -1, timer = 0, ticket = 0;
  const query = `query($c: String!, $s: String, $f: Int) { catalogEntries(catalog: $c, search: $s, first: $f) { code label } }`;
  const fetchEntries = (search) => graphql(view.widget, query, { c: c.options?.catalog, s: search || null, f: 8 });
  const close = () => {
    list.hidden = true; active = -1;
    input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant");
  };
  const choose = (entry) => {
    input.value = entry.code; hint.textContent = entry.label;
    view.input(c, entry.code); close(); view.check(c.pointer);
  };
  const paint = () => {
    list.replaceChildren(...(entries.length ? entries.map((e, i) => h("li", {
      id: `${listId}-${i}`, role: "option", class: "pp-option", "aria-selected": String(i === active),
      onmousedown: (event) => { event.preventDefault(); choose(e); },
    }, h("span", { class: "pp-code" }, e.code), " ", e.label)) : [h("li", { class: "pp-option pp-muted", role: "option", "aria-disabled": "true" }, "No match")]));
    if (active >= 0) input.setAttribute("aria-activedescendant", `${listId}-${active}`);
    else input.removeAttribute("aria-activedescendant");
  };
  const search = async () => {
    const mine = ++ticket;
    try {
      const { catalogEntries } = await fetchEntries(input.value.trim());
      if (mine !== ticket || view.widget.shadowRoot?.activeElement !== input) return;
      entries = catalogEntries; active = -1; paint();
      list.hidden = false; input.setAttribute("aria-expanded", "true");
    } catch (error) {
      hint.textContent = error.message;
    }
  };
  input.addEventListener("input", () => {
    view.input(c, input.value.trim()); hint.textContent = "";
    clearTimeout(timer); timer = setTimeout(search, 150);
  });
  input.addEventListener("keydown", (event) => {
    const open = !list.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) { search(); return; }
      const step = event.key === "ArrowDown" ? 1 : -1;
      active = Math.max(0, Math.min(entries.length - 1, active + step)); paint();
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault(); choose(entries[active]);
    } else if (event.key === "Escape" && open) {
      event.preventDefault(); close();
    }
  });
  input.addEventListener("blur", () => { close(); view.check(c.pointer); });
  if (v) {
    fetchEntries(v).then(({ catalogEntries }) => {
      const entry = catalogEntries.find((e) => e.code === v);
      if (entry && input.value === v) hint.textContent = entry.label;
    }).catch(() => {});
  }
  return { node: h("div", { class: "pp-combobox" }, input, list, hint), input, describedBy: hint.id };
}

/** How a read-only value reads. */
const DISPLAY = {
  money: (v) => formatMoney(v),
  number: (v) => formatNumber(v),
  checkbox: (v) => (v ? "Yes" : "No"),
  date: (v) => formatDate(v, false),
  select: (v, c) => String((c.options?.enum || []).find((e) => e.value === v)?.label ?? v),
};
const display = (v, c) => (v == null || v === "" ? "—" : (DISPLAY[c.widget] || String)(v, c));
const keyOf = (el) => (el.kind === "control" ? `#${el.id}` : el.uiPath);
/** An element's node shows its flags. */
const paint = (el, node) => {
  node.hidden = el.visible === false;
  node.classList.toggle("pp-disabled", el.enabled === false);
  return node;
};

/** Layout elements of the screen model, by kind. */
const ELEMENTS = {
  vertical: (view, el) => h("div", { class: "pp-vertical" }, view.children(el)),
  horizontal: (view, el) => h("div", { class: "pp-horizontal" }, view.children(el)),
  category: (view, el) => h("div", { class: "pp-vertical" }, view.children(el)),
  group: (view, el) => h("fieldset", { class: "pp-group" }, h("legend", {}, el.label ?? ""), view.children(el)),
  label: (view, el) => h("p", { class: "pp-text" }, el.text ?? ""),
  categorization: (view, el) => view.tabs(el),
  control: (view, el) => (el.widget === "table" ? view.table(el) : view.control(el)),
};

/**
 * Draws a screen model and keeps its data: live computed fields, client checks, errors by
 * JSON pointer. Used by <parapheur-form> (editable) and <parapheur-document> (read-only).
 * `live`: hidden elements are drawn hidden, for `applyFlags`; `stored`: the saved data.
 */
export class ScreenView {
  constructor(widget, screen, { readonly = false, data = null, live = false, stored = null } = {}) {
    this.widget = widget;
    this.screen = screen;
    this.readonly = readonly || screen.editable === false;
    this.live = live && !this.readonly;
    this.stored = clone(stored) ?? {};
    this.fields = new Map(); // pointer -> {c, input, error}
    this.outputs = new Map(); // pointer -> output element of a computed control
    this.errors = new Map(); // pointer -> [message]
    this.tables = [];
    this.formulas = { lines: new Map(), top: [] };
    this.data = data ? clone(data) : {};
    this.walk(screen.root, !data);
    this.compute();
  }

  /** Collect the data, the errors and the formulas of the screen's visible controls. */
  walk(el, collect) {
    if (!el || (el.visible === false && !this.live)) return;
    if (el.kind === "control") {
      if (el.widget === "table") {
        this.tables.push(el);
        const name = lastSegment(el.pointer);
        const list = (el.columns || []).filter((col) => col.computed).map((col) => ({ name: lastSegment(this.column(col)), c: col }));
        this.addFormulas(list, name, this.formulas.lines.set(name, []).get(name));
        if (collect) {
          const rows = Array.isArray(el.value) ? clone(el.value) : (el.rows || []).map((row) =>
            Object.fromEntries(row.filter((cell) => cell.value != null).map((cell) => [lastSegment(cell.pointer), clone(cell.value)])));
          setAt(this.data, el.pointer, rows);
        }
        (el.rows || []).flat().forEach((cell) => cell.errors?.length && this.errors.set(cell.pointer, cell.errors));
      } else {
        if (collect && el.value != null) setAt(this.data, el.pointer, clone(el.value));
        if (el.computed) this.pendingTop = [...(this.pendingTop || []), el];
      }
      if (el.errors?.length) this.errors.set(el.pointer, el.errors);
    }
    (el.elements || []).forEach((child) => this.walk(child, collect));
    if (el === this.screen.root) {
      const lines = this.tables.map((t) => lastSegment(t.pointer)).at(0) || "lines";
      this.addFormulas((this.pendingTop || []).map((c) => ({ name: lastSegment(c.pointer), c })), lines, this.formulas.top);
    }
  }

  addFormulas(list, lines, into) {
    for (const { name, c } of list) {
      const source = formulaOf(c, name, lines);
      try { if (source) into.push({ name, f: parseFormula(source) }); } catch { /* shown as the server sends it */ }
    }
  }

  compute() {
    computeInto(this.data, this.formulas);
    for (const [pointer, output] of this.outputs) {
      const c = this.fields.get(pointer)?.c;
      output.textContent = display(getAt(this.data, pointer), c || { widget: "money" });
    }
  }

  render() {
    this.fields.clear(); this.outputs.clear();
    this.drawn = new Map(); this.tabSets = [];
    return this.element(this.screen.root);
  }

  element(el) {
    if (!el || (el.visible === false && !this.live)) return null;
    const draw = ELEMENTS[el.kind];
    if (!draw) return h("p", { class: "pp-muted" }, `(${el.kind}: not supported by this version of the widgets)`);
    const node = paint(el, draw(this, el));
    this.drawn.set(keyOf(el), { el, node });
    return node;
  }

  /** The flags of a new screen of the same form, applied in place. */
  applyFlags(next) {
    const visit = (el) => {
      const drawn = this.drawn.get(keyOf(el));
      if (drawn) {
        const locked = this.isReadOnly(drawn.el);
        Object.assign(drawn.el, flagsOf(el));
        if (el.rows) drawn.el.rows = el.rows;
        if (el.kind === "control" && locked !== this.isReadOnly(drawn.el)) {
          const fresh = this.element(drawn.el);
          drawn.node.replaceWith(fresh); drawn.node = fresh;
        } else paint(drawn.el, drawn.node);
      }
      for (const cell of (el.rows || []).flat()) {
        const field = this.fields.get(cell.pointer), locked = field && this.isReadOnly(field.c);
        if (!field?.cell) continue;
        Object.assign(field.c, flagsOf(cell));
        if (locked === this.isReadOnly(field.c)) paint(field.c, field.node);
        else field.node.replaceWith(this.control(field.c, field.cell));
      }
      (el.elements || []).forEach(visit);
    };
    visit(next.root);
    this.tabSets.forEach((refresh) => refresh());
  }

  children(el) { return (el.elements || []).map((child) => this.element(child)); }

  tabs(el) {
    const base = nextId("pp-tabs");
    const categories = (el.elements || []).filter((cat) => cat.visible !== false || this.live);
    const tabs = [], panels = [];
    const select = (index, focus) => tabs.forEach((tab, i) => {
      tab.setAttribute("aria-selected", String(i === index)); tab.tabIndex = i === index ? 0 : -1;
      panels[i].hidden = i !== index;
      if (focus && i === index) tab.focus();
    });
    categories.forEach((cat, i) => {
      tabs.push(h("button", { type: "button", role: "tab", id: `${base}-tab-${i}`, "aria-controls": `${base}-panel-${i}`,
        onclick: () => select(i, false) }, cat.label ?? `Part ${i + 1}`));
      panels.push(h("div", { role: "tabpanel", id: `${base}-panel-${i}`, "aria-labelledby": `${base}-tab-${i}`, class: "pp-tabpanel" },
        this.element(cat)));
    });
    const list = h("div", { role: "tablist", class: "pp-tablist", "aria-label": el.label || "Sections" }, tabs);
    list.addEventListener("keydown", (event) => {
      const shown = tabs.filter((tab) => !tab.hidden), current = shown.indexOf(event.target);
      const move = { ArrowRight: 1, ArrowLeft: -1, Home: -current, End: shown.length - 1 - current }[event.key];
      if (current < 0 || move === undefined) return;
      event.preventDefault(); select(tabs.indexOf(shown[(current + move + shown.length) % shown.length]), true);
    });
    const refresh = () => {
      categories.forEach((cat, i) => { tabs[i].hidden = cat.visible === false; });
      if (!tabs.some((tab) => tab.tabIndex === 0 && !tab.hidden)) select(Math.max(0, tabs.findIndex((tab) => !tab.hidden)), false);
    };
    this.tabSets.push(refresh);
    if (tabs.length) refresh();
    return h("div", { class: "pp-categorization" }, el.label ? h("h3", {}, el.label) : null, list, panels);
  }

  isReadOnly(c) { return this.readonly || c.readOnly || c.computed || c.enabled === false; }

  /** A labelled field: input (or read-only value), description, errors. */
  control(c, cell = null) {
    const value = getAt(this.data, c.pointer);
    const errorId = `${c.id}-error`, descId = c.description ? `${c.id}-desc` : null;
    const error = h("p", { class: "pp-error", id: errorId, hidden: true });
    let widget;
    if (this.isReadOnly(c)) {
      const output = h("output", { id: c.id, class: `pp-value pp-${c.widget}` }, display(value, c));
      if (c.computed) this.outputs.set(c.pointer, output);
      widget = { node: output, input: output };
    } else {
      widget = (WIDGETS[c.widget] || WIDGETS.text)(value, c, this);
      if (c.required) widget.input.setAttribute("aria-required", "true");
    }
    const field = { c, input: widget.input, error, describedBy: [descId, widget.describedBy].filter(Boolean), cell };
    this.fields.set(c.pointer, field);
    if (cell) widget.input.setAttribute("aria-label", cell);
    this.paintErrors(c.pointer);
    if (cell) return (field.node = paint(c, h("div", { class: "pp-cell" }, widget.node, error)));
    return h("div", { class: `pp-field pp-field-${c.widget}` },
      h("label", { for: c.id }, c.label ?? lastSegment(c.pointer),
        c.required && !this.isReadOnly(c) ? h("span", { class: "pp-required", "aria-hidden": "true" }, " *") : null),
      widget.node,
      descId ? h("p", { class: "pp-description", id: descId }, c.description) : null,
      error);
  }

  /** A table of lines: one row per item, add and remove rows, cells are controls. */
  table(t) {
    const name = lastSegment(t.pointer);
    const columns = (t.columns || []).filter((col) => col.visible !== false);
    const readOnly = this.isReadOnly(t);
    const tbody = h("tbody");
    const count = h("span", { class: "pp-muted", role: "status" });
    const error = h("p", { class: "pp-error", id: `${t.id}-error`, hidden: true });
    const addButton = readOnly ? null : h("button", { type: "button", class: "pp-button", onclick: () => {
      const rows = this.rows(t);
      rows.push(this.freshRow(columns)); this.compute(); paint(); this.onChange?.();
      this.fields.get(`${t.pointer}/${rows.length - 1}${this.column(columns.find((col) => !this.isReadOnly(col)) || columns[0])}`)?.input.focus();
    } }, "+ Add line");
    const remove = (index) => {
      this.rows(t).splice(index, 1); t.rows?.splice(index, 1);
      for (const key of [...this.errors.keys()]) if (key.startsWith(`${t.pointer}/`)) this.errors.delete(key);
      this.compute(); paint(); this.onChange?.();
      const buttons = tbody.querySelectorAll(".pp-remove");
      (buttons[Math.min(index, buttons.length - 1)] || addButton)?.focus();
    };
    const paint = () => {
      for (const key of [...this.fields.keys()]) if (key.startsWith(`${t.pointer}/`)) { this.fields.delete(key); this.outputs.delete(key); }
      const rows = this.rows(t);
      const max = t.maxItems ?? Infinity, min = t.minItems ?? 0;
      tbody.replaceChildren(...rows.map((row, i) => h("tr", {},
        columns.map((col, j) => {
          const original = t.rows?.[i]?.[j];
          const rel = this.column(col);
          const c = { ...col, id: `${t.id}-${i}-${segments(rel).join("-")}`, pointer: `${t.pointer}/${i}${rel}`,
            errors: original?.errors || [], ...flagsOf(original || col), readOnly: col.readOnly || original?.readOnly };
          return h("td", { class: `pp-col-${c.widget}` }, this.control(c, `${col.label}, line ${i + 1}`));
        }),
        readOnly ? null : h("td", { class: "pp-row-actions" }, h("button", {
          type: "button", class: "pp-button pp-remove", "aria-label": `Remove line ${i + 1}`,
          disabled: rows.length <= min, onclick: () => remove(i) }, "Remove")))));
      if (addButton) addButton.disabled = rows.length >= max;
      count.textContent = plural(rows.length, "line");
      this.compute();
    };
    this.fields.set(t.pointer, { c: t, input: tbody, error, describedBy: [] });
    if (!readOnly) while (this.rows(t).length < (t.minItems ?? 0)) this.rows(t).push(this.freshRow(columns));
    paint();
    this.paintErrors(t.pointer);
    const head = h("tr", {}, columns.map((col) => h("th", { scope: "col", class: `pp-col-${col.widget}` },
      col.label ?? this.column(col), col.required && !readOnly && !this.isReadOnly(col) ? h("span", { class: "pp-required", "aria-hidden": "true" }, " *") : null)),
    readOnly ? null : h("th", { scope: "col" }, h("span", { class: "pp-visually-hidden" }, "Actions")));
    const caption = h("caption", {}, t.label ?? name);
    return h("div", { class: "pp-field pp-field-table" },
      h("div", { class: "pp-table-scroll" }, h("table", { class: "pp-table", id: t.id, "aria-describedby": error.id }, caption, h("thead", {}, head), tbody)),
      error, h("div", { class: "pp-table-footer" }, addButton, count));
  }

  /** A new line: the columns' defaults. */
  freshRow(columns) {
    const row = {};
    for (const col of columns) if (col.default != null && !col.computed) setAt(row, this.column(col), clone(col.default));
    return row;
  }

  /** A column's pointer inside a row, e.g. "/quantity". */
  column(col) { return col.field || `/${lastSegment(col.scope || "") || col.id}`; }

  rows(t) {
    let rows = getAt(this.data, t.pointer);
    if (!Array.isArray(rows)) { rows = []; setAt(this.data, t.pointer, rows); }
    return rows;
  }

  /** A user typed: store, recompute, and re-check a field that showed an error. */
  input(c, value, badInput = false) {
    setAt(this.data, c.pointer, value);
    this.bad = { ...this.bad, [c.pointer]: badInput };
    this.compute();
    if (this.errors.has(c.pointer)) this.check(c.pointer);
    this.onChange?.();
  }

  check(pointer) {
    const field = this.fields.get(pointer);
    if (!field || this.isReadOnly(field.c)) return [];
    const messages = checkValue(field.c, getAt(this.data, pointer), this.bad?.[pointer]);
    this.setErrors(pointer, messages);
    return messages;
  }

  /** Client checks of every editable field; returns [{path, message}]. */
  checkAll() {
    const problems = [];
    for (const [pointer, field] of this.fields) {
      if (field.c.visible === false) continue;
      if (field.c.widget === "table") {
        const n = this.rows(field.c).length;
        const messages = n < (field.c.minItems ?? 0) ? [`must have at least ${plural(field.c.minItems, "item")}`] : [];
        this.setErrors(pointer, messages);
        messages.forEach((message) => problems.push({ path: pointer, message }));
      } else {
        this.check(pointer).forEach((message) => problems.push({ path: pointer, message }));
      }
    }
    return problems;
  }

  setErrors(pointer, messages) {
    if (messages.length) this.errors.set(pointer, messages); else this.errors.delete(pointer);
    this.paintErrors(pointer);
  }

  paintErrors(pointer) {
    const field = this.fields.get(pointer);
    if (!field) return;
    const messages = this.errors.get(pointer) || [];
    field.error.textContent = messages.join(" ");
    field.error.hidden = !messages.length;
    const ids = [...field.describedBy, ...(messages.length ? [field.error.id] : [])];
    if (field.input.tagName !== "TBODY") {
      if (ids.length) field.input.setAttribute("aria-describedby", ids.join(" "));
      else field.input.removeAttribute("aria-describedby");
      if (messages.length) field.input.setAttribute("aria-invalid", "true");
      else field.input.removeAttribute("aria-invalid");
    }
  }

  /** Server errors: each next to the control of its pointer (or its nearest ancestor's). */
  showErrors(errors) {
    for (const pointer of [...this.errors.keys()]) this.setErrors(pointer, []);
    const placed = [];
    for (const { path, message } of errors) {
      let pointer = path;
      while (pointer && !this.fields.has(pointer)) pointer = pointer.slice(0, pointer.lastIndexOf("/"));
      const field = this.fields.get(pointer);
      if (field) this.setErrors(pointer, [...(this.errors.get(pointer) || []), message]);
      placed.push({ path, message, field });
    }
    return placed;
  }

  /** The data being edited, computed fields left out (the server recomputes them). */
  edited() {
    const data = clone(this.data);
    for (const { name } of this.formulas.top) delete data[name];
    for (const [array, list] of this.formulas.lines) {
      for (const row of data[array] || []) for (const { name } of list) if (row) delete row[name];
    }
    return data;
  }

  /** The data to save: what the user may not set is sent as the server accepts (rejected_fields). */
  payload() {
    const data = this.edited();
    for (const { c } of this.fields.values()) {
      if (c.computed || (c.visible !== false && !this.isReadOnly(c))) continue;
      const now = getAt(data, c.pointer), before = getAt(this.stored, c.pointer);
      const kept = c.widget === "table" ? (now || []).length === (before || []).length
        : same(before, now) || (before == null && same(now, c.default));
      if (!kept) setAt(data, c.pointer, clone(before));
    }
    return data;
  }
}

// ---------------------------------------------------------------- widgets

/** Shadow root, message regions, and load/reload with loading and error states. */
class Widget extends HTMLElement {
  static observedAttributes = ["api", "token"];

  constructor() {
    super();
    this.root = this.attachShadow({ mode: "open" });
    this.root.adoptedStyleSheets = [styleSheet()];
    this.statusRegion = h("p", { class: "pp-status", role: "status", "aria-live": "polite" });
    this.alertRegion = h("div", { class: "pp-alert", role: "alert" });
    this.content = h("div", { class: "pp-content", part: "content" });
    this.root.append(h("div", { class: "pp-widget", part: "widget" }, this.alertRegion, this.content, this.statusRegion));
  }

  connectedCallback() { if (!this.started) { this.started = true; this.reload(); } }

  attributeChangedCallback(name, old, value) {
    if (!this.started || old === value || this.quiet) return;
    clearTimeout(this.pending);
    this.pending = setTimeout(() => this.reload(), 0);
  }

  say(text) { this.statusRegion.textContent = text || ""; }

  warn(text) {
    this.alertRegion.replaceChildren(...(text ? [h("p", { class: "pp-alert-box" }, text)] : []));
  }

  /** Fetch and draw; the first load shows a loading line, later ones keep the old content. */
  async reload() {
    const ticket = (this.ticket = (this.ticket || 0) + 1);
    if (!this.loaded) this.content.replaceChildren(h("p", { class: "pp-loading", role: "status" }, "Loading…"));
    this.setAttribute("aria-busy", "true");
    try {
      const nodes = await this.load();
      if (ticket !== this.ticket) return;
      this.loaded = true;
      this.content.replaceChildren(...[nodes].flat().filter(Boolean));
    } catch (error) {
      if (ticket !== this.ticket) return;
      this.content.replaceChildren(h("div", { class: "pp-error-state", role: "alert" },
        h("p", {}, error instanceof ApiError ? error.message : `Something went wrong: ${error.message}`),
        h("button", { type: "button", class: "pp-button", onclick: () => this.reload() }, "Try again")));
    } finally {
      if (ticket === this.ticket) this.removeAttribute("aria-busy");
    }
  }

  /** Copy api and token to a widget this one creates. */
  adopt(child) {
    for (const name of ["api", "token"]) if (this.hasAttribute(name)) child.setAttribute(name, this.getAttribute(name));
    return child;
  }
}

/** Action buttons for a document; comments asked in a modal dialog when the action needs one. */
function actionBar(widget, doc, done, skip = []) {
  const actions = doc.availableActions.filter((a) => !skip.includes(a.key));
  if (!actions.length) return null;
  const run = async (action, button) => {
    let comment = null;
    if (action.requiresComment) {
      comment = await askComment(widget, doc, action);
      if (comment == null) { button.focus(); return; }
    }
    button.disabled = true;
    widget.warn("");
    try {
      const { transition: outcome } = await graphql(widget, transition(),
        { input: { id: doc.id, action: action.key, expectedVersion: doc.version, comment } });
      const refused = refusal(outcome);
      if (refused) { widget.warn(refused); button.disabled = false; return; }
      const after = outcome.document;
      widget.say(`${after.number}: ${action.label} done, now ${after.stateLabel}.`);
      emit(widget, "parapheur:acted", { document: after, action: action.key });
      done(after);
    } catch (error) {
      widget.warn(error.message); button.disabled = false;
    }
  };
  return h("div", { class: "pp-actions", role: "group", "aria-label": `Actions on ${doc.number}` },
    actions.map((action) => {
      const button = h("button", { type: "button", class: `pp-button pp-action-${action.key}${action.key === "approve" || action.key === "submit" ? " pp-primary" : ""}${action.key === "reject" ? " pp-danger" : ""}`,
        "data-action": action.key });
      button.textContent = action.requiresComment ? `${action.label}…` : action.label;
      button.addEventListener("click", () => run(action, button));
      return button;
    }));
}

/** A modal dialog asking for the comment an action requires; resolves to the text or null. */
function askComment(widget, doc, action) {
  return new Promise((resolve) => {
    const id = nextId("pp-comment");
    const area = h("textarea", { id, rows: 4, "aria-required": "true", "aria-describedby": `${id}-error` });
    const error = h("p", { class: "pp-error", id: `${id}-error`, hidden: true }, "A comment is required.");
    const dialog = h("dialog", { class: "pp-dialog", "aria-labelledby": `${id}-title` });
    const form = h("form", { method: "dialog", novalidate: true },
      h("h3", { id: `${id}-title` }, `${action.label}: ${doc.number}`),
      h("label", { for: id }, "Comment (required)"), area, error,
      h("div", { class: "pp-actions" },
        h("button", { type: "button", class: "pp-button", onclick: () => dialog.close("") }, "Cancel"),
        h("button", { type: "submit", class: `pp-button ${action.key === "reject" ? "pp-danger" : "pp-primary"}` }, action.label)));
    form.addEventListener("submit", (event) => {
      if (!area.value.trim()) {
        event.preventDefault(); error.hidden = false; area.setAttribute("aria-invalid", "true"); area.focus();
      } else dialog.returnValue = "ok";
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "ok" ? area.value.trim() : null);
    });
    dialog.append(form);
    widget.root.append(dialog);
    dialog.showModal();
    area.focus();
  });
}

const withNumber = (title, number) => (title.includes(number) ? title : `${title} ${number}`);
const titleOf = (doc) => (typeof doc.data?.title === "string" ? doc.data.title : doc.documentType?.name || "");
const totalOf = (doc) => ["total_ttc", "total", "total_ht"].map((k) => doc.data?.[k]).find((v) => typeof v === "number");

// ---------------------------------------------------------------- <parapheur-form>

class ParapheurForm extends Widget {
  static observedAttributes = ["api", "token", "document-type", "document-id"];

  async load() {
    const id = this.getAttribute("document-id");
    if (id) {
      const { document: doc } = await graphql(this, `query($id: ID!) { document(id: $id) { ${SUMMARY} screen } }`, { id });
      if (!doc) throw new ApiError(`No document ${id} is visible to you.`);
      this.document = doc;
      this.useScreen(doc.screen, doc.data);
    } else {
      const key = this.getAttribute("document-type");
      if (!key) throw new ApiError("Set the document-type attribute, e.g. document-type=\"purchase_request\".");
      const { documentType } = await graphql(this, `query($k: String!) { documentType(key: $k) { key name canCreate screen } }`, { k: key });
      if (!documentType) throw new ApiError(`No document type ${key} is visible to you.`);
      this.document = null;
      this.useScreen(documentType.screen, null);
    }
    return this.draw();
  }

  connectedCallback() { if (this.hasAttribute("preview")) this.started = true; else super.connectedCallback(); }

  /** The screen model drawn (settable, e.g. by a host page that has it already). */
  get screen() { return this.view?.screen ?? null; }
  set screen(model) { this.useScreen(model, null); this.redraw(); }

  /** The form's data, computed fields included; setting it redraws the form. */
  get data() { return this.view ? clone(this.view.data) : null; }
  set data(value) { this.useScreen(this.view.screen, value, false); this.redraw(); }

  /** `fresh`: the screen was compiled for `data`; else, with rules, ask for its flags. */
  useScreen(screen, data, fresh = data != null) {
    const live = !this.hasAttribute("preview") && screen?.hasRules;
    const view = (this.view = new ScreenView(this, screen, { data, live, stored: this.document?.data }));
    const rules = (this.rules = { asked: 0, shown: 0 });
    if (!live) return;
    view.onChange = () => {
      rules.asked++; clearTimeout(rules.timer);
      rules.timer = setTimeout(() => this.askRules().catch((error) => this.warn(error.message)), 250);
    };
    if (!fresh && Object.keys(view.edited()).length) view.onChange();
  }

  /** Ask the server the flags of the edited data; an answer for older data is dropped. */
  async askRules() {
    const { view, rules } = this, asked = rules.asked, doc = this.document;
    clearTimeout(rules.timer);
    const { s } = await graphql(this, `query($k: ${doc ? "ID" : "String"}!, $d: JSON) { s: ${doc ? "document(id" : "documentType(key"}: $k) { screen(data: $d) } }`,
      { k: doc ? doc.id : this.getAttribute("document-type"), d: view.edited() });
    if (view === this.view && asked === rules.asked && s) { view.applyFlags(s.screen); rules.shown = asked; }
  }

  /** Draw now; a load still in flight is dropped (its ticket is stale). */
  redraw() {
    this.ticket = (this.ticket || 0) + 1; this.loaded = true; this.removeAttribute("aria-busy");
    this.content.replaceChildren(this.draw());
  }

  draw() {
    const view = this.view, doc = this.document;
    const titleId = nextId("pp-form-title");
    this.summary = h("div", { class: "pp-summary", tabindex: "-1", hidden: true });
    const canSubmit = !doc || doc.availableActions.some((a) => a.key === "submit");
    const buttons = view.readonly || this.hasAttribute("preview") ? null : h("div", { class: "pp-actions pp-form-actions" },
      h("button", { type: "button", class: "pp-button", onclick: () => this.send(false) }, "Save draft"),
      canSubmit ? h("button", { type: "submit", class: "pp-button pp-primary" }, "Submit") : null);
    const form = h("form", { class: "pp-form", novalidate: true, "aria-labelledby": titleId },
      h("header", { class: "pp-header" },
        h("h2", { id: titleId }, doc ? withNumber(view.screen.title || doc.documentType.name, doc.number) : `New ${(view.screen.title || "document").toLowerCase()}`),
        view.screen.stateLabel ? h("span", { class: "pp-badge pp-state", "data-state": view.screen.state }, view.screen.stateLabel) : null),
      this.summary, view.render(), buttons);
    form.addEventListener("submit", (event) => { event.preventDefault(); if (!this.hasAttribute("preview")) this.send(true); });
    return form;
  }

  showSummary(problems) {
    const items = problems.map(({ path, message, field }) => {
      const target = field ?? this.view.fields.get(path);
      const label = target ? `${target.c.label ?? lastSegment(path)}${/\/\d+\//.test(path) ? ` (line ${Number(segments(path).at(-2)) + 1})` : ""}` : path || "Form";
      return h("li", {}, target ? h("a", { href: `#${target.input.id || ""}`, onclick: (event) => {
        event.preventDefault(); (target.input.tagName === "TBODY" ? target.input.querySelector("input,select,textarea") : target.input)?.focus();
      } }, `${label}: ${message}`) : `${label}: ${message}`);
    });
    this.summary.replaceChildren(h("h3", {}, `${plural(problems.length, "problem")} to fix`), h("ul", {}, items));
    this.summary.hidden = !problems.length;
    this.summary.setAttribute("role", "alert");
    if (problems.length) this.summary.focus();
  }

  async send(submit) {
    if (this.rules.shown !== this.rules.asked) await this.askRules().catch(() => {});
    const problems = this.view.checkAll();
    if (problems.length) { this.showSummary(problems); return; }
    this.showSummary([]);
    this.warn(""); this.say(submit ? "Submitting…" : "Saving…");
    this.setAttribute("aria-busy", "true");
    try {
      const data = this.view.payload();
      let outcome;
      if (!this.document) {
        const query = `mutation($input: CreateDocumentInput!) { createDocument(input: $input) { ${result("screen")} } }`;
        outcome = (await graphql(this, query, { input: { documentType: this.getAttribute("document-type"), data, submit } })).createDocument;
      } else {
        const query = `mutation($input: UpdateDocumentInput!) { updateDocument(input: $input) { ${result("screen")} } }`;
        outcome = (await graphql(this, query, { input: { id: this.document.id, expectedVersion: this.document.version, data } })).updateDocument;
        if (submit && outcome.__typename === "DocumentPayload") {
          const doc = outcome.document;
          outcome = (await graphql(this, transition("screen"), { input: { id: doc.id, action: "submit", expectedVersion: doc.version } })).transition;
        }
      }
      this.done(outcome, submit);
    } catch (error) {
      this.say(""); this.warn(error.message);
    } finally {
      this.removeAttribute("aria-busy");
    }
  }

  done(result, submit) {
    if (result.__typename === "ValidationFailed") {
      this.say("");
      this.showSummary(this.view.showErrors(result.errors));
      return;
    }
    const refused = refusal(result);
    if (refused) { this.say(""); this.warn(refused); return; }
    const doc = result.document;
    this.document = doc;
    this.quiet = true;
    this.setAttribute("document-id", doc.id);
    this.quiet = false;
    this.useScreen(doc.screen, doc.data);
    this.redraw();
    this.say(submit ? `${doc.number} submitted: now ${doc.stateLabel}.` : `${doc.number} saved.`);
    emit(this, submit ? "parapheur:submitted" : "parapheur:saved", { document: doc });
  }
}

// ---------------------------------------------------------------- <parapheur-inbox>

class ParapheurInbox extends Widget {
  static observedAttributes = ["api", "token", "first"];

  async load() {
    const first = Number(this.getAttribute("first")) || 50;
    const { inbox } = await graphql(this, `query($f: Int) { inbox(first: $f) { totalCount edges { node { ${SUMMARY} } } } }`, { f: first });
    const docs = inbox.edges.map((e) => e.node);
    emit(this, "parapheur:count", { count: inbox.totalCount });
    const heading = h("header", { class: "pp-header" }, h("h2", {}, "Waiting for you"),
      h("span", { class: "pp-badge pp-count", "aria-label": `${plural(inbox.totalCount, "document")} waiting` }, String(inbox.totalCount)));
    if (!docs.length) return [heading, h("p", { class: "pp-empty", role: "status" }, "Nothing is waiting for you.")];
    return [heading, h("ul", { class: "pp-list" }, docs.map((doc) => this.item(doc)))];
  }

  item(doc) {
    const total = totalOf(doc);
    return h("li", { class: "pp-card pp-item", "data-id": doc.id },
      h("div", { class: "pp-item-head" },
        h("button", { type: "button", class: "pp-link", onclick: () => emit(this, "parapheur:open", { id: doc.id }) }, doc.number),
        h("span", { class: "pp-item-title" }, titleOf(doc)),
        h("span", { class: "pp-badge pp-state", "data-state": doc.state }, doc.stateLabel)),
      h("p", { class: "pp-meta" }, `${doc.documentType.name} · from ${doc.createdBy} · `, timeEl(doc.updatedAt),
        total != null ? ` · ${formatMoney(total)}` : ""),
      actionBar(this, doc, () => this.reload()));
  }
}

// ---------------------------------------------------------------- <parapheur-documents>

class ParapheurDocuments extends Widget {
  static observedAttributes = ["api", "token", "document-type", "state", "search", "first"];

  async load() {
    this.after = null;
    this.tbody = h("tbody");
    const rows = await this.page();
    if (!rows) return h("p", { class: "pp-empty", role: "status" }, "No documents yet.");
    this.more = h("button", { type: "button", class: "pp-button", hidden: !this.hasMore, onclick: () => this.page() }, "Show more");
    return [h("div", { class: "pp-table-scroll" }, h("table", { class: "pp-table pp-documents" },
      h("caption", {}, "Documents"),
      h("thead", {}, h("tr", {}, ["Number", "Title", "Type", "State", "Created by", "Updated", "Total"].map((t) => h("th", { scope: "col" }, t)))),
      this.tbody)), this.more];
  }

  async page() {
    const filter = {};
    for (const [attr, key] of [["document-type", "documentType"], ["state", "state"], ["search", "search"]]) {
      if (this.getAttribute(attr)) filter[key] = this.getAttribute(attr);
    }
    const query = `query($f: DocumentFilter, $n: Int, $a: String) { documents(filter: $f, first: $n, after: $a) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { ${SUMMARY} } } } }`;
    const { documents } = await graphql(this, query, { f: filter, n: Number(this.getAttribute("first")) || 25, a: this.after });
    this.after = documents.pageInfo.endCursor;
    this.hasMore = documents.pageInfo.hasNextPage;
    if (this.more) this.more.hidden = !this.hasMore;
    this.tbody.append(...documents.edges.map(({ node: doc }) => h("tr", {},
      h("th", { scope: "row" }, h("button", { type: "button", class: "pp-link", onclick: () => emit(this, "parapheur:open", { id: doc.id }) }, doc.number)),
      h("td", {}, titleOf(doc)), h("td", {}, doc.documentType.name),
      h("td", {}, h("span", { class: "pp-badge pp-state", "data-state": doc.state }, doc.stateLabel)),
      h("td", {}, doc.createdBy), h("td", {}, timeEl(doc.updatedAt)),
      h("td", { class: "pp-money" }, totalOf(doc) != null ? formatMoney(totalOf(doc)) : "—"))));
    return documents.totalCount;
  }
}

// ---------------------------------------------------------------- <parapheur-document>

class ParapheurDocument extends Widget {
  static observedAttributes = ["api", "token", "document-id"];

  async load() {
    const id = this.getAttribute("document-id");
    if (!id) throw new ApiError("Set the document-id attribute.");
    const query = `query($id: ID!) { document(id: $id) { ${SUMMARY} screen diagram documentType { key name workflow }
      history { seq at actor action fromState toState comment }
      links { kind document { id number stateLabel documentType { name } } }
      jobs { id action status attempts lastError createdAt finishedAt }
      attachments { id kind filename mediaType size url } } }`;
    const { document: doc } = await graphql(this, query, { id });
    if (!doc) throw new ApiError(`No document ${id} is visible to you.`);
    this.document = doc;
    const workflow = doc.documentType.workflow || {};
    const stateLabel = (key) => workflow.states?.[key]?.label ?? humanize(key);
    const actionLabel = (key) => (workflow.transitions || []).find((t) => t.action === key)?.label ?? humanize(key);
    const diagram = h("div", { class: "pp-diagram" });
    diagram.innerHTML = doc.diagram; // server-generated SVG, trusted
    const section = (title, ...body) => h("section", { class: "pp-section", "aria-label": title }, h("h3", {}, title), ...body);
    const editable = doc.screen?.editable && doc.availableActions.some((a) => a.key === "submit");
    return h("article", { class: "pp-document" },
      h("header", { class: "pp-header" },
        h("h2", {}, `${doc.documentType.name} ${doc.number}`),
        h("span", { class: "pp-badge pp-state", "data-state": doc.state }, doc.stateLabel)),
      h("p", { class: "pp-meta" }, `Created by ${doc.createdBy} · `, timeEl(doc.createdAt), " · updated ", timeEl(doc.updatedAt), ` · version ${doc.version}`),
      h("div", { class: "pp-toolbar" },
        editable ? h("button", { type: "button", class: "pp-button", onclick: () => emit(this, "parapheur:edit", { id: doc.id }) }, "Edit") : null,
        actionBar(this, doc, () => this.reload())),
      section("Data", new ScreenView(this, doc.screen, { readonly: true, data: doc.data }).render()),
      section("Workflow", h("figure", { class: "pp-figure" }, diagram, h("figcaption", {}, `Current state: ${doc.stateLabel}`))),
      section("History", doc.history.length ? h("ol", { class: "pp-timeline" }, doc.history.map((entry) => h("li", {},
        timeEl(entry.at), " ", h("strong", {}, actionLabel(entry.action)), ` by ${entry.actor ?? "the system"}`,
        h("span", { class: "pp-muted" }, ` (${entry.fromState ? `${stateLabel(entry.fromState)} → ` : ""}${stateLabel(entry.toState)})`),
        entry.comment ? h("blockquote", {}, entry.comment) : null))) : h("p", { class: "pp-empty" }, "No history yet.")),
      section("Links", doc.links.length ? h("ul", { class: "pp-plain" }, doc.links.map((link) => h("li", {},
        `${humanize(link.kind)}: `, h("button", { type: "button", class: "pp-link", onclick: () => emit(this, "parapheur:open", { id: link.document.id }) },
          `${link.document.documentType.name} ${link.document.number}`), ` (${link.document.stateLabel})`))) : h("p", { class: "pp-empty" }, "No linked documents.")),
      section("Automated actions", doc.jobs.length ? h("div", { class: "pp-table-scroll" }, h("table", { class: "pp-table" },
        h("thead", {}, h("tr", {}, ["Action", "Status", "Attempts", "Finished", "Last error"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, doc.jobs.map((job) => h("tr", {}, h("td", {}, humanize(job.action)),
          h("td", {}, h("span", { class: `pp-badge pp-job-${job.status.toLowerCase()}` }, humanize(job.status.toLowerCase()))),
          h("td", {}, String(job.attempts)), h("td", {}, job.finishedAt ? timeEl(job.finishedAt) : "—"), h("td", {}, job.lastError ?? "")))))) : h("p", { class: "pp-empty" }, "No automated actions.")),
      section("Attachments", doc.attachments.length ? h("ul", { class: "pp-plain" }, doc.attachments.map((a) => h("li", {},
        this.download(a), h("span", { class: "pp-muted" }, ` ${a.kind}, ${a.mediaType}, ${formatNumber(Math.ceil(a.size / 1024))} KB`)))) : h("p", { class: "pp-empty" }, "No attachments.")));
  }

  /** A download link: plain with the cookie, through fetch and a blob URL with a token. */
  download(attachment) {
    const base = (this.getAttribute("api") || "").replace(/\/+$/, "");
    const href = `${base}${attachment.url}`;
    const token = this.getAttribute("token");
    if (!token) return h("a", { href, download: attachment.filename }, attachment.filename);
    return h("a", { href, onclick: async (event) => {
      event.preventDefault();
      try {
        const response = await fetch(href, { headers: { Authorization: `Bearer ${token}` } });
        if (!response.ok) throw new ApiError(`Download refused (${response.status}).`);
        const url = URL.createObjectURL(await response.blob());
        const link = h("a", { href: url, download: attachment.filename, hidden: true });
        this.root.append(link); link.click(); link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
      } catch (error) { this.warn(error.message); }
    } }, attachment.filename);
  }
}

// ---------------------------------------------------------------- <parapheur-status>

class ParapheurStatus extends Widget {
  static observedAttributes = ["api", "token", "number"];

  async load() {
    const number = (this.getAttribute("number") || "").trim();
    if (!number) throw new ApiError("Set the number attribute, e.g. number=\"DA-2026-00001\".");
    const query = `query($s: String) { documents(filter: { search: $s }, first: 1) { edges { node {
      number state stateLabel createdAt updatedAt documentType { name } } } } }`;
    const { documents } = await graphql(this, query, { s: number });
    const doc = documents.edges[0]?.node;
    if (!doc || doc.number !== number) return h("p", { class: "pp-empty", role: "status" }, `No document numbered ${number}.`);
    const row = (term, ...value) => [h("dt", {}, term), h("dd", {}, ...value)];
    return h("section", { class: "pp-card pp-status-card", "aria-label": `Status of ${doc.number}` },
      h("header", { class: "pp-header" }, h("h2", {}, doc.number),
        h("span", { class: "pp-badge pp-state", "data-state": doc.state }, doc.stateLabel)),
      h("dl", { class: "pp-facts" },
        row("Document", doc.documentType.name), row("State", doc.stateLabel),
        row("Created", timeEl(doc.createdAt)), row("Last change", timeEl(doc.updatedAt))));
  }
}

for (const [name, element] of [["parapheur-form", ParapheurForm], ["parapheur-inbox", ParapheurInbox],
  ["parapheur-documents", ParapheurDocuments], ["parapheur-document", ParapheurDocument], ["parapheur-status", ParapheurStatus]]) {
  if (!customElements.get(name)) customElements.define(name, element);
}
