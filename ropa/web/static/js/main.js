// The architects' viewer: pick an organisation and a view, see the data-flow diagram, click a
// node or an edge for its details and findings, search, download.

import {
  ApiError,
  Unauthorised,
  fileName,
  forgetToken,
  get,
  listAll,
  setToken,
  token,
  total,
} from "./api.js";
import {
  PanZoom,
  attachPanZoom,
  describe,
  labelOf,
  parseSvg,
  titleOf,
  widenEdge,
} from "./diagram.js";
import { KIND_LABELS, KIND_PATHS, h, renderFields, renderFindings } from "./panel.js";

const LARGE = 150; // more systems than this: collapsed detail by default
const MAX_LISTED = 200; // members listed for an aggregated edge or collapsed node
const VIEWS_NEEDING = { activity: "activity", category: "category", party: "party" };

const $ = (id) => document.getElementById(id);
const ui = {
  login: $("login"),
  loginForm: $("login-form"),
  loginMessage: $("login-message"),
  tokenInput: $("token-input"),
  controls: $("controls"),
  organisation: $("organisation-select"),
  view: $("view-select"),
  activity: $("activity-select"),
  category: $("category-select"),
  party: $("party-select"),
  detail: $("detail-select"),
  detailNote: $("detail-note"),
  profile: $("profile-select"),
  searchForm: $("search-form"),
  searchInput: $("search-input"),
  searchResult: $("search-result"),
  stage: $("stage"),
  diagram: $("diagram"),
  status: $("status"),
  panel: $("panel"),
  panelTitle: $("panel-title"),
  panelKind: $("panel-kind"),
  panelBody: $("panel-body"),
  panelClose: $("panel-close"),
  forget: $("forget-token"),
};

const state = {
  organisation: "",
  view: "organisation",
  activity: "",
  category: "",
  party: "",
  detail: "",
  detailChosen: false, // the architect chose the detail level for this organisation
  systems: 0,
  activities: [],
};

const names = new Map(); // "kind:key" -> display name, from what has been loaded
let vocabulary = null; // Promise of { key: label } for data categories
let findingsOf = new Map(); // organisation -> Promise of findings
let panZoom = null;
let orgLoad = null; // AbortControllers of the requests a newer one supersedes
let diagramLoad = null;
let detailsLoad = null;
let openedFrom = null; // the diagram element whose details the panel shows
let search = { query: "", hits: [], index: -1 };

// --- errors and the token ----------------------------------------------------------------

function aborted(error) {
  return error && error.name === "AbortError";
}

function setStatus(text, kind = "info") {
  ui.status.textContent = text;
  ui.status.dataset.kind = kind;
}

function setBusy(busy, text = "") {
  ui.stage.classList.toggle("loading", busy);
  ui.diagram.setAttribute("aria-busy", busy ? "true" : "false");
  if (busy) setStatus(text || "Loading…", "busy");
}

/** Show an error where it belongs; a refused token brings the prompt back. */
function fail(error) {
  if (aborted(error)) return;
  if (error instanceof Unauthorised) {
    forgetToken();
    showLogin(`The service refused the token (${error.message}). Enter a valid token.`);
    return;
  }
  if (error instanceof ApiError && error.status === 403) {
    setStatus(
      `Not allowed with this token: ${error.message}. The architect role is enough.`,
      "error",
    );
    return;
  }
  setStatus(error instanceof Error ? error.message : String(error), "error");
}

function showLogin(message = "") {
  ui.loginMessage.textContent = message;
  ui.loginMessage.hidden = !message;
  if (!ui.login.open) ui.login.showModal();
  ui.tokenInput.focus();
}

async function submitToken(event) {
  event.preventDefault();
  const value = ui.tokenInput.value.trim();
  if (!value) {
    showLogin("Enter a token.");
    return;
  }
  setToken(value);
  try {
    await get("organisations", { limit: 1 });
  } catch (error) {
    forgetToken();
    if (error instanceof Unauthorised) {
      showLogin("That token was refused: it is unknown or revoked. Check it and try again.");
    } else if (error instanceof ApiError && error.status === 403) {
      showLogin(
        `This token may not read the registry (${error.message}). ` +
          "Use an architect, DPO or admin token.",
      );
    } else {
      showLogin(`The service could not be reached: ${error.message}`);
    }
    return;
  }
  ui.tokenInput.value = "";
  ui.login.close();
  await loadOrganisations();
}

