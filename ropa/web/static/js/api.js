// Calls to the ropa API with the bearer token kept in this tab's sessionStorage.

const TOKEN_KEY = "ropa.viewer.token";
const PAGE_SIZE = 1000;

// The page lives at <service>/viewer/; the API is at <service>/api/v1/.
const SERVICE_ROOT = new URL("../", document.baseURI);

export class Unauthorised extends Error {}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

export function apiUrl(path, params = {}) {
  const url = new URL(`api/v1/${path}`, SERVICE_ROOT);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") {
      url.searchParams.set(name, String(value));
    }
  }
  return url;
}

async function problemText(response) {
  try {
    const body = await response.json();
    const parts = [body.detail || body.title || response.statusText];
    for (const error of (body.errors || []).slice(0, 3)) {
      if (error && error.message && error.message !== body.detail) {
        parts.push(error.path ? `${error.path}: ${error.message}` : error.message);
      }
    }
    return parts.filter(Boolean).join("; ");
  } catch {
    return `${response.status} ${response.statusText}`.trim();
  }
}

/**
 * GET an API path. `as` is "json" (default), "text" or "response".
 * A 401 throws Unauthorised; any other failure throws ApiError with the problem's detail.
 */
export async function get(path, params = {}, { signal, as = "json" } = {}) {
  const response = await fetch(apiUrl(path, params), {
    headers: { Authorization: `Bearer ${token() || ""}` },
    signal,
    credentials: "omit",
    cache: "no-store",
  });
  if (response.status === 401) {
    throw new Unauthorised(await problemText(response));
  }
  if (!response.ok) {
    throw new ApiError(response.status, await problemText(response));
  }
  if (as === "response") return response;
  if (as === "text") return response.text();
  return response.json();
}

/** Every item of a paged collection, following `next_after`. */
export async function listAll(collection, params = {}, options = {}) {
  const items = [];
  let after;
  do {
    const page = await get(collection, { ...params, limit: PAGE_SIZE, after }, options);
    items.push(...page.items);
    after = page.next_after;
  } while (after);
  return items;
}

/** How many items a collection holds, without fetching them. */
export async function total(collection, params = {}, options = {}) {
  const page = await get(collection, { ...params, limit: 1 }, options);
  return page.total;
}

/** The file name a Content-Disposition header gives, or null. */
export function fileName(disposition) {
  if (!disposition) return null;
  const encoded = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  if (encoded) {
    try {
      return decodeURIComponent(encoded[1].trim());
    } catch {
      // fall through to the plain form
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/.exec(disposition);
  const name = plain && (plain[1] ?? plain[2]).trim();
  // Never let a server-chosen name climb out of the downloads folder.
  return name ? name.replace(/[\\/]/g, "_") : null;
}
