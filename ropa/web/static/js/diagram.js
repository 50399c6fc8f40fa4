// The diagram: parse and clean the server's SVG, find the entities its nodes and edges stand
// for, and pan and zoom it by moving its viewBox.

const SVG_NS = "http://www.w3.org/2000/svg";
const XLINK_NS = "http://www.w3.org/1999/xlink";
const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ENTITY = /^(system|party|activity|organisation):([A-Za-z0-9][A-Za-z0-9._-]*)$/;

// Elements that can run code, load something or restyle the page: never inserted.
const DROPPED = new Set([
  "script",
  "foreignobject",
  "iframe",
  "object",
  "embed",
  "style",
  "animate",
  "animatemotion",
  "animatetransform",
  "set",
  "handler",
  "listener",
]);

/** Remove anything active from an SVG document element, in place. */
export function sanitise(root) {
  const doomed = [];
  const walker = root.ownerDocument.createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
  for (let element = root; element; element = walker.nextNode()) {
    if (DROPPED.has(element.localName.toLowerCase())) {
      doomed.push(element);
      continue;
    }
    for (const attribute of [...element.attributes]) {
      const name = attribute.localName.toLowerCase();
      const value = attribute.value.trim().toLowerCase();
      const link = name === "href" || name === "src" || name === "action";
      if (
        name.startsWith("on") ||
        (link && !value.startsWith("#")) ||
        value.includes("javascript:") ||
        value.includes("data:text/html")
      ) {
        element.removeAttributeNode(attribute);
      }
    }
  }
  for (const element of doomed) element.remove();
  return root;
}

/** The server's SVG text as a clean <svg> element of this document (not yet inserted). */
export function parseSvg(text) {
  const parsed = new DOMParser().parseFromString(text, "image/svg+xml");
  const root = parsed.documentElement;
  if (
    !root ||
    root.localName !== "svg" ||
    root.namespaceURI !== SVG_NS ||
    parsed.getElementsByTagName("parsererror").length
  ) {
    throw new Error("the service sent a diagram that is not valid SVG");
  }
  sanitise(root);
  return document.importNode(root, true);
}

function tooltipOf(group) {
  for (const anchor of group.getElementsByTagNameNS(SVG_NS, "a")) {
    const title = anchor.getAttributeNS(XLINK_NS, "title") || anchor.getAttribute("title");
    if (title) return title;
  }
  const title = group.querySelector(":scope > title");
  return title ? title.textContent : "";
}

/**
 * References a renderer's tooltip lists: "system:a, party:b - findings: X", "flows: a, b", with
 * ", and N more" when it cut the list short.
 */
function refsFromTooltip(text) {
  let list = text.split(" - findings: ")[0].trim();
  let more = 0;
  const cut = /,?\s*and (\d+) more$/.exec(list);
  if (cut) {
    more = Number(cut[1]);
    list = list.slice(0, cut.index);
  }
  const flows = /^flows?:\s+(.*)$/s.exec(list);
  if (flows) list = flows[1];
  const refs = [];
  for (const part of list.split(",")) {
    const item = part.trim();
    if (flows && KEY.test(item)) refs.push(`flow:${item}`);
    else if (!flows && ENTITY.test(item)) refs.push(item);
  }
  return { refs, more };
}

/**
 * What a node or edge group stands for.
 *   refs:    the entities it shows ("system:a", "flow:f", ...): one for a plain node or edge,
 *            several for an aggregated edge or a collapsed node whose members are known;
 *   single:  true when it is exactly one entity whose details can be fetched;
 *   more:    how many further members a renderer's tooltip left out (0 when none).
 * The contract is the group's id (`system:<key>`, `flow:<key>`, `flows:<k1>,<k2>`); a renderer
 * that does not set it yet is read through the keys it lists in its tooltips.
 */