// --- the address bar keeps the choice, so that a reload or a shared link shows the same view ---

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  for (const name of ["organisation", "view", "activity", "category", "party"]) {
    if (params.get(name)) state[name] = params.get(name);
  }
  const detail = params.get("detail");
  if ([...ui.detail.options].some((option) => option.value === detail)) {
    state.detail = detail;
    state.detailChosen = true;
  }
}

function writeHash() {
  const params = new URLSearchParams();
  params.set("organisation", state.organisation);
  params.set("view", state.view);
  const needed = VIEWS_NEEDING[state.view];
  if (needed && state[needed]) params.set(needed, state[needed]);
  if (state.detailChosen) params.set("detail", state.detail);
  history.replaceState(null, "", `#${params}`);
}

// --- organisation and pickers -----------------------------------------------------------------

function fillSelect(select, items, chosen) {
  const options = items.map(([value, text]) => new Option(text, value, false, value === chosen));
  if (!options.length) {
    const none = new Option("none recorded", "");
    none.disabled = true;
    options.push(none);
  }
  select.replaceChildren(...options);
  if (!items.some(([value]) => value === chosen) && items.length) select.value = items[0][0];
  return select.value;
}

function byName(a, b) {
  return a[1].localeCompare(b[1], undefined, { sensitivity: "base" }) || a[0].localeCompare(b[0]);
}

async function loadVocabulary(signal) {
  const [builtin, terms] = await Promise.all([
    get("vocabularies", {}, { signal }),
    listAll("terms", { vocabulary: "data_category" }, { signal }).catch(() => []),
  ]);
  const labels = {};
  for (const [key, entry] of Object.entries(builtin.data_categories || {})) {
    labels[key] = entry.label || key;
  }
  for (const term of terms) labels[term.key] = term.label || term.key;
  return labels;
}

async function loadOrganisations() {
  orgLoad?.abort();
  const controller = (orgLoad = new AbortController());
  setBusy(true, "Loading organisations…");
  try {
    const organisations = await listAll("organisations", {}, { signal: controller.signal });
    for (const org of organisations) names.set(`organisation:${org.key}`, org.name || org.key);
    state.organisation = fillSelect(
      ui.organisation,
      organisations.map((org) => [org.key, org.name || org.key]).sort(byName),
      state.organisation,
    );
    if (!organisations.length) {
      setBusy(false);
      setStatus("The registry has no organisation yet: import a registry document first.", "error");
      return;
    }
    await selectOrganisation(controller);
  } catch (error) {
    setBusy(false);
    fail(error);
  }
}

async function selectOrganisation(controller = null) {
  if (!controller) {
    orgLoad?.abort();
    controller = orgLoad = new AbortController();
  }
  const { signal } = controller;
  const organisation = state.organisation;
  diagramLoad?.abort();
  setBusy(true, "Loading the organisation’s activities and parties…");
  vocabulary ??= loadVocabulary();
  vocabulary.catch(() => (vocabulary = null));
  const scope = { organisation };
  let activities, parties, systems, labels;
  try {
    [activities, parties, systems, labels] = await Promise.all([
      listAll("activities", scope, { signal }),
      listAll("parties", scope, { signal }),
      total("systems", scope, { signal }),
      vocabulary,
    ]);
  } catch (error) {
    if (controller !== orgLoad) return;
    setBusy(false);
    fail(error);
    return;
  }
  if (controller !== orgLoad || organisation !== state.organisation) return;
  state.activities = activities;
  state.systems = systems;
  for (const activity of activities) {
    names.set(`activity:${activity.key}`, activity.name || activity.key);
  }
  for (const party of parties) names.set(`party:${party.key}`, party.name || party.key);
  state.activity = fillSelect(
    ui.activity,
    activities.map((a) => [a.key, a.name || a.key]).sort(byName),
    state.activity,
  );
  state.party = fillSelect(
    ui.party,
    parties.map((p) => [p.key, p.name || p.key]).sort(byName),
    state.party,
  );
  const categories = new Set(activities.flatMap((a) => a.data_categories || []));
  state.category = fillSelect(
    ui.category,
    [...categories].map((key) => [key, labels[key] || key]).sort(byName),
    state.category,
  );
  await renderDiagram();
}

