// The architects' data map: the registry's systems, parties and flows from GET /api/v1/map,
// drawn with Cytoscape.js (vendored under ../vendor/, no CDN). Reduce with filters, expand and
// collapse clusters in place, focus on a node's neighbourhood, trace a data category; every
// choice is kept in the address bar's fragment, so a view can be shared and restored.
// Registry text only ever reaches the page as text (textContent, Cytoscape canvas labels).

import { ApiError, Unauthorised, fileName, forgetToken, get, listAll, setToken, token } from "./api.js";
import { h, renderFindings } from "./panel.js";

/* global cytoscape, cytoscapeFcose */

const LARGE = 150; // more nodes than this: clusters start collapsed
const PAGE = 100; // a cluster holding more nodes than this opens in pages of this many
const EXPAND_ALL = 800; // more nodes than this: "Expand all" leaves the pages collapsed
const MANY_EDGES = 1500; // more edges than this: straight lines, cheaper to draw than curves
const MAX_LISTED = 200;
const COLOURS = {
  ink: "#333333",
  transfer: "#1f77b4",
  problem: "#d62728",
  warning: "#e6550d",
  control: "#8c8c8c",
  finding: "#d62728",
  halo: "#141414",
};
const ZONE_FILLS = { eea: "#e8f5e9", adequate: "#fff8e1", third: "#fdecea", unknown: "#f0f0f0" };
const ROLE_SHAPES = {
  processor: "ellipse",
  sub_processor: "ellipse",
  independent_controller: "octagon",
  joint_controller: "octagon",
  authority: "pentagon",
  "": "diamond",
};
const FILTERS = ["zone", "country", "boundary", "function", "activity", "category", "role"];

const $ = (id) => document.getElementById(id);
const ui = {
  organisation: $("organisation-select"),
  trace: $("trace-select"),
  findings: $("f-findings"),
  internal: $("f-internal"),
  status: $("status"),
  focusNote: $("focus-note"),
  map: $("map"),
  panel: $("panel"),
  panelKind: $("panel-kind"),
  panelTitle: $("panel-title"),
  panelBody: $("panel-body"),
  legendBody: $("legend-body"),
  searchInput: $("search-input"),
  searchResult: $("search-result"),
  login: $("login"),
  loginMessage: $("login-message"),
};

/** What the map shows; mirrored in the fragment. */
const view = {
  organisation: "",
  filters: Object.fromEntries(FILTERS.map((name) => [name, ""])),
  findings: false,
  hideInternal: false,
  trace: "",
  focus: "",
  hops: 1,
  open: null, // Set of expanded cluster ids; null: the default for the map's size
  selected: "",
};

let data = null; // the map JSON
let index = null; // lookups built from it
let cy = null;
let findingsOf = new Map();
let loadController = null;
let searchState = { query: "", hits: [], at: -1 };
let activityText = new Map(); // activity key -> what the activity filter shows
let activityKey = new Map(); // and back
const timings = { fetch: 0, decode: 0, filters: 0, build: 0, layout: 0, draw: 0 };

// --- fragment -----------------------------------------------------------------------------

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  view.organisation = params.get("organisation") || view.organisation;
  for (const name of FILTERS) view.filters[name] = params.get(name) || "";
  view.findings = params.get("findings") === "1";
  view.hideInternal = params.get("internal") === "hide";
  view.trace = params.get("trace") || "";
  view.focus = params.get("focus") || "";
  view.hops = Math.min(3, Math.max(1, Number(params.get("hops")) || 1));
  const open = params.get("open");
  view.open = open === null ? null : new Set(open ? open.split(",") : []);
  view.selected = params.get("select") || "";
}

function writeHash() {
  const params = new URLSearchParams();
  if (view.organisation) params.set("organisation", view.organisation);
  for (const name of FILTERS) if (view.filters[name]) params.set(name, view.filters[name]);
  if (view.findings) params.set("findings", "1");
  if (view.hideInternal) params.set("internal", "hide");
  if (view.trace) params.set("trace", view.trace);
  if (view.focus) {
    params.set("focus", view.focus);
    params.set("hops", String(view.hops));
  }
  if (view.open !== null) params.set("open", [...view.open].map(shortCluster).join(","));
  if (view.selected) params.set("select", view.selected);
  const text = `#${params}`;
  if (location.hash !== text) history.replaceState(null, "", text);
}

// Cluster ids are long; the fragment carries their index in the map's sorted cluster list.
function shortCluster(id) {
  const at = index?.clusterIndex.get(id);
  return at === undefined ? id : `c${at}`;
}

function longCluster(text) {
  if (/^c\d+$/.test(text) && data) return data.clusters[Number(text.slice(1))]?.id || text;
  return text;
}

// --- loading ------------------------------------------------------------------------------

function setStatus(text, kind = "info") {
  ui.status.textContent = text;
  ui.status.dataset.kind = kind;
}

function showLogin(message = "") {
  ui.loginMessage.textContent = message;
  ui.loginMessage.hidden = !message;
  if (!ui.login.open) ui.login.showModal();
  $("token-input").focus();
}

/** A regulator's token opens the records page: regulators receive the record, not the map. */
function regulatorPage() {
  setStatus("This token is a regulator’s: opening the records page…");
  location.assign(new URL("../records/", location.href).href);
}

function isRegulatorRefusal(error) {
  return error instanceof ApiError && error.status === 403 && /regulator/.test(error.message);
}

async function fail(error) {
  if (error && error.name === "AbortError") return;
  if (error instanceof Unauthorised) {
    forgetToken();
    showLogin(`The service refused the token (${error.message}). Enter a valid token.`);
    return;
  }
  if (isRegulatorRefusal(error)) {
    regulatorPage();
    return;
  }
  setStatus(error instanceof Error ? error.message : String(error), "error");
}

async function submitToken(event) {
  event.preventDefault();
  const value = $("token-input").value.trim();
  if (!value) return showLogin("Enter a token.");
  setToken(value);
  try {
    await get("organisations", { limit: 1 });
  } catch (error) {
    if (isRegulatorRefusal(error)) {
      ui.login.close();
      regulatorPage();
      return;
    }
    forgetToken();
    if (error instanceof Unauthorised) showLogin("That token was refused: it is unknown or revoked.");
    else showLogin(`This token may not read the registry: ${error.message}`);
    return;
  }
  $("token-input").value = "";
  ui.login.close();
  await loadOrganisations();
}

async function loadOrganisations() {
  try {
    const organisations = await listAll("organisations");
    const items = organisations
      .map((org) => [org.key, org.name || org.key])
      .sort((a, b) => a[1].localeCompare(b[1]));
    ui.organisation.replaceChildren(...items.map(([key, name]) => new Option(name, key)));
    if (!items.some(([key]) => key === view.organisation)) view.organisation = items[0]?.[0] || "";
    ui.organisation.value = view.organisation;
    if (!view.organisation) {
      setStatus("The registry has no organisation yet.", "error");
      return;
    }
    await loadMap();
  } catch (error) {
    fail(error);
  }
}

