// The records page: the organisations a token may read, each with its Article 30 record as a
// workbook and a PDF in every regulator's layout. A regulator's token is offered the edition
// for the supervisory authority only; a DPO's or an admin's both editions. Everything listed
// comes from GET /api/v1/exports/records, so the page never names what the token may not see.

import { ApiError, Unauthorised, fileName, forgetToken, get, setToken, token } from "./api.js";

const LANGUAGES = ["en", "fr", "de"];
const FORMATS = [
  { key: "xlsx", path: "exports/article30.xlsx", text: "workbook" },
  { key: "pdf", path: "exports/article30.pdf", text: "pdf" },
];

const NOTICE_LANGUAGES = [
  { key: "en", name: "English" },
  { key: "de", name: "Deutsch" },
  { key: "fr", name: "Français" },
];
const NOTICE_FORMATS = [
  { key: "html", text: "notice_html" },
  { key: "pdf", text: "pdf" },
];

const $ = (id) => document.getElementById(id);
let texts = null; // the page's words in the reader's language (records-text.json)

function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** The first of the reader's languages the page speaks, else English. */
function language() {
  for (const wanted of navigator.languages || [navigator.language || "en"]) {
    const base = String(wanted).toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

async function loadTexts() {
  const chosen = language();
  let all = {};
  try {
    const response = await fetch(new URL("../records-text.json", import.meta.url), {
      credentials: "omit",
    });
    if (response.ok) all = await response.json();
  } catch {
    // the English of the HTML stays
  }
  texts = { ...(all.en || {}), ...(all[chosen] || {}) };
  texts.profiles = { ...((all.en || {}).profiles || {}), ...((all[chosen] || {}).profiles || {}) };
  document.documentElement.lang = all[chosen] ? chosen : "en";
  if (texts.title) document.title = texts.title;
  for (const element of document.querySelectorAll("[data-text]")) {
    const text = texts[element.dataset.text];
    if (typeof text === "string") element.textContent = text;
  }
}

function say(key, values = {}) {
  const template = (texts && texts[key]) || key;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
}

function setStatus(text, kind = "info") {
  const status = $("status");
  status.textContent = text;
  status.dataset.kind = kind;
}

// --- the token ------------------------------------------------------------------------------

function showLogin(message = "") {
  const note = $("login-message");
  note.textContent = message;
  note.hidden = !message;
  if (!$("login").open) $("login").showModal();
  $("token-input").focus();
}

function fail(error) {
  if (error instanceof Unauthorised) {
    forgetToken();
    showLogin(say("refused"));
  } else if (error instanceof ApiError && error.status === 403) {
    setStatus(`${say("not_allowed")} ${error.message}`, "error");
  } else if (error instanceof ApiError) {
    setStatus(`${say("failed")} ${error.message}`, "error");
  } else {
    setStatus(`${say("unreachable")} ${error.message || error}`, "error");
  }
}

async function submitToken(event) {
  event.preventDefault();
  const value = $("token-input").value.trim();
  if (!value) {
    showLogin(say("enter_token"));
    return;
  }
  setToken(value);
  $("token-input").value = "";
  $("login").close();
  await loadRecords();
}

// --- the list -------------------------------------------------------------------------------

function profileName(profile) {
  const known = texts.profiles[profile.name];
  return known ? known[0] : profile.title;
}

function profileNote(profile) {
  const known = texts.profiles[profile.name];
  return known ? known[1] : "";
}

function recordTable(organisation, profiles, editions) {
  const head = h(
    "tr",
    {},
    h("th", { scope: "col" }, say("layout")),
    editions.map((edition) =>
      h(
        "th",
        { scope: "col" },
        say(`edition_${edition}`),
        h("span", { class: "profile-note" }, say(`edition_${edition}_note`)),
      ),
    ),
  );
  const rows = profiles.map((profile) =>
    h(
      "tr",
      { "data-profile": profile.name },
      h(
        "th",
        { scope: "row" },
        profileName(profile),
        h("span", { class: "profile-note" }, profileNote(profile)),
      ),
      editions.map((edition) =>
        h(
          "td",
          { "data-edition": say(`edition_${edition}`) },
          FORMATS.map((format) => {
            const button = h(
              "button",
              {
                type: "button",
                class: edition === "regulator" ? "" : "secondary",
                "data-format": format.key,
                "data-edition": edition,
                "aria-label": say("download_label", {
                  format: say(format.text),
                  organisation: organisation.name,
                  profile: profileName(profile),
                  edition: say(`edition_${edition}`),
                }),
              },
              say(format.text),
            );
            button.addEventListener("click", () =>
              download(button, format, organisation, profile, edition),
            );
            return button;
          }),
        ),
      ),
    ),
  );
  return h(
    "table",
    { class: "record-table" },
    h("thead", {}, head),
    h("tbody", {}, rows),
  );
}

function render(index) {
  const list = $("organisations");
  list.replaceChildren();
  $("viewer-link").hidden = !index.editions.includes("internal"); // not for regulators
  if (!index.organisations.length) {
    setStatus(say("none"));
    return;
  }
  setStatus("");
  for (const organisation of index.organisations) {
    list.append(
      h(
        "section",
        { class: "organisation", "data-organisation": organisation.key },
        h("h3", {}, organisation.name),
        recordTable(organisation, index.profiles, index.editions),
        noticeLinks(organisation),
      ),
    );
  }
}

async function loadRecords() {
  setStatus(say("loading"), "busy");
  try {
    render(await get("exports/records"));
  } catch (error) {
    fail(error);
  }
}

// --- downloads ------------------------------------------------------------------------------

async function download(button, format, organisation, profile, edition) {
  await fetchFile(
    button,
    format.path,
    { organisation: organisation.key, profile: profile.name, edition },
    `article30-${organisation.key}-${profile.name}.${format.key}`,
    `${organisation.name} · ${profileName(profile)}`,
  );
}

async function fetchFile(button, path, parameters, fallback, what) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  setStatus(say("preparing", { file: what }), "busy");
  try {
    const response = await get(path, parameters, { as: "response" });
    const blob = await response.blob();
    const name = fileName(response.headers.get("content-disposition")) || fallback;
    const url = URL.createObjectURL(blob);
    const link = h("a", { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    setStatus(say("downloaded", { file: name }));
  } catch (error) {
    fail(error);
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

/** The organisation's privacy notice (Art 13 and 14), written from the record, per language. */
function noticeLinks(organisation) {
  const items = NOTICE_LANGUAGES.map((language) =>
    h(
      "li",
      { "data-language": language.key },
      h("span", { class: "notice-language", lang: language.key }, language.name),
      NOTICE_FORMATS.map((format) => {
        const button = h(
          "button",
          {
            type: "button",
            class: "secondary",
            "data-notice": `${language.key}-${format.key}`,
            "aria-label": say("notice_label", {
              format: say(format.text),
              language: language.name,
              organisation: organisation.name,
            }),
          },
          say(format.text),
        );
        button.addEventListener("click", () =>
          fetchFile(
            button,
            `organisations/${encodeURIComponent(organisation.key)}/notice`,
            { language: language.key, format: format.key },
            `notice-${organisation.key}-${language.key}.${format.key}`,
            `${organisation.name} · ${say("notice")} (${language.name})`,
          ),
        );
        return button;
      }),
    ),
  );
  return h(
    "div",
    { class: "notice" },
    h("h4", {}, say("notice")),
    h("ul", { class: "notice-list" }, items),
  );
}

// --- wiring ---------------------------------------------------------------------------------

async function start() {
  await loadTexts();
  $("login-form").addEventListener("submit", submitToken);
  $("login").addEventListener("cancel", (event) => {
    if (!token()) event.preventDefault(); // nothing to show without a token
  });
  $("forget-token").addEventListener("click", () => {
    forgetToken();
    $("organisations").replaceChildren();
    setStatus("");
    showLogin(say("forgotten"));
  });
  $("print").addEventListener("click", () => window.print());
  document.querySelector(".skip").addEventListener("click", (event) => {
    event.preventDefault();
    $("records").focus();
  });
  if (!token()) {
    showLogin();
    return;
  }
  await loadRecords();
}

start();