function showPickers() {
  for (const name of Object.values(VIEWS_NEEDING)) {
    $(`${name}-field`).hidden = VIEWS_NEEDING[state.view] !== name;
  }
}

/** Collapsed detail for a large organisation (or a large activity), unless chosen. */
function applyDefaultDetail() {
  let size = state.systems;
  if (state.view === "activity") {
    const activity = state.activities.find((a) => a.key === state.activity);
    size = activity ? (activity.systems || []).length : 0;
  }
  if (!state.detailChosen) state.detail = size > LARGE ? "cluster" : "full";
  ui.detail.value = state.detail;
  ui.detailNote.textContent =
    state.systems > LARGE
      ? `${state.systems.toLocaleString()} systems: collapsed detail is the default; ` +
        "“Every system” may take a while."
      : "";
}

function diagramParams() {
  const params = { organisation: state.organisation, detail: state.detail };
  const needed = VIEWS_NEEDING[state.view];
  if (needed) params[needed] = state[needed];
  return params;
}

// --- the diagram ------------------------------------------------------------------------------

async function renderDiagram() {
  showPickers();
  applyDefaultDetail();
  writeHash();
  diagramLoad?.abort();
  const controller = (diagramLoad = new AbortController());
  const needed = VIEWS_NEEDING[state.view];
  if (needed && !state[needed]) {
    setBusy(false);
    ui.diagram.replaceChildren();
    panZoom = null;
    setStatus(`This organisation has no ${needed} to show.`, "error");
    return;
  }
  setBusy(true, "Loading the diagram…");
  try {
    const text = await get(`diagrams/${state.view}.svg`, diagramParams(), {
      signal: controller.signal,
      as: "text",
    });
    if (controller !== diagramLoad) return;
    showSvg(parseSvg(text));
    setBusy(false);
    const nodes = ui.diagram.querySelectorAll("g.node.pickable").length;
    const edges = ui.diagram.querySelectorAll("g.edge.pickable").length;
    setStatus(`${nodes} nodes and ${edges} edges. Drag to pan, wheel to zoom, click for details.`);
    if (search.query) runSearch(search.query, { centre: false });
    // Fetched now, once the diagram is up, so that a click finds them ready.
    organisationFindings(state.organisation).catch(() => {});
  } catch (error) {
    if (controller !== diagramLoad) return;
    setBusy(false);
    fail(error);
  }
}

function showSvg(svg) {
  svg.classList.add("drawing");
  svg.setAttribute("role", "group");
  svg.setAttribute("aria-label", "Data-flow diagram");
  for (const group of svg.querySelectorAll("g.node, g.edge")) {
    const info = describe(group);
    if (!info.refs.length) continue;
    group.classList.add("pickable");
    group.dataset.ref = info.refs[0];
    group.dataset.refs = info.refs.join(" ");
    if (info.more) group.dataset.more = String(info.more);
    group.setAttribute("tabindex", "0");
    group.setAttribute("role", "button");
    const count = info.refs.length + info.more;
    let kind = KIND_LABELS[info.refs[0].split(":")[0]] || "Node";
    if (group.classList.contains("edge")) kind = info.single ? "Flow" : `${count} flows`;
    else if (!info.single) kind = `Group of ${count}`;
    const label = labelOf(group);
    group.setAttribute("aria-label", `${kind}: ${label || info.refs.join(", ")}`);
    if (group.classList.contains("edge")) widenEdge(group);
  }
  ui.diagram.replaceChildren(svg);
  panZoom = new PanZoom(svg, ui.diagram);
  search.hits = [];
}

