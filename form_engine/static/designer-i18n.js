/* The designer's words in English and French: one dictionary, `t(key, params)`, and the page's language.
 *
 * A text is a string, or a function of its parameters when it has any (plurals included). The page's
 * fixed texts name their key in `data-i18n` (text), `data-i18n-aria-label` or `data-i18n-placeholder`;
 * `write(el, key, params)` does the same for a message, so `setLanguage` translates both in place and
 * the designer re-renders the rest. A key missing from a language is a console error, which the
 * browser tests turn into a failure. The checker's messages come from the server, in English.
 */

/** Where piccolo-admin 1.14 keeps the language chosen in the back-office (same origin). */
const PICCOLO_ADMIN_LANGUAGE = "piccoloAdminDefaultLanguage";

const en = {
  "page.title": "Designer · Parapheur",
  "page.skip": "Skip to the editor",
  "page.brand": "Designer",
  "page.nav": "Back-office",
  "page.backOffice": "Back-office",
  "page.portal": "Portal",
  "page.language": "Language",
  "login.logout": "Log out",
  "login.title": "Designer sign-in",
  "login.adminsOnly": "Administrators only.",
  "login.username": "Username",
  "login.password": "Password",
  "login.submit": "Sign in",
  "login.notAdmin": (p) => `${p.name} is not an administrator: sign in as one.`,
  "login.notAdminHere": (p) => `${p.name} is not an administrator: the designer is for administrators.`,
  "error.server": (p) => p.message,

  "picker.section": "Document type",
  "picker.label": "Document type",
  "picker.open": "Open",
  "picker.choose": "Choose…",
  "picker.published": (p) => `${p.name} (${p.key}, v${p.version})`,
  "picker.publishedWithDraft": (p) => `${p.name} (${p.key}, v${p.version}) — draft saved`,
  "picker.neverPublished": (p) => `${p.name} (${p.key}) — draft, never published`,
  "picker.dropChanges": "Drop the unsaved changes?",
  "new.toggle": "New document type…",
  "new.key": "Key",
  "new.keyExample": "e.g. travel_request",
  "new.name": "Name",
  "new.nameExample": "e.g. Travel request",
  "new.prefix": "Number prefix",
  "new.prefixExample": "e.g. TR",
  "new.create": "Create",
  "new.badKey": "The key is letters, digits and underscores, starting with a letter.",
  "new.exists": (p) => `${p.key} exists already: open it instead.`,
  "new.created": (p) => `${p.name}: a new type, not saved yet.`,
  "empty": "Open a document type, or create a new one.",

  "open.opening": (p) => `Opening ${p.key}…`,
  "open.missing": (p) => `No document type ${p.key}.`,
  "open.draft": "Opened the saved draft.",
  "open.published": (p) => `Opened the published definition (version ${p.version}).`,
  "head.name": "Name",
  "head.category": "Category",
  "head.prefix": "Number prefix",
  "head.save": "Save draft",
  "head.publish": "Publish…",
  "badge.dirty": "Unsaved changes",
  "badge.draft": "Saved draft, not published",
  "badge.new": "New, not saved",
  "badge.published": (p) => `Published version ${p.version}`,
  "save.done": (p) => `Draft saved at ${p.time}.`,
  "publish.rejected": (p) => `Not published: ${p.message} See the problems beside each element.`,
  "publish.done": (p) => `Published version ${p.version} of ${p.key}. New documents use it; running ones stay on theirs.`,

  "tabs.definition": "Definition",
  "tabs.parts": "Parts of the definition",
  "tabs.fields": "Fields",
  "tabs.states": "States",
  "tabs.transitions": "Transitions",
  "tabs.json": "JSON",
  "tabs.versions": "Versions",
  "col.actions": "Actions",
  "col.key": "Key",
  "col.label": "Label",
  "remove": "Remove",

  "fields.hint": "Top-level fields of the form. Lists (line items) and objects are edited in the JSON tab.",
  "fields.caption": "Fields",
  "fields.name": "Name",
  "fields.type": "Type",
  "fields.required": "Required",
  "fields.catalog": "Catalog",
  "fields.values": "Values (comma-separated)",
  "fields.add": "+ Add field",
  "fields.nameOf": (p) => `Name of field ${p.n}`,
  "fields.typeOf": (p) => `Type of ${p.name}`,
  "fields.otherType": (p) => `${p.type} (JSON tab)`,
  "fields.labelOf": (p) => `Label of ${p.name}`,
  "fields.isRequired": (p) => `${p.name} is required`,
  "fields.catalogOf": (p) => `Catalog of ${p.name}`,
  "fields.catalogExample": "e.g. suppliers",
  "fields.valuesOf": (p) => `Values of ${p.name}`,
  "fields.anyValue": "any value",
  "fields.remove": (p) => `Remove field ${p.name}`,
  "fields.computed": "computed",
  "fields.badName": "a name is letters, digits and underscores, not starting with a digit",
  "fields.exists": (p) => `there is a field ${p.name} already`,
  "fields.newTitle": "New field",
  "fields.added": (p) => `Field ${p.name} added at the end of the form.`,
  "fields.removed": (p) => `Field ${p.name} removed, with its controls.`,
  "type.string": "string",
  "type.number": "number",
  "type.integer": "integer",
  "type.boolean": "boolean",
  "type.date": "date",

  "states.initial": "Initial state",
  "states.roles": "Roles of this workflow",
  "states.commaSeparated": "comma-separated",
  "states.caption": "States",
  "states.assignee": "Assignee role",
  "states.scope": "Scope (key=CEL)",
  "states.final": "Final",
  "states.add": "+ Add state",
  "states.creator": "the document's creator",
  "states.keyOf": (p) => `Key of state ${p.n}`,
  "states.labelOf": (p) => `Label of state ${p.key}`,
  "states.assigneeOf": (p) => `Assignee role of state ${p.key}`,
  "states.scopeOf": (p) => `Assignee scope of state ${p.key}`,
  "states.scopeExample": "e.g. department=department",
  "states.badScope": "write key=CEL, key=CEL",
  "states.isFinal": (p) => `State ${p.key} is final`,
  "states.remove": (p) => `Remove state ${p.key}`,
  "states.more": (p) => `+${p.n} more in the JSON tab`,
  "states.badKey": "a key is letters, digits and underscores",
  "states.exists": (p) => `there is a state ${p.key} already`,
  "states.newLabel": "New state",

  "transitions.hint": "Transitions with the same action from the same state form a gateway: the first whose condition "
    + "holds wins, so the one without a condition goes last. Conditions are CEL over the form's fields, e.g. ",
  "transitions.hintEnd": ".",
  "transitions.caption": "Transitions",
  "transitions.order": "Order",
  "transitions.action": "Action",
  "transitions.from": "From (comma-separated)",
  "transitions.to": "To",
  "transitions.roles": "Roles",
  "transitions.condition": "Condition (CEL)",
  "transitions.comment": "Comment required",
  "transitions.add": "+ Add transition",
  "transitions.actionOf": (p) => `Action of transition ${p.n}`,
  "transitions.labelOf": (p) => `Label of transition ${p.n}`,
  "transitions.conditionOf": (p) => `Condition of transition ${p.n}`,
  "transitions.fromOf": (p) => `From states of transition ${p.n}`,
  "transitions.toOf": (p) => `Target state of transition ${p.n}`,
  "transitions.rolesOf": (p) => `Roles of transition ${p.n}`,
  "transitions.rolesPlaceholder": "assignees",
  "transitions.commentOf": (p) => `transition ${p.n} requires a comment`,
  "transitions.up": (p) => `Move transition ${p.n} up`,
  "transitions.down": (p) => `Move transition ${p.n} down`,
  "transitions.remove": (p) => `Remove transition ${p.n}`,
  "transitions.creatorOnly": "creator only",
  "transitions.automatic": "automatic",
  "transitions.always": "always",
  "transitions.moved": (p) => `Transition moved to position ${p.n}.`,
  "transitions.newLabel": "New action",

  "json.hint": "The definition as JSON, kept in sync with the editors; valid JSON typed here updates them.",
  "json.schema": "JSON Schema",
  "json.ui": "UI schema",
  "json.workflow": "Workflow",
  "json.permissions": "Permissions",
  "json.invalid": (p) => `Not valid JSON yet: ${p.message}. The editors keep the last valid version.`,
  "json.notObject": "Must be a JSON object { … }.",

  "versions.published": "Published versions",
  "versions.compare": "Compare two versions",
  "versions.from": "From",
  "versions.to": "to",
  "versions.showDiff": "Show differences",
  "versions.older": "Documents on older versions",
  "versions.olderHint": "Documents stay on the version they started with. Move chosen running documents to the "
    + "current version; a document whose state the current version lacks is refused.",
  "versions.notPublished": "Not published yet.",
  "versions.version": "Version",
  "versions.publishedAt": "Published",
  "versions.documents": "Documents",
  "diff.fields": "Fields",
  "diff.states": "States",
  "diff.transitions": "Transitions",
  "diff.parameters": "Parameters",
  "diff.settings": "Settings",
  "diff.required": ", required",
  "diff.when": (p) => ` when ${p.when}`,
  "diff.ui": "The UI schema (layout) changed.",
  "diff.none": "No differences.",
  "migration.allCurrent": (p) => `Every document is on version ${p.version}.`,
  "migration.select": (p) => `Select ${p.number}`,
  "migration.move": (p) => `Move selected to version ${p.version}`,
  "migration.selectFirst": "Select the documents to move first.",
  "migration.done": (p) => `${p.moved} of ${p.total} document(s) moved to version ${p.version}.`,
  "migration.caption": "Documents on older versions",
  "migration.moveCol": "Move",
  "migration.number": "Number",
  "migration.state": "State",
  "migration.createdBy": "Created by",
  "migration.outcome": "Outcome",

  "aside.label": "Checks and preview",
  "checker.title": "Checker",
  "checker.ok": "✓ No problems: this definition can be published.",
  "checker.count": (p) => `${p.n} problem${p.n === 1 ? "" : "s"}`,
  "checker.toFix": (p) => `${p.n} problem${p.n === 1 ? "" : "s"} to fix before publishing`,
  "checker.position": (p) => ` (line ${p.line}, column ${p.column})`,
  "checker.definition": "definition",
  "checker.failed": (p) => `The checker could not run: ${p.message}`,
  "preview.label": "Preview",
  "preview.form": "Form preview",
  "preview.circuit": "Circuit",
  "preview.stale": (p) => `${p.message} (showing the last good one)`,
  "preview.actualSize": "Actual size",
  "preview.diagram": "Workflow diagram",

  "starter.title": "Title",
  "starter.draft": "Draft",
  "starter.review": "Review",
  "starter.approved": "Approved",
  "starter.rejected": "Rejected",
  "starter.submit": "Submit",
  "starter.approve": "Approve",
  "starter.reject": "Reject",
};