export function describe(group) {
  const id = group.getAttribute("id") || "";
  const isEdge = group.classList.contains("edge");
  if (!isEdge && ENTITY.test(id)) return { refs: [id], single: true, more: 0 };
  if (isEdge && id.startsWith("flow:") && KEY.test(id.slice(5))) {
    return { refs: [id], single: true, more: 0 };
  }
  if (isEdge && id.startsWith("flows:")) {
    const refs = id
      .slice(6)
      .split(",")
      .map((key) => key.trim())
      .filter((key) => KEY.test(key))
      .map((key) => `flow:${key}`);
    if (refs.length) return { refs, single: refs.length === 1, more: 0 };
  }
  // A collapsed node (`boundary:...`, `cluster:...`) or an older renderer: use the tooltip.
  const listed = refsFromTooltip(tooltipOf(group));
  const refs = listed.refs.filter((ref) =>
    isEdge ? ref.startsWith("flow:") : !ref.startsWith("flow:"),
  );
  const contractId = /^[a-z]+:/.test(id);
  return { refs, single: refs.length === 1 && !contractId && !listed.more, more: listed.more };
}

/** The text a node or edge shows (registry names, as the SVG renders them). */
export function labelOf(group) {
  return [...group.getElementsByTagNameNS(SVG_NS, "text")]
    .map((text) => text.textContent.trim())
    .filter(Boolean)
    .join(" ");
}

/** The first line a node or edge shows: its title. */
export function titleOf(group) {
  const first = [...group.getElementsByTagNameNS(SVG_NS, "text")].find((text) =>
    text.textContent.trim(),
  );
  return first ? first.textContent.trim() : "";
}

/** A wide invisible stroke along each edge path, so that thin edges are easy to click. */
export function widenEdge(group) {
  for (const path of [...group.getElementsByTagNameNS(SVG_NS, "path")]) {
    const hit = path.cloneNode(false);
    for (const name of ["id", "stroke-dasharray", "class"]) hit.removeAttribute(name);
    hit.setAttribute("class", "hit-area");
    hit.setAttribute("fill", "none");
    hit.setAttribute("stroke", "transparent");
    hit.setAttribute("stroke-width", "12");
    path.after(hit);
  }
}

/** Pan (drag, arrow keys) and zoom (wheel, + and -, buttons) by moving the SVG's viewBox. */
export class PanZoom {
  constructor(svg, container) {
    this.svg = svg;
    this.container = container;
    this.base = PanZoom.initialBox(svg);
    this.view = { ...this.base };
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.setAttribute("width", "100%");
    svg.setAttribute("height", "100%");
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    this.apply();
  }

  static initialBox(svg) {
    const box = (svg.getAttribute("viewBox") || "")
      .trim()
      .split(/[\s,]+/)
      .map(Number);
    if (box.length === 4 && box.every(Number.isFinite) && box[2] > 0 && box[3] > 0) {
      return { x: box[0], y: box[1], w: box[2], h: box[3] };
    }
    const w = parseFloat(svg.getAttribute("width")) || 800;
    const h = parseFloat(svg.getAttribute("height")) || 600;
    return { x: 0, y: 0, w, h };
  }

  apply() {
    const { x, y, w, h } = this.view;
    this.svg.setAttribute("viewBox", `${x} ${y} ${w} ${h}`);
  }

  fit() {
    this.view = { ...this.base };
    this.apply();
  }

  /** Client (screen) coordinates to the SVG's user coordinates. */
  toSvg(clientX, clientY) {
    const matrix = this.svg.getScreenCTM();
    if (!matrix) return { x: this.view.x + this.view.w / 2, y: this.view.y + this.view.h / 2 };
    const point = new DOMPoint(clientX, clientY).matrixTransform(matrix.inverse());
    return { x: point.x, y: point.y };
  }

  centreClient() {
    const rect = this.container.getBoundingClientRect();
    return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
  }

  /** Zoom by `factor` (>1 closer) keeping the point under (clientX, clientY) where it is. */
  zoom(factor, clientX, clientY) {
    const centre = this.centreClient();
    const at = this.toSvg(clientX ?? centre.x, clientY ?? centre.y);
    const minW = this.base.w / 60;
    const maxW = this.base.w * 4;
    const w = Math.min(maxW, Math.max(minW, this.view.w / factor));
    const applied = this.view.w / w;
    this.view = {
      x: at.x - (at.x - this.view.x) / applied,
      y: at.y - (at.y - this.view.y) / applied,
      w,
      h: this.view.h / applied,
    };
    this.apply();
  }