function groupFor(ref) {
  return [...ui.diagram.querySelectorAll("g.pickable")].find((group) =>
    group.dataset.refs.split(" ").includes(ref),
  );
}

function markSelected(group) {
  for (const old of ui.diagram.querySelectorAll("g.selected")) old.classList.remove("selected");
  group?.classList.add("selected");
}

function pick(group) {
  const refs = group.dataset.refs.split(" ");
  const info = describe(group);
  openedFrom = group;
  markSelected(group);
  if (info.single) showEntity(refs[0]);
  else showGroup(group, refs, info.more);
}

// --- the side panel ---------------------------------------------------------------------------

function nameOf(ref) {
  return names.get(ref) || null;
}

async function categoryLabels() {
  try {
    return (await vocabulary) || {};
  } catch {
    return {};
  }
}

/** Put names on the panel's reference buttons that show only a key (a few lookups at most). */
async function resolveNames(signal) {
  const unknown = new Set();
  for (const button of ui.panelBody.querySelectorAll("button[data-ref]")) {
    const ref = button.dataset.ref;
    if (!names.has(ref) && !ref.startsWith("flow:")) unknown.add(ref);
  }
  await Promise.all(
    [...unknown].slice(0, 20).map(async (ref) => {
      const at = ref.indexOf(":");
      const path = KIND_PATHS[ref.slice(0, at)];
      if (!path) return;
      try {
        const key = encodeURIComponent(ref.slice(at + 1));
        const entity = await get(`${path}/${key}`, {}, { signal });
        if (entity.name) names.set(ref, entity.name);
      } catch {
        // the key alone stays on the button
      }
    }),
  );
  if (signal.aborted) return;
  for (const button of ui.panelBody.querySelectorAll("button[data-ref]")) {
    const name = names.get(button.dataset.ref);
    if (name && name !== button.dataset.ref) button.textContent = `${name} (${button.dataset.ref})`;
  }
}

/** Replace the panel's content; absent parts (null) are left out. */
function showInPanel(...parts) {
  ui.panelBody.replaceChildren(...parts.filter((part) => part !== null && part !== undefined));
}

function openPanel(kind, title) {
  ui.panel.hidden = false;
  document.body.classList.add("with-panel");
  ui.panelKind.textContent = kind;
  ui.panelTitle.textContent = title;
  ui.panel.focus();
}

function closePanel() {
  detailsLoad?.abort();
  ui.panel.hidden = true;
  document.body.classList.remove("with-panel");
  markSelected(null);
  const back = openedFrom && openedFrom.isConnected ? openedFrom : ui.diagram;
  openedFrom = null;
  back.focus({ preventScroll: true });
}

/** The organisation's findings, fetched once per organisation (and page load). */
function organisationFindings(organisation) {
  if (!findingsOf.has(organisation)) {
    const pending = get("findings", { organisation }).then((report) => report.findings);
    pending.catch(() => findingsOf.delete(organisation));
    findingsOf.set(organisation, pending);
  }
  return findingsOf.get(organisation);
}

/** The findings on these entities, or null when they could not be had. */
async function findingsFor(refs) {
  let all;
  try {
    all = (await organisationFindings(state.organisation)) || [];
  } catch (error) {
    if (error instanceof Unauthorised) throw error;
    return null;
  }
  const wanted = new Set(refs);
  return all.filter((finding) => wanted.has(finding.entity));
}

function panelContext(labels) {
  return {
    open: (ref) => showEntity(ref),
    nameOf,
    categoryLabel: (key) => labels[key] || null,
  };
}

function showOnDiagram(ref) {
  const group = groupFor(ref);
  if (!group || !panZoom) return null;
  return h(
    "button",
    {
      type: "button",
      class: "secondary",
      onclick: () => {
        markSelected(group);
        panZoom.centreOn(group);
        group.focus({ preventScroll: true });
      },
    },
    "Show on the diagram",
  );
}