const fr = {
  "page.title": "Concepteur · Parapheur",
  "page.skip": "Aller à l'éditeur",
  "page.brand": "Concepteur",
  "page.nav": "Administration",
  "page.backOffice": "Administration",
  "page.portal": "Portail",
  "page.language": "Langue",
  "login.logout": "Se déconnecter",
  "login.title": "Connexion au concepteur",
  "login.adminsOnly": "Réservé aux administrateurs.",
  "login.username": "Identifiant",
  "login.password": "Mot de passe",
  "login.submit": "Se connecter",
  "login.notAdmin": (p) => `${p.name} n'est pas administrateur : connectez-vous avec un compte administrateur.`,
  "login.notAdminHere": (p) => `${p.name} n'est pas administrateur : le concepteur est réservé aux administrateurs.`,
  "error.server": (p) => p.message,

  "picker.section": "Type de document",
  "picker.label": "Type de document",
  "picker.open": "Ouvrir",
  "picker.choose": "Choisir…",
  "picker.published": (p) => `${p.name} (${p.key}, v${p.version})`,
  "picker.publishedWithDraft": (p) => `${p.name} (${p.key}, v${p.version}) — brouillon enregistré`,
  "picker.neverPublished": (p) => `${p.name} (${p.key}) — brouillon, jamais publié`,
  "picker.dropChanges": "Abandonner les modifications non enregistrées ?",
  "new.toggle": "Nouveau type de document…",
  "new.key": "Clé",
  "new.keyExample": "ex. travel_request",
  "new.name": "Nom",
  "new.nameExample": "ex. Demande de déplacement",
  "new.prefix": "Préfixe de numéro",
  "new.prefixExample": "ex. DD",
  "new.create": "Créer",
  "new.badKey": "La clé est faite de lettres, chiffres et tirets bas, et commence par une lettre.",
  "new.exists": (p) => `${p.key} existe déjà : ouvrez-le.`,
  "new.created": (p) => `${p.name} : nouveau type, pas encore enregistré.`,
  "empty": "Ouvrez un type de document ou créez-en un.",

  "open.opening": (p) => `Ouverture de ${p.key}…`,
  "open.missing": (p) => `Aucun type de document ${p.key}.`,
  "open.draft": "Brouillon enregistré ouvert.",
  "open.published": (p) => `Définition publiée ouverte (version ${p.version}).`,
  "head.name": "Nom",
  "head.category": "Catégorie",
  "head.prefix": "Préfixe de numéro",
  "head.save": "Enregistrer le brouillon",
  "head.publish": "Publier…",
  "badge.dirty": "Modifications non enregistrées",
  "badge.draft": "Brouillon enregistré, non publié",
  "badge.new": "Nouveau, non enregistré",
  "badge.published": (p) => `Version ${p.version} publiée`,
  "save.done": (p) => `Brouillon enregistré à ${p.time}.`,
  "publish.rejected": (p) => `Non publié : ${p.message} Voir les problèmes à côté de chaque élément.`,
  "publish.done": (p) => `Version ${p.version} de ${p.key} publiée. Les nouveaux documents l'utilisent ; `
    + "ceux en cours gardent la leur.",

  "tabs.definition": "Définition",
  "tabs.parts": "Parties de la définition",
  "tabs.fields": "Champs",
  "tabs.states": "États",
  "tabs.transitions": "Transitions",
  "tabs.json": "JSON",
  "tabs.versions": "Versions",
  "col.actions": "Actions",
  "col.key": "Clé",
  "col.label": "Libellé",
  "remove": "Supprimer",

  "fields.hint": "Champs de premier niveau du formulaire. Les listes (lignes) et les objets se modifient dans "
    + "l'onglet JSON.",
  "fields.caption": "Champs",
  "fields.name": "Nom",
  "fields.type": "Type",
  "fields.required": "Obligatoire",
  "fields.catalog": "Catalogue",
  "fields.values": "Valeurs (séparées par des virgules)",
  "fields.add": "+ Ajouter un champ",
  "fields.nameOf": (p) => `Nom du champ ${p.n}`,
  "fields.typeOf": (p) => `Type de ${p.name}`,
  "fields.otherType": (p) => `${p.type} (onglet JSON)`,
  "fields.labelOf": (p) => `Libellé de ${p.name}`,
  "fields.isRequired": (p) => `${p.name} est obligatoire`,
  "fields.catalogOf": (p) => `Catalogue de ${p.name}`,
  "fields.catalogExample": "ex. suppliers",
  "fields.valuesOf": (p) => `Valeurs de ${p.name}`,
  "fields.anyValue": "toute valeur",
  "fields.remove": (p) => `Supprimer le champ ${p.name}`,
  "fields.computed": "calculé",
  "fields.badName": "un nom est fait de lettres, chiffres et tirets bas, sans chiffre au début",
  "fields.exists": (p) => `il y a déjà un champ ${p.name}`,
  "fields.newTitle": "Nouveau champ",
  "fields.added": (p) => `Champ ${p.name} ajouté à la fin du formulaire.`,
  "fields.removed": (p) => `Champ ${p.name} supprimé, avec ses contrôles.`,
  "type.string": "texte",
  "type.number": "nombre",
  "type.integer": "entier",
  "type.boolean": "oui/non",
  "type.date": "date",

  "states.initial": "État initial",
  "states.roles": "Rôles de ce circuit",
  "states.commaSeparated": "séparés par des virgules",
  "states.caption": "États",
  "states.assignee": "Rôle assigné",
  "states.scope": "Périmètre (clé=CEL)",
  "states.final": "Final",
  "states.add": "+ Ajouter un état",
  "states.creator": "le créateur du document",
  "states.keyOf": (p) => `Clé de l'état ${p.n}`,
  "states.labelOf": (p) => `Libellé de l'état ${p.key}`,
  "states.assigneeOf": (p) => `Rôle assigné de l'état ${p.key}`,
  "states.scopeOf": (p) => `Périmètre de l'état ${p.key}`,
  "states.scopeExample": "ex. department=department",
  "states.badScope": "écrivez clé=CEL, clé=CEL",
  "states.isFinal": (p) => `L'état ${p.key} est final`,
  "states.remove": (p) => `Supprimer l'état ${p.key}`,
  "states.more": (p) => `+${p.n} de plus dans l'onglet JSON`,
  "states.badKey": "une clé est faite de lettres, chiffres et tirets bas",
  "states.exists": (p) => `il y a déjà un état ${p.key}`,
  "states.newLabel": "Nouvel état",

  "transitions.hint": "Les transitions de même action depuis le même état forment une passerelle : la première dont "
    + "la condition est vraie l'emporte, celle sans condition vient donc en dernier. Les conditions sont en CEL sur "
    + "les champs du formulaire, par ex. ",
  "transitions.hintEnd": ".",
  "transitions.caption": "Transitions",
  "transitions.order": "Ordre",
  "transitions.action": "Action",
  "transitions.from": "Depuis (séparés par des virgules)",
  "transitions.to": "Vers",
  "transitions.roles": "Rôles",
  "transitions.condition": "Condition (CEL)",
  "transitions.comment": "Commentaire obligatoire",
  "transitions.add": "+ Ajouter une transition",
  "transitions.actionOf": (p) => `Action de la transition ${p.n}`,
  "transitions.labelOf": (p) => `Libellé de la transition ${p.n}`,
  "transitions.conditionOf": (p) => `Condition de la transition ${p.n}`,
  "transitions.fromOf": (p) => `États de départ de la transition ${p.n}`,
  "transitions.toOf": (p) => `État d'arrivée de la transition ${p.n}`,
  "transitions.rolesOf": (p) => `Rôles de la transition ${p.n}`,
  "transitions.rolesPlaceholder": "assignés",
  "transitions.commentOf": (p) => `la transition ${p.n} exige un commentaire`,
  "transitions.up": (p) => `Monter la transition ${p.n}`,
  "transitions.down": (p) => `Descendre la transition ${p.n}`,
  "transitions.remove": (p) => `Supprimer la transition ${p.n}`,
  "transitions.creatorOnly": "créateur seulement",
  "transitions.automatic": "automatique",
  "transitions.always": "toujours",
  "transitions.moved": (p) => `Transition déplacée en position ${p.n}.`,
  "transitions.newLabel": "Nouvelle action",

  "json.hint": "La définition en JSON, synchronisée avec les éditeurs ; un JSON valide saisi ici les met à jour.",
  "json.schema": "JSON Schema",
  "json.ui": "Schéma d'interface",
  "json.workflow": "Circuit",
  "json.permissions": "Permissions",
  "json.invalid": (p) => `JSON pas encore valide : ${p.message}. Les éditeurs gardent la dernière version valide.`,
  "json.notObject": "Doit être un objet JSON { … }.",

  "versions.published": "Versions publiées",
  "versions.compare": "Comparer deux versions",
  "versions.from": "De",
  "versions.to": "à",
  "versions.showDiff": "Afficher les différences",
  "versions.older": "Documents sur d'anciennes versions",
  "versions.olderHint": "Les documents restent sur la version avec laquelle ils ont commencé. Déplacez les documents "
    + "en cours choisis vers la version actuelle ; un document dont l'état manque à la version actuelle est refusé.",
  "versions.notPublished": "Pas encore publié.",
  "versions.version": "Version",
  "versions.publishedAt": "Publiée le",
  "versions.documents": "Documents",
  "diff.fields": "Champs",
  "diff.states": "États",
  "diff.transitions": "Transitions",
  "diff.parameters": "Paramètres",
  "diff.settings": "Réglages",
  "diff.required": ", obligatoire",
  "diff.when": (p) => ` si ${p.when}`,
  "diff.ui": "Le schéma d'interface (mise en page) a changé.",
  "diff.none": "Aucune différence.",
  "migration.allCurrent": (p) => `Tous les documents sont en version ${p.version}.`,
  "migration.select": (p) => `Sélectionner ${p.number}`,
  "migration.move": (p) => `Déplacer la sélection vers la version ${p.version}`,
  "migration.selectFirst": "Sélectionnez d'abord les documents à déplacer.",
  "migration.done": (p) => `${p.moved} document(s) sur ${p.total} déplacé(s) vers la version ${p.version}.`,
  "migration.caption": "Documents sur d'anciennes versions",
  "migration.moveCol": "Déplacer",
  "migration.number": "Numéro",
  "migration.state": "État",
  "migration.createdBy": "Créé par",
  "migration.outcome": "Résultat",

  "aside.label": "Vérifications et aperçu",
  "checker.title": "Vérificateur",
  "checker.ok": "✓ Aucun problème : cette définition peut être publiée.",
  "checker.count": (p) => `${p.n} problème${p.n > 1 ? "s" : ""}`,
  "checker.toFix": (p) => `${p.n} problème${p.n > 1 ? "s" : ""} à corriger avant publication`,
  "checker.position": (p) => ` (ligne ${p.line}, colonne ${p.column})`,
  "checker.definition": "définition",
  "checker.failed": (p) => `Le vérificateur n'a pas pu s'exécuter : ${p.message}`,
  "preview.label": "Aperçu",
  "preview.form": "Aperçu du formulaire",
  "preview.circuit": "Circuit",
  "preview.stale": (p) => `${p.message} (dernier aperçu valide affiché)`,
  "preview.actualSize": "Taille réelle",
  "preview.diagram": "Schéma du circuit",

  "starter.title": "Titre",
  "starter.draft": "Brouillon",
  "starter.review": "Examen",
  "starter.approved": "Approuvé",
  "starter.rejected": "Refusé",
  "starter.submit": "Soumettre",
  "starter.approve": "Approuver",
  "starter.reject": "Refuser",
};

