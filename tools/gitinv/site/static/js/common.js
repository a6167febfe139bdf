// Helpers shared by the pages. Values from the inventory are only ever set as text.

export const API = "api/v1/";
export const NAME_RE = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

// What shows as nothing or reorders what is shown: C0 controls but tab and line breaks,
// C1 controls, DEL, the line and paragraph separators, the bidirectional marks,
// embeddings, overrides and isolates, a soft hyphen, zero-width characters, a byte order
// mark, the tag characters. The same as gitinv's text outputs escape (printable.py); a
// test compares the two over every code point.
const UNSEEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\u2800\u3164\ufe00-\ufe0f\uffa0\ufeff\ufff9-\ufffb\u{1d173}-\u{1d17a}\u{e0000}-\u{e007f}\u{e0100}-\u{e01ef}]/gu;

function escaped(char) {
  const code = char.codePointAt(0).toString(16);
  return code.length <= 4 ? `\\u${code.padStart(4, "0")}` : `\\U${code.padStart(8, "0")}`;
}

/** `text` as it is, but what would show as nothing or reorder it written as an escape
 * (`\u202e`): a description cannot read backwards, nor a value hide a character. */
export function visible(text) {
  return text.replace(UNSEEN, escaped);
}

/** Create an element; string children become text nodes, never markup, and show every
 * character they hold (`visible`), as the tooltip does. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = visible(String(value));
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "title") node.setAttribute(key, visible(String(value)));
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(visible(String(child))));
  }
  return node;
}

export async function getJson(path) {
  const response = await fetch(API + path);
  if (!response.ok) {
    const error = new Error(`${path}: ${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return response.json();
}

/** Facts the build wrote on <body>: commit, repository URL, code host and branch. */
export function site() {
  const data = document.body.dataset;
  return { commit: data.commit, repository: data.repository, forge: data.forge, branch: data.branch };
}

/** The repository's web address and the path prefix of its pages: GitLab's are under /-/. */
function host() {
  const { repository, forge } = site();
  if (!repository || !/^https:\/\//.test(repository)) return null;
  return { repository, pages: forge === "gitlab" ? `${repository}/-` : repository, forge };
}

/** Links into the code host for a file of the repository, or null without one. */
export function codeHostLinks(path) {
  const found = host();
  if (!found) return null;
  const tail = `${encodeURIComponent(site().branch)}/${path.split("/").map(encodeURIComponent).join("/")}`;
  return {
    view: `${found.pages}/blob/${tail}`,
    edit: `${found.pages}/edit/${tail}`,
    log: `${found.pages}/commits/${tail}`,
  };
}

export function commitUrl(commit) {
  const found = host();
  return found ? `${found.pages}/commit/${commit}` : null;
}

export function pullUrl(number) {
  const found = host();
  if (!found || !number) return null;
  return found.forge === "gitlab" ? `${found.pages}/merge_requests/${number}` : `${found.pages}/pull/${number}`;
}

export function serverHref(name) {
  return `server.html?name=${encodeURIComponent(name)}`;
}

/** An <a> when there is a URL, plain text otherwise. */
export function link(url, text, props = {}) {
  return url ? el("a", { href: url, ...props }, text) : el("span", {}, text);
}

export function shortDate(iso) {
  return iso ? iso.slice(0, 10) : "";
}

export function showStatus(node, message, isError = false) {
  node.replaceChildren(el("p", { class: isError ? "status error" : "status", role: isError ? "alert" : null }, message));
}

export function prefersDark() {
  return window.matchMedia("(prefers-color-scheme: dark)").matches;
}

/** The ag-grid theme, following the system's light or dark mode. */
export function gridTheme() {
  const setMode = () => { document.body.dataset.agThemeMode = prefersDark() ? "dark" : "light"; };
  setMode();
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", setMode);
  return agGrid.themeQuartz.withPart(agGrid.colorSchemeVariable).withParams({
    fontFamily: "inherit",
    headerFontWeight: 600,
    spacing: 6,
    wrapperBorderRadius: 8,
  });
}

/** The audit log's filter options (a table of its own, not `gitinv query`'s: the servers
 * table takes its lookups from fields.json, see lookups.js). */
export const LOOKUP_OPTIONS = [
  "contains",
  "equals",
  {
    displayKey: "in",
    displayName: "In (a,b,c)",
    predicate: ([wanted], cell) => {
      const set = String(wanted ?? "").toLowerCase().split(",").map((s) => s.trim()).filter(Boolean);
      const parts = String(cell ?? "").toLowerCase().split(", ");
      return parts.some((part) => set.includes(part));
    },
  },
  {
    displayKey: "iregex",
    displayName: "Matches regex",
    predicate: ([pattern], cell) => {
      try {
        return new RegExp(String(pattern ?? ""), "i").test(String(cell ?? ""));
      } catch {
        return false;
      }
    },
  },
  "notContains",
  "startsWith",
  "blank",
  "notBlank",
];

/** A value of a change on one line: absent "—", a list joined, a mapping (a catalog
 * entry compared whole, an invalid file's value) as JSON, not "[object Object]". */
export function shownValue(value) {
  if (value === null || value === undefined) return "—";
  if (Array.isArray(value)) return value.join(", ");
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** Spreadsheet programs run cells that start like a formula; quote those in CSV the way
 * `gitinv export csv` does (one more `'`, also before `'=`), so `import csv` undoes it. */
export function csvSafe(value) {
  const text = value === null || value === undefined ? "" : String(value);
  return /^'*[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}