async function showEntity(ref) {
  const [kind, key] = [ref.slice(0, ref.indexOf(":")), ref.slice(ref.indexOf(":") + 1)];
  const path = KIND_PATHS[kind];
  if (!path) return;
  detailsLoad?.abort();
  const controller = (detailsLoad = new AbortController());
  openPanel(KIND_LABELS[kind], nameOf(ref) || key);
  ui.panelBody.replaceChildren(h("p", { class: "muted", role: "status" }, "Loading details…"));
  try {
    const [entity, findings, labels] = await Promise.all([
      get(`${path}/${encodeURIComponent(key)}`, {}, { signal: controller.signal }),
      findingsFor([ref]),
      categoryLabels(),
    ]);
    if (controller !== detailsLoad) return;
    if (entity.name) names.set(ref, entity.name);
    ui.panelTitle.textContent = entity.name || (kind === "flow" ? `Flow ${key}` : key);
    showInPanel(
      h("p", { class: "muted key" }, ref),
      showOnDiagram(ref),
      renderFindings(findings),
      h("h3", {}, "Details"),
      renderFields(entity, panelContext(labels)),
    );
    resolveNames(controller.signal);
  } catch (error) {
    if (controller !== detailsLoad || aborted(error)) return;
    if (error instanceof Unauthorised) {
      fail(error);
      return;
    }
    showInPanel(h("p", { class: "error" }, `Could not load ${ref}: ${error.message}`));
  }
}

/** An aggregated edge or a collapsed node: its members, and the findings on any of them. */
async function showGroup(group, refs, more) {
  detailsLoad?.abort();
  const controller = (detailsLoad = new AbortController());
  const isEdge = group.classList.contains("edge");
  const count = refs.length + more;
  openPanel(
    isEdge ? "Aggregated edge" : "Collapsed node",
    isEdge ? `${count} flows` : titleOf(group) || "Collapsed node",
  );
  let findings;
  try {
    findings = await findingsFor(refs);
  } catch (error) {
    fail(error);
    return;
  }
  if (controller !== detailsLoad) return;
  const listed = refs.slice(0, MAX_LISTED);
  const unlisted = count - listed.length;
  const label = labelOf(group);
  showInPanel(
    label ? h("p", { class: "muted" }, label) : null,
    isEdge
      ? null
      : h(
          "p",
          { class: "note" },
          "Several entities drawn as one. Choose the detail “Every system” to see each of them.",
        ),
    renderFindings(
      findings,
      unlisted ? "No findings on the members listed here." : "No findings on these entities.",
    ),
    h("h3", {}, isEdge ? "Flows" : "Members"),
    h(
      "ul",
      { class: "members" },
      listed.map((ref) =>
        h(
          "li",
          {},
          h(
            "button",
            { type: "button", class: "link", "data-ref": ref, onclick: () => showEntity(ref) },
            nameOf(ref) ? `${nameOf(ref)} (${ref})` : ref,
          ),
        ),
      ),
    ),
    unlisted > 0 ? h("p", { class: "muted" }, `and ${unlisted} more not listed`) : null,
  );
  resolveNames(controller.signal);
}

// --- search -----------------------------------------------------------------------------------

function runSearch(query, { centre = true, next = false } = {}) {
  const needle = query.trim().toLowerCase();
  for (const old of ui.diagram.querySelectorAll("g.hit, g.current-hit")) {
    old.classList.remove("hit", "current-hit");
  }
  if (!needle) {
    search = { query: "", hits: [], index: -1 };
    ui.searchResult.textContent = "";
    return;
  }
  const sameQuery = search.query === needle && search.hits.length && search.hits[0].isConnected;
  const hits = [...ui.diagram.querySelectorAll("g.node.pickable")].filter(
    (group) =>
      labelOf(group).toLowerCase().includes(needle) ||
      group.dataset.refs.toLowerCase().includes(needle),
  );
  const index = next && sameQuery ? (search.index + 1) % Math.max(hits.length, 1) : 0;
  search = { query: needle, hits, index };
  for (const group of hits) group.classList.add("hit");
  if (!hits.length) {
    ui.searchResult.textContent = "No node matches.";
    return;
  }
  ui.searchResult.textContent =
    hits.length === 1 ? "1 match." : `${hits.length} matches; Enter for the next.`;
  hits[index].classList.add("current-hit");
  if (centre && panZoom) panZoom.centreOn(hits[index]);
}