async function loadMap() {
  loadController?.abort();
  const controller = (loadController = new AbortController());
  setStatus("Loading the map…", "busy");
  const started = performance.now();
  try {
    const body = await get("map", { organisation: view.organisation }, { signal: controller.signal });
    if (controller !== loadController) return;
    timings.fetch = performance.now() - started;
    useMap(body);
  } catch (error) {
    if (controller === loadController) fail(error);
  }
}

/** Show a map's JSON (also the entry point of the benchmark, which brings its own JSON). */
export function useMap(body) {
  const started = performance.now();
  data = decode(body);
  index = buildIndex(data);
  timings.decode = performance.now() - started;
  if (view.open !== null) view.open = new Set([...view.open].map(longCluster));
  const filling = performance.now();
  fillFilters();
  renderLegend();
  timings.filters = performance.now() - filling;
  render({ fit: true });
  if (view.selected && (index.nodes.has(view.selected) || cy.getElementById(view.selected).nonempty())) {
    select(view.selected);
    openDetails(view.selected);
  }
  organisationFindings().catch(() => {});
}

/**
 * The map's JSON is compact (flows are rows of indexes into its tables; words for types, zones
 * and countries are given once): this makes the objects the page works with, one per node and
 * edge, and splits clusters too large to draw at once into pages.
 */
function decode(body) {
  const legend = body.legend;
  const categories = body.data_categories;
  const countryName = (code) => (code ? body.countries[code] || code : "");
  const activities = body.activities.map(([key, name, business_function = ""]) => ({ key, name, business_function }));
  const clusters = body.clusters.map((cluster) => ({ ...cluster }));
  const nodes = body.nodes.map((node) => {
    const own = (node.activities || []).map((i) => activities[i]);
    const rules = node.findings || [];
    const type = node.type || "";
    return {
      ...node,
      key: node.id.slice(node.id.indexOf(":") + 1),
      type,
      type_label: node.kind === "system" ? legend.kinds[type] || type : legend.roles[type] || type,
      zone_label: legend.zones[node.zone] || node.zone,
      country: node.country || "",
      country_name: countryName(node.country),
      cluster: node.cluster === undefined || node.cluster === null ? null : clusters[node.cluster].id,
      activities: own.map((a) => a.key),
      business_functions: [...new Set(own.map((a) => a.business_function).filter(Boolean))].sort(),
      finding_rules: rules,
      findings: rules.length,
    };
  });
  const places = body.transfers.map((place) => ({
    ...place,
    zone_label: legend.zones[place.zone] || place.zone,
    destination_name: countryName(place.destination),
  }));
  const categoryAt = new Map(categories.map((c, i) => [c.key, i]));
  const context = { activities, categories, categoryAt, places };
  const edges = body.flows.map((row) => new Flow(row, nodes, context));
  for (const [source, target, kind] of body.links) {
    const from = nodes[source].id;
    const to = nodes[target].id;
    edges.push({ id: `${kind}:${from}>${to}`, kind, source: from, target: to, label: legend.controls[kind] || kind });
  }
  paginate(nodes, clusters);
  return { ...body, activities, clusters, nodes, edges };
}

/**
 * Clusters holding more than PAGE nodes of their own get pages of PAGE nodes each, in name order,
 * so that opening a trust boundary of hundreds of systems draws a handful of groups, and each
 * page opens on its own: expansion stays progressive at any size.
 */
function paginate(nodes, clusters) {
  const own = new Map();
  for (const node of nodes) {
    if (!node.cluster) continue;
    if (!own.has(node.cluster)) own.set(node.cluster, []);
    own.get(node.cluster).push(node);
  }
  for (const cluster of clusters.slice()) {
    const members = own.get(cluster.id) || [];
    if (members.length <= PAGE) continue;
    members.sort((a, b) => collator.compare(a.name, b.name) || (a.id < b.id ? -1 : 1));
    for (let start = 0, page = 1; start < members.length; start += PAGE, page++) {
      const part = members.slice(start, start + PAGE);
      const id = `${cluster.id}#page${page}`;
      const first = part[0].name;
      const last = part[part.length - 1].name;
      clusters.push({
        id,
        kind: "page",
        title: `${first} … ${last}`,
        fill: cluster.fill,
        parent: cluster.id,
        page: `${start + 1}–${start + part.length} of ${members.length}`,
      });
      for (const node of part) node.cluster = id;
    }
  }
}

/** One flow of the map: the row's indexes resolved, the words looked up when asked for. */
class Flow {
  constructor([key, source, target, activity, categories, status, internal, transfer, findings], nodes, context) {
    this.id = `flow:${key}`;
    this.key = key;
    this.source = nodes[source].id;
    this.target = nodes[target].id;
    this.act = context.activities[activity];
    this.cats = categories;
    this.status = status;
    this.internal = internal;
    this.place = transfer >= 0 ? context.places[transfer] : null;
    this.findings = findings;
    this.context = context;
  }
  get kind() { return "flow"; }
  get activity() { return this.act.key; }
  get activity_name() { return this.act.name; }
  get business_function() { return this.act.business_function; }
  get data_categories() { return this.cats.map((i) => this.context.categories[i].key); }
  get category_labels() { return this.cats.map((i) => this.context.categories[i].label); }
  get transfer() { return this.place !== null; }
  get zone() { return this.place?.zone || ""; }
  get zone_label() { return this.place?.zone_label || ""; }
  get destination() { return this.place?.destination || ""; }
  get destination_name() { return this.place?.destination_name || ""; }
  get mechanism() { return this.place?.mechanism || ""; }
  get mechanism_title() { return this.place?.mechanism_title || ""; }
  get mechanism_valid() { return this.place?.mechanism_valid; }
  carries(category) { return this.cats.includes(this.context.categoryAt.get(category)); }
}

function flowLabel(edge) {
  const labels = edge.category_labels;
  const lines = [labels.length <= 3 ? labels.join(", ") : `${labels.length} data categories`];
  if (edge.transfer) lines.push(`${edge.mechanism_title}${edge.destination_name ? ` to ${edge.destination_name}` : ""}`);
  const problems = [...new Set(edge.findings.map((rule) => data.legend.problems[rule]).filter(Boolean))].sort();
  if (problems.length) lines.push(`! ${problems.join("; ")}`);
  return lines.filter(Boolean).join("\n");
}

function buildIndex(body) {
  const nodes = new Map(body.nodes.map((node) => [node.id, node]));
  const clusters = new Map(body.clusters.map((cluster) => [cluster.id, cluster]));
  const clusterIndex = new Map(body.clusters.map((cluster, i) => [cluster.id, i]));
  const activities = new Map(body.activities.map((a) => [a.key, a]));
  const categories = new Map(body.data_categories.map((c) => [c.key, c]));
  const children = new Map();
  for (const cluster of body.clusters) {
    if (cluster.parent) {
      if (!children.has(cluster.parent)) children.set(cluster.parent, []);
      children.get(cluster.parent).push(cluster.id);
    }
  }
  const members = new Map(); // cluster -> node ids, transitively
  for (const node of body.nodes) {
    for (let at = node.cluster; at; at = clusters.get(at)?.parent) {
      if (!members.has(at)) members.set(at, []);
      members.get(at).push(node.id);
    }
  }
  const edgeById = new Map(body.edges.map((edge) => [edge.id, edge]));
  const flows = body.edges.filter((edge) => edge.kind === "flow");
  const incoming = new Map();
  const outgoing = new Map();
  for (const edge of flows) {
    if (!outgoing.has(edge.source)) outgoing.set(edge.source, []);
    outgoing.get(edge.source).push(edge);
    if (!incoming.has(edge.target)) incoming.set(edge.target, []);
    incoming.get(edge.target).push(edge);
  }
  return { nodes, clusters, clusterIndex, activities, categories, children, members, flows, incoming, outgoing, edgeById };
}