const TEXTS = { en, fr };
export const LANGUAGES = Object.keys(TEXTS);
const ATTRIBUTES = ["aria-label", "placeholder"];

for (const [name, texts] of Object.entries(TEXTS)) { // a missing text shows in the browser tests' console check
  const missing = Object.keys(en).filter((key) => !(key in texts));
  if (missing.length) console.error(`designer-i18n: no ${name} text for ${missing.join(", ")}`);
}

/** `fr-CA` -> "fr"; null when the designer has no such language. */
function supported(tag) {
  const base = (tag || "").toLowerCase().split("-")[0];
  return LANGUAGES.includes(base) ? base : null;
}

/** The first language the designer has among ?lang=, the back-office's choice and the browser's; else English. */
function initialLanguage() {
  let stored = null;
  try { stored = localStorage.getItem(PICCOLO_ADMIN_LANGUAGE); } catch { /* storage may be disabled */ }
  return supported(new URLSearchParams(location.search).get("lang")) ?? supported(stored)
    ?? supported(navigator.language) ?? "en";
}

let current = initialLanguage();

export const language = () => current;

export function t(key, params = {}) {
  const text = TEXTS[current][key];
  if (text === undefined) {
    console.error(`designer-i18n: no ${current} text for ${key}`);
    return key;
  }
  return typeof text === "function" ? text(params) : text;
}