// --- downloads --------------------------------------------------------------------------------

async function download(kind, button) {
  const workbook = kind === "xlsx";
  const path = workbook ? "exports/article30.xlsx" : `diagrams/${state.view}.${kind}`;
  const params = workbook
    ? { organisation: state.organisation, profile: ui.profile.value }
    : diagramParams();
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  setStatus(`Preparing the ${workbook ? "Article 30 workbook" : kind.toUpperCase()}…`, "busy");
  try {
    const response = await get(path, params, { as: "response" });
    const blob = await response.blob();
    const name =
      fileName(response.headers.get("content-disposition")) ||
      (workbook ? `article30-${state.organisation}.xlsx` : `${state.view}.${kind}`);
    const url = URL.createObjectURL(blob);
    const link = h("a", { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    setStatus(`Downloaded ${name}.`);
  } catch (error) {
    fail(error);
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

// --- wiring -----------------------------------------------------------------------------------

function wire() {
  document.querySelector(".skip").addEventListener("click", (event) => {
    event.preventDefault(); // the address bar's fragment keeps the view, not a jump target
    ui.diagram.focus();
  });
  ui.loginForm.addEventListener("submit", submitToken);
  ui.login.addEventListener("cancel", (event) => {
    if (!token()) event.preventDefault(); // nothing to show without a token
  });
  ui.forget.addEventListener("click", () => {
    forgetToken();
    diagramLoad?.abort();
    orgLoad?.abort();
    findingsOf = new Map();
    ui.diagram.replaceChildren();
    panZoom = null;
    closePanel();
    showLogin("Token forgotten. Enter a token to continue.");
  });
  ui.controls.addEventListener("submit", (event) => event.preventDefault());
  ui.organisation.addEventListener("change", () => {
    state.organisation = ui.organisation.value;
    state.detailChosen = false;
    selectOrganisation();
  });
  ui.view.addEventListener("change", () => {
    state.view = ui.view.value;
    renderDiagram();
  });
  for (const name of Object.values(VIEWS_NEEDING)) {
    ui[name].addEventListener("change", () => {
      state[name] = ui[name].value;
      renderDiagram();
    });
  }
  ui.detail.addEventListener("change", () => {
    state.detail = ui.detail.value;
    state.detailChosen = true;
    renderDiagram();
  });
  $("zoom-in").addEventListener("click", () => panZoom?.zoom(1.25));
  $("zoom-out").addEventListener("click", () => panZoom?.zoom(0.8));
  $("zoom-fit").addEventListener("click", () => panZoom?.fit());
  attachPanZoom(ui.diagram, () => panZoom);
  ui.diagram.addEventListener("click", (event) => {
    const group = event.target.closest?.("g.pickable");
    if (group && ui.diagram.contains(group)) pick(group);
  });
  ui.diagram.addEventListener("keydown", (event) => {
    const group = event.target.closest?.("g.pickable");
    if (group && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      pick(group);
    }
  });
  ui.diagram.addEventListener("focusin", (event) => {
    const group = event.target.closest?.("g.pickable");
    if (group && panZoom) panZoom.reveal(group);
  });
  ui.panelClose.addEventListener("click", closePanel);
  ui.panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closePanel();
  });
  let typing = null;
  ui.searchInput.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => runSearch(ui.searchInput.value), 250);
  });
  ui.searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(typing);
    runSearch(ui.searchInput.value, { next: true });
  });
  for (const button of document.querySelectorAll("button[data-download]")) {
    button.addEventListener("click", () => download(button.dataset.download, button));
  }
}

function start() {
  wire();
  readHash();
  ui.view.value = state.view;
  if (ui.view.value !== state.view) state.view = ui.view.value = "organisation";
  if (state.detail) ui.detail.value = state.detail;
  if (!token()) {
    showLogin();
    return;
  }
  loadOrganisations();
}

start();