// --- filters ------------------------------------------------------------------------------

function options(select, items, chosen) {
  const first = select.options[0];
  select.replaceChildren(first, ...items.map(([value, text]) => new Option(text, value)));
  select.value = items.some(([value]) => value === chosen) ? chosen : "";
}

const collator = new Intl.Collator("en", { numeric: true });

function sortedPairs(map) {
  return [...map.entries()].sort((a, b) => collator.compare(a[1], b[1]) || collator.compare(a[0], b[0]));
}

function fillFilters() {
  const legend = data.legend;
  const zones = new Map();
  const countries = new Map();
  const boundaries = new Map();
  const roles = new Map();
  const functions = new Map();
  for (const node of data.nodes) {
    zones.set(node.zone, legend.zones[node.zone] || node.zone);
    if (node.country) countries.set(node.country, `${node.country_name || node.country} (${node.country})`);
    if (node.kind === "system") boundaries.set(node.trust_boundary || "-", node.trust_boundary || "not recorded");
    if (node.kind === "party") roles.set(node.type || "-", legend.roles[node.type || ""] || node.type);
  }
  for (const activity of data.activities) {
    if (activity.business_function) functions.set(activity.business_function, activity.business_function);
  }
  const order = ["eea", "adequate", "third", "unknown"];
  options(
    $("f-zone"),
    [...zones.entries()].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0])),
    view.filters.zone,
  );
  options($("f-country"), sortedPairs(countries), view.filters.country);
  options($("f-boundary"), sortedPairs(boundaries), view.filters.boundary);
  options($("f-function"), sortedPairs(functions), view.filters.function);
  fillActivities();
  const categories = data.data_categories.map((c) => [c.key, c.label]).sort((a, b) => collator.compare(a[1], b[1]));
  options($("f-category"), categories, view.filters.category);
  options(ui.trace, categories, view.trace);
  options($("f-role"), sortedPairs(roles), view.filters.role);
  for (const name of FILTERS) {
    if (name !== "activity") view.filters[name] = document.querySelector(`[data-filter="${name}"]`).value;
  }
  view.trace = ui.trace.value;
  ui.findings.checked = view.findings;
  ui.internal.checked = view.hideInternal;
}

/**
 * Activities are chosen by typing, from a datalist: an organisation may have thousands, and a
 * <select> of thousands of options costs the page seconds of layout each time it is drawn.
 */
function fillActivities() {
  const names = new Map();
  for (const activity of data.activities) names.set(activity.name, (names.get(activity.name) || 0) + 1);
  activityText = new Map(
    data.activities.map((a) => [a.key, names.get(a.name) > 1 ? `${a.name} (${a.key})` : a.name]),
  );
  activityKey = new Map([...activityText].map(([key, text]) => [text, key]));
  const sorted = [...activityText.values()].sort(collator.compare);
  $("activity-options").replaceChildren(...sorted.map((text) => new Option(text, text)));
  if (!activityText.has(view.filters.activity)) view.filters.activity = "";
  $("f-activity").value = activityText.get(view.filters.activity) || "";
}

/** The activity typed: its key, "" for any, or null when no activity has that name. */
function typedActivity() {
  const text = $("f-activity").value.trim();
  if (!text) return "";
  return activityKey.get(text) ?? data.activities.find((a) => a.key === text)?.key ?? null;
}

function nodePasses(node) {
  const f = view.filters;
  if (f.zone && node.zone !== f.zone) return false;
  if (f.country && node.country !== f.country) return false;
  if (f.boundary && (node.kind !== "system" || (node.trust_boundary || "-") !== f.boundary)) return false;
  if (f.role && (node.kind !== "party" || (node.type || "-") !== f.role)) return false;
  if (view.findings && !node.findings) return false;
  return true;
}

function flowPasses(edge) {
  const f = view.filters;
  if (f.activity && edge.activity !== f.activity) return false;
  if (f.category && !edge.carries(f.category)) return false;
  if (f.function && edge.business_function !== f.function) return false;
  if (view.trace && !edge.carries(view.trace)) return false;
  if (view.hideInternal && edge.internal) return false;
  return true;
}

/** The nodes and edges left after the filters, the trace and the focus. */
function reduce() {
  const f = view.filters;
  const byEdge = Boolean(f.activity || f.category || f.function || view.trace);
  const edges = [];
  let nodes = new Set(data.nodes.filter(nodePasses).map((node) => node.id));
  for (const edge of data.edges) {
    if (!nodes.has(edge.source) || !nodes.has(edge.target)) continue;
    if (edge.kind === "flow" ? flowPasses(edge) : !byEdge) edges.push(edge);
  }
  if (byEdge) {
    // Only what the chosen activities, functions or categories touch (and, for an activity,
    // the systems it runs on).
    const touched = new Set(edges.flatMap((edge) => [edge.source, edge.target]));
    if (f.activity) {
      for (const node of data.nodes) if (node.activities?.includes(f.activity) && nodes.has(node.id)) touched.add(node.id);
    }
    nodes = touched;
  }
  let kept = edges;
  if (view.focus && index.nodes.has(view.focus)) {
    const near = new Set([view.focus]);
    let frontier = [view.focus];
    for (let hop = 0; hop < view.hops; hop++) {
      const next = [];
      for (const edge of kept) {
        for (const [a, b] of [[edge.source, edge.target], [edge.target, edge.source]]) {
          if (frontier.includes(a) && !near.has(b)) {
            near.add(b);
            next.push(b);
          }
        }
      }
      frontier = next;
    }
    nodes = new Set([...nodes].filter((id) => near.has(id)));
    nodes.add(view.focus);
  }
  kept = kept.filter((edge) => nodes.has(edge.source) && nodes.has(edge.target));
  return { nodes, edges: kept };
}

// --- clusters -----------------------------------------------------------------------------

function defaultOpen() {
  // Small maps open fully; large ones show organisations open and their trust boundaries and
  // the countries collapsed, for progressive expansion.
  if (data.nodes.length <= LARGE) return new Set(data.clusters.map((c) => c.id));
  return new Set(data.clusters.filter((c) => c.kind === "organisation").map((c) => c.id));
}

function openSet() {
  return view.open ?? defaultOpen();
}

/** The element a node is drawn as: itself, or its outermost collapsed cluster. */
function representative(nodeId, open) {
  const node = index.nodes.get(nodeId);
  let chain = [];
  for (let at = node?.cluster; at; at = index.clusters.get(at)?.parent) chain.unshift(at);
  for (const cluster of chain) if (!open.has(cluster)) return cluster;
  return nodeId;
}

