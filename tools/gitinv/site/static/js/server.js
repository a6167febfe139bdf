// One server: its fields, the catalog entries it refers to, and its history.
import {
  NAME_RE, codeHostLinks, commitUrl, el, getJson, link, pullUrl, shortDate,
} from "./common.js";
import { openRequests, requestNotice } from "./requestdata.js";

const FIELD_LABELS = [
  ["group", "Group"], ["component", "Component"], ["ip", "IP address"], ["dc", "Datacenter"],
  ["environment", "Environment"], ["type", "Type"], ["state", "State"], ["tags", "Tags"],
  ["description", "Description"],
];
// The order a history entry's fields read in: the file's (fields.json adds the declared).
let fieldOrder = FIELD_LABELS.map(([field]) => field);
const CATALOG_OF = { group: "groups", component: "components", dc: "datacenters",
  environment: "environments", type: "types", tags: "tags" };

function refLink(field, entry) {
  return el("a", { href: `catalogs.html#${CATALOG_OF[field]}-${entry.name}` }, entry.name);
}

function valueNode(field, value) {
  if (value === null || value === undefined || (Array.isArray(value) && !value.length)) {
    return el("span", { class: "muted" }, "—");
  }
  if (field === "state") return el("span", { class: `badge state-${value}` }, value);
  if (field === "tags") return el("span", { class: "tags" }, value.map((t) => el("span", { class: "tag" }, refLink(field, t))));
  if (CATALOG_OF[field]) return refLink(field, value);
  if (field === "ip") return el("code", {}, value);
  return el("span", {}, Array.isArray(value) ? value.join(", ") : String(value));
}

/** The built-in fields' labels, then the fields fields.yaml declares (from fields.json). */
function labels(declared) {
  return [...FIELD_LABELS, ...declared.map((f) => [f.name, f.name])];
}

function fields(server, declared) {
  const dl = el("dl", { class: "fields" });
  for (const [field, label] of labels(declared)) dl.append(el("dt", {}, label), el("dd", { "data-field": field }, valueNode(field, server[field])));
  return el("section", { class: "card" }, el("h2", {}, "Fields"), dl);
}

function attributeText(value) {
  return Array.isArray(value) ? value.join(", ") : String(value);
}

function references(server) {
  const section = el("section", { class: "card" }, el("h2", {}, "References"));
  const list = el("dl", { class: "fields" });
  for (const [field, label] of FIELD_LABELS) {
    if (!CATALOG_OF[field]) continue;
    const entries = Array.isArray(server[field]) ? server[field] : server[field] ? [server[field]] : [];
    for (const entry of entries) {
      const attrs = Object.entries(entry).filter(([key]) => key !== "name");
      const detail = attrs.length
        ? el("ul", { class: "plain" }, attrs.map(([key, value]) => el("li", {}, el("span", { class: "muted" }, `${key}: `), attributeText(value))))
        : el("span", { class: "muted" }, "no attributes");
      list.append(el("dt", {}, `${label} `, refLink(field, entry)), el("dd", {}, detail));
    }
  }
  section.append(list);
  return section;
}

function shown(value) {
  if (value === null || value === undefined) return el("span", { class: "muted" }, "—");
  return el("span", {}, Array.isArray(value) ? value.join(", ") : String(value));
}