/** Show a message in `el`, translated again when the language changes; no key empties it. */
export function write(el, key, params = {}) {
  if (!key) {
    delete el.dataset.i18n; delete el.dataset.i18nParams;
    el.textContent = "";
    return;
  }
  el.dataset.i18n = key;
  el.dataset.i18nParams = JSON.stringify(params);
  el.textContent = t(key, params);
}

/** Translate every marked text and attribute of the page, and the page's own language and title. */
export function translatePage() {
  document.documentElement.lang = current;
  document.title = t("page.title");
  for (const el of document.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n, el.dataset.i18nParams ? JSON.parse(el.dataset.i18nParams) : {});
  }
  for (const attribute of ATTRIBUTES) {
    for (const el of document.querySelectorAll(`[data-i18n-${attribute}]`)) {
      el.setAttribute(attribute, t(el.getAttribute(`data-i18n-${attribute}`)));
    }
  }
  for (const button of document.querySelectorAll("[data-language]")) {
    button.setAttribute("aria-pressed", String(button.dataset.language === current));
  }
}

/** Switch language and keep it in the address (?lang=), so a reload or a shared link keeps it too. */
export function setLanguage(name) {
  current = supported(name) ?? "en";
  const url = new URL(location.href);
  url.searchParams.set("lang", current);
  history.replaceState(history.state, "", url);
  translatePage();
}