// --- drawing ------------------------------------------------------------------------------

function nodeLabel(node) {
  // The name only: the shape says system or party role, the cluster says where it sits.
  return wrap(node.name, 26);
}

/** Break text into lines of about `width` characters, at spaces where there are some. */
function wrap(text, width) {
  const lines = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
    while (line.length > width * 1.5) {
      lines.push(line.slice(0, width));
      line = line.slice(width);
    }
  }
  if (line) lines.push(line);
  return lines.join("\n");
}

let measurer = null;

/** A label's box in model units at the given font size (Cytoscape sizes nodes from data). */
function labelBox(label, size, bold = false) {
  measurer ??= document.createElement("canvas").getContext("2d");
  measurer.font = `${bold ? "bold " : ""}${size}px Helvetica, Arial, sans-serif`;
  const lines = label.split("\n");
  const width = Math.max(...lines.map((line) => measurer.measureText(line).width));
  return { w: Math.ceil(width) + 16, h: Math.ceil(lines.length * size * 1.25) + 10 };
}

function edgeStatus(edges) {
  for (const status of ["problem", "warning", "transfer"]) if (edges.some((e) => e.status === status)) return status;
  return "flow";
}

function elements() {
  const open = openSet();
  const { nodes, edges } = reduce();
  const els = [];
  const usedClusters = new Set();
  const reps = new Map();
  const repCount = new Map();
  for (const id of nodes) {
    const rep = representative(id, open);
    reps.set(id, rep);
    if (rep !== id) repCount.set(rep, (repCount.get(rep) || 0) + 1);
    const node = index.nodes.get(id);
    for (let at = rep === id ? node.cluster : index.clusters.get(rep).parent; at; at = index.clusters.get(at)?.parent) {
      usedClusters.add(at);
    }
  }
  for (const id of usedClusters) {
    const cluster = index.clusters.get(id);
    els.push({
      group: "nodes",
      data: { id, label: cluster.title, parent: cluster.parent || undefined, fill: cluster.fill, kind: "cluster", ckind: cluster.kind },
      classes: "cluster",
    });
  }
  for (const [rep, count] of repCount) {
    const cluster = index.clusters.get(rep);
    const total = index.members.get(rep)?.length || count;
    const size = `${count === total ? "" : `${count} of `}${total} ${total === 1 ? "node" : "nodes"}`;
    const label = `${wrap(cluster.title, 28)}\n${cluster.page ? `${cluster.page} · ` : ""}${size} · collapsed`;
    els.push({
      group: "nodes",
      data: { id: rep, label, parent: cluster.parent || undefined, fill: cluster.fill, kind: "group", count, ...labelBox(label, 13) },
      classes: "group",
    });
  }
  for (const id of nodes) {
    if (reps.get(id) !== id) continue;
    const node = index.nodes.get(id);
    els.push({
      group: "nodes",
      data: {
        id,
        label: nodeLabel(node),
        ...labelBox(nodeLabel(node), 13),
        parent: node.cluster || undefined,
        kind: node.kind,
        shape: node.kind === "system" ? "round-rectangle" : ROLE_SHAPES[node.type || ""] || "diamond",
        findings: node.findings || 0,
      },
      classes: [node.kind, node.findings ? "with-findings" : "", node.type === "sub_processor" ? "sub" : ""].join(" "),
    });
  }
  const grouped = new Map();
  for (const edge of edges) {
    const source = reps.get(edge.source);
    const target = reps.get(edge.target);
    if (!source || !target || source === target) continue;
    const kind = edge.kind === "flow" ? "flow" : "control";
    const key = `${kind}|${source}|${target}`;
    if (!grouped.has(key)) grouped.set(key, { kind, source, target, members: [] });
    grouped.get(key).members.push(edge);
  }
  for (const [key, group] of grouped) {
    const single = group.members.length === 1 ? group.members[0] : null;
    const id = single ? single.id : `group:${key}`;
    const status = group.kind === "flow" ? edgeStatus(group.members) : "control";
    let label = "";
    if (group.kind === "flow") label = single ? flowLabel(single) : `${group.members.length} flows`;
    els.push({
      group: "edges",
      data: { id, source: group.source, target: group.target, label, status, members: group.members.map((m) => m.id) },
      classes: `${group.kind} ${status}${single ? "" : " grouped"}`,
    });
  }
  return { els, shownNodes: nodes, edges };
}

function style() {
  return [
    {
      selector: "node",
      style: {
        label: "data(label)",
        "text-wrap": "wrap",
        "text-max-width": 400,
        "font-size": 13,
        "font-family": "Helvetica, Arial, sans-serif",
        color: "#1d2733",
        "text-valign": "center",
        "text-halign": "center",
        shape: "data(shape)",
        "background-color": "#ffffff",
        "border-width": 1,
        "border-color": "#333333",
        width: "data(w)",
        height: "data(h)",
        padding: 0,
      },
    },
    { selector: "node.party", style: { width: (n) => n.data("w") * 1.25, height: (n) => n.data("h") * 1.3 } },
    { selector: "node.party.sub", style: { "border-style": "dashed" } },
    { selector: "node.with-findings", style: { "border-color": COLOURS.finding, "border-width": 3 } },
    {
      selector: "node.cluster",
      style: {
        shape: "round-rectangle",
        "background-color": "data(fill)",
        "background-opacity": 1,
        "border-color": "#7f8c99",
        "border-width": 1,
        "text-valign": "top",
        "text-halign": "center",
        "font-size": 12,
        "font-weight": "bold",
        color: "#4a5a6a",
        width: "auto",
        height: "auto",
        padding: 12,
        "text-max-width": 400,
      },
    },
    { selector: 'node.cluster[ckind = "boundary"]', style: { "border-style": "dashed" } },
    {
      selector: "node.group",
      style: {
        shape: "round-rectangle",
        "background-color": "data(fill)",
        "border-style": "double",
        "border-width": 4,
        "border-color": "#4a5a6a",
        "font-size": 13,
      },
    },
    {
      selector: "edge",
      style: {
        width: 1.5,
        "curve-style": "bezier",
        "line-color": COLOURS.ink,
        "target-arrow-color": COLOURS.ink,
        "target-arrow-shape": "triangle",
        "arrow-scale": 0.9,
        label: "data(label)",
        "font-size": 11,
        "text-wrap": "wrap",
        "text-max-width": 180,
        "text-opacity": 0,
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.85,
        "text-background-padding": 1,
        "min-zoomed-font-size": 9,
        color: "#333333",
        "z-compound-depth": "top",
      },
    },
    { selector: "edge.transfer", style: { "line-color": COLOURS.transfer, "target-arrow-color": COLOURS.transfer, width: 2, color: COLOURS.transfer } },
    { selector: "edge.problem", style: { "line-color": COLOURS.problem, "target-arrow-color": COLOURS.problem, width: 3, color: COLOURS.problem } },
    { selector: "edge.warning", style: { "line-color": COLOURS.warning, "target-arrow-color": COLOURS.warning, width: 2.5, color: COLOURS.warning } },
    { selector: "edge.grouped", style: { width: 3.5 } },
    {
      selector: "edge.control",
      style: { "line-style": "dashed", "line-color": COLOURS.control, "target-arrow-color": COLOURS.control, "target-arrow-shape": "triangle-backcurve", width: 1.2 },
    },
    { selector: "edge:selected, edge.labelled", style: { "text-opacity": 1 } },
    // Selection and search hits are a halo around the element, never a change of its colour.
    { selector: "node:selected, node.hit", style: { "underlay-color": COLOURS.halo, "underlay-opacity": 0.3, "underlay-padding": 7, "underlay-shape": "round-rectangle" } },
    { selector: "edge:selected", style: { "underlay-color": COLOURS.halo, "underlay-opacity": 0.3, "underlay-padding": 6 } },
    { selector: "node.focus", style: { "underlay-color": "#ff9f1c", "underlay-opacity": 0.55, "underlay-padding": 9 } },
    { selector: "node.trace-source", style: { "underlay-color": "#2e7d32", "underlay-opacity": 0.4, "underlay-padding": 8 } },
  ];
}