function historyEntry(entry) {
  const meta = el("p", { class: "history-meta" },
    el("span", { class: `badge action-${entry.action}` }, entry.action), " ",
    el("time", { datetime: entry.date }, entry.date.replace("T", " ")), " by ", entry.author || "unknown",
    entry.pull_request ? [" in ", link(pullUrl(entry.pull_request), `#${entry.pull_request}`)] : "",
    " · ", link(commitUrl(entry.commit), entry.commit.slice(0, 12), { class: "mono" }));
  const reason = entry.reason ? el("p", { class: "history-reason" }, entry.reason) : "";
  const rank = (field) => (fieldOrder.includes(field) ? fieldOrder.indexOf(field) : fieldOrder.length);
  const changes = Object.entries(entry.changes).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  const rows = changes.map(([field, [oldValue, newValue]]) => el("tr", {},
    el("th", { scope: "row" }, field), el("td", { class: "old" }, shown(oldValue)),
    el("td", { class: "arrow", "aria-hidden": "true" }, "→"), el("td", { class: "new" }, shown(newValue))));
  const table = el("table", { class: "changes" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Field"), el("th", { scope: "col" }, "Old"), el("th", {}, ""), el("th", { scope: "col" }, "New"))),
    el("tbody", {}, rows));
  const unreadable = Object.entries(entry.unreadable || {}).map(([side, why]) =>
    el("p", { class: "unreadable" }, `The ${side} version of the file is ${why}`));
  return el("li", { class: "history-entry" }, meta, reason, unreadable, rows.length ? table : "");
}

function history(server) {
  const section = el("section", { class: "card", id: "history" }, el("h2", {}, `History (${server.history.length})`));
  if (!server.history.length) section.append(el("p", { class: "muted" }, "No recorded change."));
  else section.append(el("ol", { class: "history" }, server.history.map(historyEntry)));
  return section;
}

function fail(status, message) {
  status.textContent = message;
  status.classList.add("error");
  status.setAttribute("role", "alert");
}

function actions(server) {
  const links = codeHostLinks(server.path);
  const bar = el("p", { class: "actions" }, el("code", { class: "path" }, server.path));
  if (links && server.deleted) {
    bar.append(el("a", { class: "button", href: links.log }, "Commits"));
  } else if (links) {
    bar.append(
      el("a", { class: "button primary", href: links.edit }, "Edit (opens a change request)"),
      el("a", { class: "button", href: links.view }, "View file"),
      el("a", { class: "button", href: links.log }, "Commits"),
    );
  }
  return bar;
}

/** When, by whom, in which pull request and why a deleted server went. */
function deletedNotice(server) {
  const d = server.deleted;
  return el("p", { class: "notice", id: "deleted", role: "status" },
    el("strong", {}, "Deleted"), " on ", el("time", { datetime: d.date }, d.date.replace("T", " ")),
    " by ", d.author || "unknown",
    d.pull_request ? [" in ", link(pullUrl(d.pull_request), `#${d.pull_request}`)] : "",
    d.reason ? [": ", el("q", {}, d.reason)] : "",
    ". It is no longer in the inventory; its history stays below.");
}

/** A deleted server's fields as its deletion recorded them (plain text: its catalog
 * entries may be gone too). */
function lastFields(server) {
  const deletion = server.history.find((entry) => entry.action === "deleted");
  const values = { group: server.group };
  for (const [field, [oldValue]] of Object.entries(deletion?.changes || {})) values[field] = oldValue;
  const dl = el("dl", { class: "fields" });
  for (const [field, label] of FIELD_LABELS) dl.append(el("dt", {}, label), el("dd", { "data-field": field }, shown(values[field])));
  return el("section", { class: "card" }, el("h2", {}, "Last known fields"), dl);
}

/** A notice under the title when an open request touches this server (or adds it). */
async function showOpenRequests(name) {
  try {
    const data = await openRequests();
    const notice = data && requestNotice(data.requests, name);
    if (notice) document.getElementById("server-name").after(notice);
  } catch {
    // requests.json is an extra: the server's own page stands without it.
  }
}

async function main() {
  const article = document.getElementById("server");
  const status = document.getElementById("status");
  const name = new URLSearchParams(window.location.search).get("name") || "";
  if (!NAME_RE.test(name)) {
    fail(status, name ? `"${name}" is not a server name.` : "No server given: open one from the servers table.");
    article.setAttribute("aria-busy", "false");
    return;
  }
  document.getElementById("server-name").textContent = name;
  document.title = `${name} · Server inventory`;
  // fields.json names the declared fields; a page stands without it (built-in fields only).
  const declared = getJson("fields.json").then((meta) => meta.fields.filter((f) => !f.builtin), () => []);
  try {
    const server = await getJson(`servers/${name}.json`);
    const extra = await declared;
    fieldOrder = [...fieldOrder, ...extra.map((f) => f.name)];
    status.remove();
    if (server.deleted) {
      document.title = `${name} (deleted) · Server inventory`;
      article.append(deletedNotice(server), actions(server), lastFields(server), history(server));
      await showOpenRequests(name);
      article.setAttribute("aria-busy", "false");
      return;
    }
    const changed = server.history[0];
    article.append(
      el("p", { class: "subtitle" }, `Last changed ${shortDate(changed?.date)}${changed?.author ? ` by ${changed.author}` : ""}`),
      actions(server), el("div", { class: "columns" }, fields(server, extra), references(server)), history(server));
  } catch (error) {
    fail(status, error.status === 404 ? `No server named "${name}" on the main branch.` : `Could not load the server (${error.message}).`);
  }
  await showOpenRequests(name);
  article.setAttribute("aria-busy", "false");
}

main();