  /** Move the picture by a distance in screen pixels. */
  panBy(dx, dy) {
    const matrix = this.svg.getScreenCTM();
    const scale = matrix && matrix.a ? matrix.a : 1;
    this.view.x -= dx / scale;
    this.view.y -= dy / scale;
    this.apply();
  }

  /** Centre on an element; zoom in to about one SVG unit per pixel when it is drawn tiny. */
  centreOn(element) {
    const rect = element.getBoundingClientRect();
    const at = this.toSvg(rect.left + rect.width / 2, rect.top + rect.height / 2);
    const box = this.container.getBoundingClientRect();
    const matrix = this.svg.getScreenCTM();
    const scale = matrix && matrix.a ? matrix.a : 1;
    if (scale < 0.8 && box.width > 0 && box.height > 0) {
      const factor = 1 / scale;
      this.view.w /= factor;
      this.view.h /= factor;
    }
    this.view.x = at.x - this.view.w / 2;
    this.view.y = at.y - this.view.h / 2;
    this.apply();
  }

  /** Centre on an element only when it is outside the visible area. */
  reveal(element) {
    const rect = element.getBoundingClientRect();
    const box = this.container.getBoundingClientRect();
    const inside =
      rect.left >= box.left &&
      rect.right <= box.right &&
      rect.top >= box.top &&
      rect.bottom <= box.bottom;
    if (!inside) this.centreOn(element);
  }
}

/**
 * Wire drag, wheel and keys on the container to whichever PanZoom `current()` returns.
 * A drag longer than a few pixels swallows the click that ends it.
 */
export function attachPanZoom(container, current) {
  let drag = null;
  let swallowClick = false;

  container.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || !current()) return;
    drag = { id: event.pointerId, x: event.clientX, y: event.clientY, moved: false };
  });
  container.addEventListener("pointermove", (event) => {
    if (!drag || event.pointerId !== drag.id) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) {
      drag.moved = true;
      // Captured only once it is a drag, so that a plain click still reaches the node.
      container.setPointerCapture(event.pointerId);
      container.classList.add("dragging");
    }
    current()?.panBy(dx, dy);
    drag.x = event.clientX;
    drag.y = event.clientY;
  });
  const end = (event) => {
    if (!drag || event.pointerId !== drag.id) return;
    if (drag.moved) {
      swallowClick = true;
      setTimeout(() => (swallowClick = false), 0);
    }
    drag = null;
    container.classList.remove("dragging");
  };
  container.addEventListener("pointerup", end);
  container.addEventListener("pointercancel", end);
  container.addEventListener(
    "click",
    (event) => {
      if (swallowClick) {
        event.stopPropagation();
        event.preventDefault();
        swallowClick = false;
      }
    },
    true,
  );
  container.addEventListener(
    "wheel",
    (event) => {
      const panZoom = current();
      if (!panZoom) return;
      event.preventDefault();
      const lines = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1;
      const factor = Math.exp((-event.deltaY * lines) / 500);
      panZoom.zoom(factor, event.clientX, event.clientY);
    },
    { passive: false },
  );
  container.addEventListener("keydown", (event) => {
    const panZoom = current();
    if (!panZoom || event.target !== container || event.altKey || event.ctrlKey || event.metaKey)
      return;
    const step = 60;
    const actions = {
      "+": () => panZoom.zoom(1.25),
      "=": () => panZoom.zoom(1.25),
      "-": () => panZoom.zoom(0.8),
      _: () => panZoom.zoom(0.8),
      0: () => panZoom.fit(),
      ArrowLeft: () => panZoom.panBy(step, 0),
      ArrowRight: () => panZoom.panBy(-step, 0),
      ArrowUp: () => panZoom.panBy(0, step),
      ArrowDown: () => panZoom.panBy(0, -step),
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
}