function layoutOptions() {
  if (view.trace) {
    return { name: "breadthfirst", directed: true, roots: traceRoots(), spacingFactor: 0.9, animate: false, fit: true, padding: 20 };
  }
  return { name: "preset", fit: true, padding: 20, positions: packed() };
}

/**
 * Positions that pack each cluster's members in a grid, and clusters beside one another in
 * rows (shelf packing), recursively: compact, deterministic, linear in the number of nodes.
 * The map's reading order follows the diagrams' cluster order (organisation first).
 */
function packed() {
  const GAP = 14;
  const PAD = 12;
  const aspect = Math.min(3, Math.max(0.6, (ui.map.clientWidth || 1200) / (ui.map.clientHeight || 700)));
  const HEAD = 22; // a cluster's title above its members
  const boxes = new Map(); // element id -> {w, h, children: [ids]}
  const kids = new Map();
  for (const node of cy.nodes()) {
    const parent = node.data("parent") || "";
    if (!kids.has(parent)) kids.set(parent, []);
    kids.get(parent).push(node.id());
  }
  const size = (id) => {
    const node = cy.getElementById(id);
    if (kids.has(id)) return pack(id);
    const w = node.isNode() ? node.outerWidth() : 0;
    const h = node.isNode() ? node.outerHeight() : 0;
    boxes.set(id, { w, h, leaf: true });
    return boxes.get(id);
  };
  function pack(id) {
    const members = (kids.get(id) || []).slice().sort((a, b) => {
      const ka = kids.has(a) ? 0 : 1;
      const kb = kids.has(b) ? 0 : 1;
      return ka - kb || (a < b ? -1 : a > b ? 1 : 0);
    });
    const sized = members.map((m) => [m, size(m)]);
    const area = sized.reduce((sum, [, b]) => sum + (b.w + GAP) * (b.h + GAP), 0);
    const widest = Math.max(0, ...sized.map(([, b]) => b.w));
    const target = Math.max(widest, Math.sqrt(area * (id ? aspect * 0.9 : aspect)));
    let x = 0;
    let y = 0;
    let row = 0;
    let width = 0;
    const offsets = [];
    for (const [m, b] of sized) {
      if (x > 0 && x + b.w > target) {
        x = 0;
        y += row + GAP;
        row = 0;
      }
      offsets.push([m, x, y]);
      x += b.w + GAP;
      row = Math.max(row, b.h);
      width = Math.max(width, x - GAP);
    }
    const box = { w: width + (id ? 2 * PAD : 0), h: y + row + (id ? PAD + HEAD : 0), offsets, leaf: false };
    boxes.set(id, box);
    return box;
  }
  pack("");
  const positions = {};
  const place = (id, left, top) => {
    const box = boxes.get(id);
    if (box.leaf) {
      positions[id] = { x: left + box.w / 2, y: top + box.h / 2 };
      return;
    }
    const inset = id ? PAD : 0;
    const head = id ? HEAD : 0;
    for (const [m, x, y] of box.offsets) place(m, left + inset + x, top + head + y);
  };
  place("", 0, 0);
  return (node) => positions[node.id()];
}

function traceRoots() {
  if (!cy) return undefined;
  const edges = cy.edges(".flow");
  return cy.nodes(":childless").filter((n) => n.incomers(edges).length === 0 && n.outgoers(edges).length > 0);
}

function render({ fit = false } = {}) {
  writeHash();
  const started = performance.now();
  const { els, shownNodes, edges } = elements();
  timings.build = performance.now() - started;
  const drawing = performance.now();
  if (!cy) {
    cy = cytoscape({
      container: ui.map,
      style: style(),
      minZoom: 0.05,
      maxZoom: 4,
      boxSelectionEnabled: false,
      selectionType: "single",
      textureOnViewport: false,
      hideEdgesOnViewport: false,
    });
    wireMap();
  }
  cy.batch(() => {
    cy.elements().remove();
    cy.add(els);
    const many = cy.edges().length > MANY_EDGES;
    if (many !== cy.scratch("_many")) {
      cy.scratch("_many", many);
      cy.style().selector("edge").style("curve-style", many ? "straight" : "bezier").update();
    }
  });
  const layoutStart = performance.now();
  const count = cy.nodes().length;
  // fCoSE starts from random positions: a seeded generator keeps the same view's layout the
  // same on every load.
  seedPositions();
  const random = Math.random;
  Math.random = seeded(count * 7919 + cy.edges().length);
  try {
    cy.layout(layoutOptions()).run();
  } finally {
    Math.random = random;
  }
  timings.layout = performance.now() - layoutStart;
  cy.nodes().removeClass("focus trace-source");
  if (view.focus) cy.getElementById(view.focus).addClass("focus");
  if (view.trace) traceRoots()?.addClass("trace-source");
  if (fit) cy.fit(undefined, 12);
  cy.scratch("_labelled", null);
  labelEdges();
  timings.draw = performance.now() - drawing; // adding, layout, fit (Cytoscape paints on the next frame)
  const flows = edges.filter((e) => e.kind === "flow").length;
  const groups = cy.nodes(".group").length;
  setStatus(
    `${shownNodes.size} of ${data.nodes.length} systems and parties, ${flows} flows` +
      (groups ? `, ${groups} collapsed ${groups === 1 ? "group" : "groups"} (double border: click to expand)` : "") +
      ".",
  );
  ui.focusNote.hidden = !view.focus;
  ui.focusNote.replaceChildren();
  if (view.focus) {
    ui.focusNote.append(
      `Focus: ${index.nodes.get(view.focus)?.name || view.focus}, ${view.hops} ${view.hops === 1 ? "hop" : "hops"} `,
      h("button", { type: "button", class: "link", id: "clear-focus", onclick: () => setFocus("") }, "clear"),
    );
  }
  ui.map.dataset.ready = String(Date.now());
}

