// The side panel's content: an entity's fields and the findings on it.
// Registry text only ever goes into the page as text nodes (textContent, never innerHTML).

/** Create an element; string children become text nodes. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") element.className = value;
    else if (typeof value === "function") element.addEventListener(name.replace(/^on/, ""), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export const KIND_PATHS = {
  organisation: "organisations",
  activity: "activities",
  system: "systems",
  party: "parties",
  flow: "flows",
};

export const KIND_LABELS = {
  organisation: "Organisation",
  activity: "Activity",
  system: "System",
  party: "Party",
  flow: "Flow",
};

// Fields whose values are keys of another entity: shown as buttons that open it.
const REFERENCE_FIELDS = {
  organisation: "organisation",
  operator: "party",
  sub_processor_of: "party",
  activity: "activity",
  recipients: "party",
  joint_controllers: "party",
  sub_processors: "party",
  systems: "system",
  source: null, // already written kind:key
  target: null,
};
const CATEGORY_FIELDS = new Set(["data_categories", "data_category"]);
const HIDDEN_FIELDS = new Set(["key", "name"]);

const ACRONYMS = {
  dpf: "DPF",
  dpia: "DPIA",
  dpo: "DPO",
  lia: "LIA",
  id: "ID",
  url: "URL",
  art9: "Art 9",
  eea: "EEA",
};

export function fieldLabel(name) {
  const words = name.split("_").map((word) => ACRONYMS[word] || word);
  const text = words.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Render an entity's fields as a definition list.
 * `context` gives: open(ref) to show another entity, nameOf(ref), categoryLabel(key).
 */
export function renderFields(entity, context) {
  const list = h("dl", { class: "fields" });
  for (const [name, value] of Object.entries(entity)) {
    if (HIDDEN_FIELDS.has(name)) continue;
    list.append(h("dt", {}, fieldLabel(name)), h("dd", {}, renderValue(value, name, context)));
  }
  return list;
}

function referenceButton(ref, context) {
  const name = context.nameOf(ref);
  const label = name && name !== ref ? `${name} (${ref})` : ref;
  return h(
    "button",
    { type: "button", class: "link", "data-ref": ref, onclick: () => context.open(ref) },
    label,
  );
}

function renderValue(value, field, context) {
  if (value === null || value === undefined || value === "") {
    return h("span", { class: "muted" }, "—");
  }
  if (Array.isArray(value)) {
    if (!value.length) return h("span", { class: "muted" }, "none");
    return h(
      "ul",
      { class: "values" },
      value.map((item) => h("li", {}, renderValue(item, field, context))),
    );
  }
  if (typeof value === "object") {
    const list = h("dl", { class: "fields nested" });
    for (const [name, inner] of Object.entries(value)) {
      list.append(h("dt", {}, fieldLabel(name)), h("dd", {}, renderValue(inner, name, context)));
    }
    return list;
  }
  if (typeof value === "boolean") return value ? "yes" : "no";
  const text = String(value);
  if (field in REFERENCE_FIELDS && typeof value === "string") {
    const kind = REFERENCE_FIELDS[field];
    if (kind) return referenceButton(`${kind}:${text}`, context);
    if (/^(system|party):/.test(text)) return referenceButton(text, context);
  }
  if (CATEGORY_FIELDS.has(field)) {
    const label = context.categoryLabel(text);
    return label && label !== text ? `${label} (${text})` : text;
  }
  return text;
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 };

/** The findings on some entities, most severe first; waived ones last. */
export function renderFindings(findings, emptyText = "No findings on this entity.") {
  const section = h("section", { class: "findings", "aria-labelledby": "findings-title" });
  if (findings === null) {
    section.append(
      h("h3", { id: "findings-title" }, "Findings"),
      h("p", { class: "error" }, "The findings could not be loaded; try again later."),
    );
    return section;
  }
  const open = findings.filter((finding) => !finding.waived).length;
  section.append(
    h(
      "h3",
      { id: "findings-title" },
      `Findings (${findings.length}${findings.length !== open ? `, ${open} open` : ""})`,
    ),
  );
  if (!findings.length) {
    section.append(h("p", { class: "muted" }, emptyText));
    return section;
  }
  const sorted = [...findings].sort(
    (a, b) =>
      Number(a.waived) - Number(b.waived) ||
      (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9) ||
      a.rule.localeCompare(b.rule),
  );
  const list = h("ul", { class: "finding-list" });
  for (const finding of sorted) {
    const waiver = finding.waiver;
    list.append(
      h(
        "li",
        { class: `finding severity-${finding.severity}${finding.waived ? " waived" : ""}` },
        h(
          "p",
          { class: "finding-head" },
          h("span", { class: `badge ${finding.severity}` }, finding.severity),
          " ",
          h("strong", { class: "rule" }, finding.rule),
          finding.article ? h("span", { class: "muted" }, ` · ${finding.article}`) : null,
          finding.waived ? h("span", { class: "badge waived" }, "waived") : null,
        ),
        finding.title ? h("p", { class: "finding-title" }, finding.title) : null,
        h("p", { class: "message" }, finding.message),
        finding.remedy
          ? h("p", { class: "remedy" }, h("span", { class: "label" }, "Remedy: "), finding.remedy)
          : null,
        waiver
          ? h("p", { class: "waiver" }, h("span", { class: "label" }, "Waiver: "), waiverText(waiver))
          : null,
        finding.entity ? h("p", { class: "muted small" }, `On ${finding.entity}`) : null,
      ),
    );
  }
  section.append(list);
  return section;
}

function waiverText(waiver) {
  if (typeof waiver !== "object") return String(waiver);
  const parts = [];
  if (waiver.reason) parts.push(waiver.reason);
  if (waiver.accepted_by) parts.push(`accepted by ${waiver.accepted_by}`);
  if (waiver.expires_on) parts.push(`until ${waiver.expires_on}`);
  if (waiver.expired) parts.push("(expired)");
  return parts.join(" · ") || JSON.stringify(waiver);
}