function seeded(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic starting positions: by cluster, then by id, on a grid. */
function seedPositions() {
  const nodes = cy.nodes(":childless").sort((a, b) => {
    const pa = a.data("parent") || "";
    const pb = b.data("parent") || "";
    return pa < pb ? -1 : pa > pb ? 1 : a.id() < b.id() ? -1 : 1;
  });
  const side = Math.ceil(Math.sqrt(nodes.length || 1));
  nodes.forEach((node, i) => node.position({ x: (i % side) * 160, y: Math.floor(i / side) * 90 }));
}

// --- interaction --------------------------------------------------------------------------

/** Edge labels show once they are legible (11 px type at 9 px or more), on fewer than 2,000 edges. */
function labelEdges() {
  const legible = cy.zoom() * 11 >= 9 && cy.edges().length < 2000;
  if (legible === cy.scratch("_labelled")) return;
  cy.scratch("_labelled", legible);
  cy.batch(() => (legible ? cy.edges().addClass("labelled") : cy.edges().removeClass("labelled")));
}

function wireMap() {
  cy.on("zoom", labelEdges);
  cy.on("tap", "node, edge", (event) => {
    const target = event.target;
    if (target.isNode() && target.hasClass("group")) {
      showCluster(target.id());
      return;
    }
    if (target.isNode() && target.hasClass("cluster")) {
      showCluster(target.id());
      return;
    }
    openDetails(target.id());
  });
  cy.on("tap", (event) => {
    if (event.target === cy) closePanel();
  });
}

function setFocus(id, hops = view.hops) {
  view.focus = id;
  view.hops = hops;
  render({ fit: true });
}

function expand(clusterId) {
  const open = new Set(openSet());
  for (let at = clusterId; at; at = index.clusters.get(at)?.parent) open.add(at);
  view.open = open;
  render({ fit: true });
  if (!ui.panel.hidden) showCluster(clusterId); // the panel now offers to collapse it
}

function collapse(clusterId) {
  const open = new Set(openSet());
  open.delete(clusterId);
  for (const child of index.children.get(clusterId) || []) open.delete(child);
  view.open = open;
  render({ fit: true });
  if (!ui.panel.hidden) showCluster(clusterId);
}

function select(id) {
  if (!cy) return;
  const element = cy.getElementById(id);
  cy.elements().unselect();
  if (element.nonempty()) {
    element.select();
    cy.center(element);
  }
  view.selected = id;
  writeHash();
}

// --- panel --------------------------------------------------------------------------------

function openPanel(kind, title) {
  ui.panel.hidden = false;
  ui.panelKind.textContent = kind;
  ui.panelTitle.textContent = title;
  ui.panel.focus({ preventScroll: true });
}

function closePanel() {
  ui.panel.hidden = true;
  view.selected = "";
  cy?.elements().unselect();
  writeHash();
}

function organisationFindings() {
  if (!findingsOf.has(view.organisation)) {
    const pending = get("findings", { organisation: view.organisation }).then((r) => r.findings);
    pending.catch(() => findingsOf.delete(view.organisation));
    findingsOf.set(view.organisation, pending);
  }
  return findingsOf.get(view.organisation);
}

async function findingsFor(refs) {
  try {
    const all = await organisationFindings();
    const wanted = new Set(refs);
    return all.filter((f) => wanted.has(f.entity));
  } catch {
    return null;
  }
}

function nodeName(id) {
  return index.nodes.get(id)?.name || id;
}

function nodeButton(id) {
  const node = index.nodes.get(id);
  const text = node ? `${node.name}${node.country ? ` (${node.country_name || node.country})` : ""}` : id;
  return h("button", { type: "button", class: "link", "data-ref": id, onclick: () => reveal(id) }, text);
}

function categoryText(edge) {
  return edge.category_labels?.length ? edge.category_labels.join(", ") : edge.data_categories.join(", ");
}

/** One flow in words: activity, categories, mechanism, and the other end. */
function flowItem(edge, { from = true, to = true } = {}) {
  return h(
    "li",
    { "data-flow": edge.id },
    h("strong", {}, edge.activity_name || edge.activity),
    ": ",
    categoryText(edge),
    edge.transfer ? h("span", { class: `badge ${edge.status === "problem" ? "error" : "info"}` }, edge.mechanism_title || "transfer") : null,
    edge.transfer && edge.destination_name ? ` to ${edge.destination_name}` : null,
    h(
      "span",
      { class: "muted small" },
      " · ",
      from ? h("span", {}, "from ", nodeButton(edge.source)) : null,
      from && to ? " " : null,
      to ? h("span", {}, "to ", nodeButton(edge.target)) : null,
    ),
    " ",
    h("button", { type: "button", class: "link small", onclick: () => openDetails(edge.id) }, "details"),
  );
}

function flowList(edges, ends) {
  if (!edges.length) return h("p", { class: "muted" }, "none");
  const listed = edges.slice(0, MAX_LISTED);
  return h(
    "div",
    {},
    h("ul", { class: "flow-list" }, listed.map((edge) => flowItem(edge, ends))),
    edges.length > listed.length ? h("p", { class: "muted" }, `and ${edges.length - listed.length} more`) : null,
  );
}

function focusButtons(id) {
  return h(
    "div",
    { class: "panel-actions" },
    h("span", { class: "label" }, "Focus on its neighbourhood:"),
    [1, 2, 3].map((hops) =>
      h("button", { type: "button", class: "secondary", "data-hops": hops, onclick: () => setFocus(id, hops) }, `${hops} ${hops === 1 ? "hop" : "hops"}`),
    ),
  );
}

function facts(pairs) {
  const list = h("dl", { class: "fields" });
  for (const [name, value] of pairs) {
    if (value === undefined || value === null || value === "") continue;
    list.append(h("dt", {}, name), h("dd", {}, value));
  }
  return list;
}

async function openDetails(id) {
  view.selected = id;
  writeHash();
  const element = cy?.getElementById(id);
  if (element?.nonempty() && !element.selected()) {
    cy.elements().unselect();
    element.select();
  }
  if (index.nodes.has(id)) return showNode(index.nodes.get(id));
  const edge = index.edgeById.get(id);
  if (edge) return showEdges([edge]);
  const grouped = element?.nonempty() ? element.data("members") : null;
  if (grouped) return showEdges(grouped.map((m) => index.edgeById.get(m)).filter(Boolean));
  if (index.clusters.has(id)) return showCluster(id);
}

async function showNode(node) {
  const kindText = node.kind === "system" ? `System · ${node.type_label}` : `Party · ${node.type_label}`;
  openPanel(kindText, node.name);
  const incoming = index.incoming.get(node.id) || [];
  const outgoing = index.outgoing.get(node.id) || [];
  const parts = [
    h("p", { class: "muted key" }, node.id),
    facts([
      ["Country", node.country ? `${node.country_name} (${node.country})` : "not recorded"],
      ["Zone", data.legend.zones[node.zone] || node.zone],
      ["Trust boundary", node.kind === "system" ? node.trust_boundary || "not recorded" : ""],
      ["Operated by", node.operator ? nodeButton(`party:${node.operator}`) : ""],
      ["Sub-processor of", node.sub_processor_of ? nodeButton(`party:${node.sub_processor_of}`) : ""],
      ["Business functions", (node.business_functions || []).join(", ")],
    ]),
    focusButtons(node.id),
  ];
  const findingsSection = h("div", {}, h("p", { class: "muted" }, "Loading findings…"));
  parts.push(findingsSection);
  const activities = (node.activities || []).map((key) => index.activities.get(key)?.name || key);
  if (node.kind === "system") {
    parts.push(
      h("h3", {}, `Activities (${activities.length})`),
      activities.length ? h("ul", { class: "values activities" }, activities.map((name) => h("li", {}, name))) : h("p", { class: "muted" }, "none"),
      h("h3", {}, `Incoming flows (${incoming.length})`),
      flowList(incoming, { from: true, to: false }),
      h("h3", {}, `Outgoing flows (${outgoing.length})`),
      flowList(outgoing, { from: false, to: true }),
    );
  } else {
    const chain = (node.chain || []).map((key) => `party:${key}`);
    parts.push(
      h("h3", {}, `What it receives (${incoming.length} ${incoming.length === 1 ? "flow" : "flows"})`),
      flowList(incoming, { from: true, to: false }),
      h("h3", {}, `Activities (${activities.length})`),
      activities.length ? h("ul", { class: "values activities" }, activities.map((name) => h("li", {}, name))) : h("p", { class: "muted" }, "none"),
      h("h3", {}, `Chain of sub-processors (${chain.length})`),
      chain.length
        ? h("ul", { class: "values chain" }, chain.map((id) => h("li", {}, nodeButton(id), ` · ${data.legend.zones[index.nodes.get(id)?.zone] || ""}`)))
        : h("p", { class: "muted" }, "none recorded"),
      h("h3", {}, "If it were breached"),
      h("div", { class: "breach" }, h("p", { class: "muted" }, "Loading…")),
    );
  }
  ui.panelBody.replaceChildren(...parts);
  findingsFor([node.id]).then((found) => findingsSection.replaceChildren(renderFindings(found)));
  if (node.kind === "party") showBreach(node);
}

async function showBreach(node) {
  const target = ui.panelBody.querySelector(".breach");
  if (!target) return;
  try {
    const impact = await get(`impact/parties/${encodeURIComponent(node.key)}`);
    if (!target.isConnected) return;
    const categoryLabel = (key) => index.categories.get(key)?.label || key;
    const onward = (impact.onward_flows || []).map((key) => index.edgeById.get(`flow:${key}`)).filter(Boolean);
    target.replaceChildren(
      facts([
        ["Activities", impact.activities.map((key) => index.activities.get(key)?.name || key).join("; ") || "none"],
        ["Data categories", impact.data_categories.map(categoryLabel).join(", ") || "none"],
        ["Special categories", impact.special_categories.map(categoryLabel).join(", ")],
        ["Data subjects", impact.data_subjects.join(", ")],
        ["Countries", impact.countries.join(", ")],
        ["Systems and parties exposed", h("span", {}, ...impact.exposed_nodes.flatMap((id, i) => [i ? ", " : "", nodeButton(id)]))],
      ]),
      h("h4", {}, `Onward flows it passes on (${onward.length})`),
      flowList(onward, { from: true, to: true }),
    );
  } catch (error) {
    target.replaceChildren(h("p", { class: "error" }, `Could not load the breach view: ${error.message}`));
  }
}

function showEdges(edges) {
  const single = edges.length === 1 ? edges[0] : null;
  if (single && single.kind !== "flow") {
    openPanel("Link", single.label);
    ui.panelBody.replaceChildren(facts([["From", nodeButton(single.source)], ["To", nodeButton(single.target)]]));
    return;
  }
  openPanel(single ? "Flow" : "Grouped edge", single ? `${single.activity_name}: ${nodeName(single.source)} → ${nodeName(single.target)}` : `${edges.length} flows`);
  const parts = [];
  if (single) {
    parts.push(
      h("p", { class: "muted key" }, single.id),
      facts([
        ["Activity", single.activity_name],
        ["Data categories", categoryText(single)],
        ["From", nodeButton(single.source)],
        ["To", nodeButton(single.target)],
        ["Transfer", single.transfer ? "yes, outside the EEA" : "no"],
        ["Mechanism", single.mechanism_title],
        ["Destination", single.destination_name],
        ["Zone", single.zone_label],
      ]),
    );
  }
  const findingsSection = h("div", {}, h("p", { class: "muted" }, "Loading findings…"));
  parts.push(findingsSection, h("h3", {}, single ? "The flow" : "Member flows"), flowList(edges, { from: true, to: true }));
  ui.panelBody.replaceChildren(...parts);
  findingsFor(edges.map((e) => e.id)).then((found) => findingsSection.replaceChildren(renderFindings(found, "No findings on these flows.")));
}

function showCluster(id) {
  const cluster = index.clusters.get(id);
  const members = index.members.get(id) || [];
  const collapsed = !openSet().has(id);
  openPanel(collapsed ? "Collapsed group" : "Cluster", cluster.title);
  ui.panelBody.replaceChildren(
    h(
      "div",
      { class: "panel-actions" },
      collapsed
        ? h("button", { type: "button", id: "expand-cluster", onclick: () => expand(id) }, "Expand in place")
        : h("button", { type: "button", id: "collapse-cluster", onclick: () => collapse(id) }, "Collapse"),
    ),
    h("h3", {}, `Members (${members.length})`),
    h("ul", { class: "members" }, members.slice(0, MAX_LISTED).map((m) => h("li", {}, nodeButton(m)))),
    members.length > MAX_LISTED ? h("p", { class: "muted" }, `and ${members.length - MAX_LISTED} more`) : null,
  );
}

/** Show a node: expand the clusters it sits in, clear filters that hide it, select it. */
function reveal(id) {
  const node = index.nodes.get(id);
  if (!node) return;
  const open = new Set(openSet());
  let changed = false;
  for (let at = node.cluster; at; at = index.clusters.get(at)?.parent) {
    if (!open.has(at)) {
      open.add(at);
      changed = true;
    }
  }
  if (changed) view.open = open;
  if (cy.getElementById(id).empty() || changed) {
    if (cy.getElementById(id).empty() && !reduce().nodes.has(id)) {
      for (const name of FILTERS) view.filters[name] = "";
      view.findings = false;
      view.focus = "";
      view.trace = "";
      fillFilters();
    }
    render({ fit: true });
  }
  select(id);
  openDetails(id);
}

// --- search -------------------------------------------------------------------------------

function runSearch(query, next = false) {
  const needle = query.trim().toLowerCase();
  cy?.nodes().removeClass("hit");
  if (!needle) {
    searchState = { query: "", hits: [], at: -1 };
    ui.searchResult.textContent = "";
    return;
  }
  if (!(next && searchState.query === needle)) {
    const hits = data.nodes
      .filter((n) => n.name.toLowerCase().includes(needle) || n.key.toLowerCase().includes(needle) || n.id.toLowerCase().includes(needle))
      .map((n) => n.id);
    searchState = { query: needle, hits, at: -1 };
  }
  const { hits } = searchState;
  if (!hits.length) {
    ui.searchResult.textContent = "Nothing matches.";
    return;
  }
  searchState.at = (searchState.at + 1) % hits.length;
  const id = hits[searchState.at];
  ui.searchResult.textContent = `${searchState.at + 1} of ${hits.length}: ${nodeName(id)}`;
  reveal(id);
  cy.getElementById(id).addClass("hit");
}

// --- legend -------------------------------------------------------------------------------

function renderLegend() {
  const item = (swatch, text) => h("li", {}, swatch, text);
  const line = (colour, dashed = false) =>
    h("span", { class: `swatch line${dashed ? " dashed" : ""}`, style: `border-top-color:${colour}` });
  const box = (fill) => h("span", { class: "swatch box", style: `background:${fill}` });
  const statuses = data.legend.statuses;
  ui.legendBody.replaceChildren(
    h(
      "ul",
      {},
      item(line(COLOURS.ink), statuses.flow),
      item(line(COLOURS.transfer), statuses.transfer),
      item(line(COLOURS.problem), statuses.problem),
      item(line(COLOURS.warning), statuses.warning),
      item(line(COLOURS.control, true), `${data.legend.controls.operates} / ${data.legend.controls.sub_processor}`),
      item(h("span", { class: "swatch outline", style: `border-color:${COLOURS.finding}` }), "red border: open finding"),
      item(h("span", { class: "swatch halo" }), "grey halo: selected"),
      ...["eea", "adequate", "third", "unknown"].map((zone) => item(box(ZONE_FILLS[zone]), data.legend.zones[zone])),
      item(h("span", { class: "swatch box", style: "border:3px double #4a5a6a" }), "collapsed group: click to expand"),
      item(h("span", {}, "▭"), "system · ◯ processor · ⯃ controller · ⬠ authority"),
    ),
  );
}

// --- downloads ----------------------------------------------------------------------------

/**
 * The Graphviz diagram of what the map shows, for documents: the whole organisation, its
 * transfers, or the activity, data category or party the map is reduced to.
 */
function diagramRequest(kind) {
  const which = $("diagram-view").value;
  const params = { organisation: view.organisation, detail: $("diagram-detail").value };
  const focused = index?.nodes.get(view.focus || view.selected);
  if (which === "activity") {
    if (!view.filters.activity) throw new Error("Choose an activity in the filters for its diagram.");
    params.activity = view.filters.activity;
  } else if (which === "category") {
    const category = view.trace || view.filters.category;
    if (!category) throw new Error("Trace or filter a data category for its lineage diagram.");
    params.category = category;
  } else if (which === "party") {
    if (focused?.kind !== "party") throw new Error("Select or focus on a party for its diagram.");
    params.party = focused.key;
  }
  return [`diagrams/${which}.${kind}`, params];
}

async function download(kind, button) {
  button.disabled = true;
  try {
    const [path, params] =
      kind === "xlsx"
        ? ["exports/article30.xlsx", { organisation: view.organisation, profile: $("profile-select").value }]
        : diagramRequest(kind);
    const response = await get(path, params, { as: "response" });
    const blob = await response.blob();
    const name = fileName(response.headers.get("content-disposition")) || path.split("/").pop();
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
  }
}

// --- wiring -------------------------------------------------------------------------------

function wire() {
  $("login-form").addEventListener("submit", submitToken);
  ui.login.addEventListener("cancel", (event) => {
    if (!token()) event.preventDefault();
  });
  $("forget-token").addEventListener("click", () => {
    forgetToken();
    findingsOf = new Map();
    showLogin("Token forgotten. Enter a token to continue.");
  });
  ui.organisation.addEventListener("change", () => {
    view.organisation = ui.organisation.value;
    view.open = null;
    view.focus = "";
    view.selected = "";
    closePanel();
    loadMap();
  });
  // Enter in the activity field commits it (a change event); it must not submit the form.
  $("map-controls").addEventListener("submit", (event) => event.preventDefault());
  for (const select of document.querySelectorAll("[data-filter]")) {
    select.addEventListener("change", () => {
      if (!data) return;
      let value = select.value;
      if (select.dataset.filter === "activity") {
        value = typedActivity();
        if (value === null) {
          setStatus(`No activity is called “${select.value.trim()}”: choose one from the list.`, "error");
          return;
        }
      }
      view.filters[select.dataset.filter] = value;
      render({ fit: true });
    });
  }
  ui.findings.addEventListener("change", () => {
    view.findings = ui.findings.checked;
    render({ fit: true });
  });
  ui.internal.addEventListener("change", () => {
    view.hideInternal = ui.internal.checked;
    render({ fit: true });
  });
  ui.trace.addEventListener("change", () => {
    view.trace = ui.trace.value;
    render({ fit: true });
  });
  $("reset").addEventListener("click", () => {
    for (const name of FILTERS) view.filters[name] = "";
    Object.assign(view, { findings: false, hideInternal: false, trace: "", focus: "", open: null, selected: "" });
    fillFilters();
    closePanel();
    render({ fit: true });
  });
  $("expand-all").addEventListener("click", () => {
    // On a large map the pages stay collapsed: every node at once is a tangle, and slow.
    const all = data.nodes.length <= EXPAND_ALL;
    view.open = new Set(data.clusters.filter((c) => all || c.kind !== "page").map((c) => c.id));
    render({ fit: true });
  });
  $("collapse-all").addEventListener("click", () => {
    view.open = new Set();
    render({ fit: true });
  });
  $("zoom-in").addEventListener("click", () => cy?.zoom({ level: cy.zoom() * 1.25, renderedPosition: centre() }));
  $("zoom-out").addEventListener("click", () => cy?.zoom({ level: cy.zoom() * 0.8, renderedPosition: centre() }));
  $("zoom-fit").addEventListener("click", () => cy?.fit(undefined, 12));
  $("panel-close").addEventListener("click", closePanel);
  ui.panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closePanel();
  });
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    runSearch(ui.searchInput.value, true);
  });
  for (const button of document.querySelectorAll("button[data-download]")) {
    button.addEventListener("click", () => download(button.dataset.download, button));
  }
  window.addEventListener("hashchange", () => {
    if (!data) return;
    const organisation = view.organisation;
    readHash();
    if (view.organisation !== organisation) {
      ui.organisation.value = view.organisation;
      loadMap();
      return;
    }
    if (view.open !== null) view.open = new Set([...view.open].map(longCluster));
    fillFilters();
    render({ fit: true });
    if (view.selected) openDetails(view.selected);
  });
}

function centre() {
  return { x: ui.map.clientWidth / 2, y: ui.map.clientHeight / 2 };
}

// For the browser tests and the benchmark: the Cytoscape instance and the last timings.
window.ropaMap = {
  get cy() {
    return cy;
  },
  timings,
  useMap,
  view,
};

function start() {
  if (typeof cytoscapeFcose !== "undefined") cytoscape.use(cytoscapeFcose);
  wire();
  readHash();
  if (new URLSearchParams(location.search).get("bench") === "1") return; // JSON given by useMap
  if (!token()) {
    showLogin();
    return;
  }
  loadOrganisations();
}

start();
