// The six catalogs, each entry with its attributes and a link to the servers using it.
import { el, getJson, showStatus } from "./common.js";

const CATALOGS = [
  ["groups", "Groups", "group"], ["components", "Components", "component"],
  ["datacenters", "Datacenters", "dc"], ["environments", "Environments", "environment"],
  ["types", "Types", "type"], ["tags", "Tags", "tags"],
];

function cell(value) {
  if (value === null || value === undefined) return el("td", { class: "muted" }, "—");
  if (Array.isArray(value)) return el("td", {}, el("ul", { class: "plain" }, value.map((v) => el("li", {}, String(v)))));
  return el("td", {}, String(value));
}

function table(catalog, field, results) {
  const keys = [...new Set(results.flatMap((r) => Object.keys(r)))]
    .filter((k) => k !== "name" && k !== "server_count").sort((a, b) => (a === "description" ? -1 : b === "description" ? 1 : a.localeCompare(b)));
  const head = el("tr", {}, el("th", { scope: "col" }, "Name"), keys.map((k) => el("th", { scope: "col" }, k)), el("th", { scope: "col", class: "num" }, "Servers"));
  const rows = results.map((entry) => {
    const lookup = field === "tags" ? `tags__in=${encodeURIComponent(entry.name)}` : `${field}=${encodeURIComponent(entry.name)}`;
    return el("tr", { id: `${catalog}-${entry.name}` },
      el("th", { scope: "row" }, el("code", {}, entry.name)),
      keys.map((k) => cell(entry[k])),
      el("td", { class: "num" }, el("a", { href: `index.html?${lookup}` }, String(entry.server_count))));
  });
  return el("div", { class: "table-scroll" }, el("table", { class: "data" }, el("thead", {}, head), el("tbody", {}, rows)));
}

async function main() {
  const box = document.getElementById("catalogs");
  const toc = document.getElementById("toc");
  try {
    const loaded = await Promise.all(CATALOGS.map(([name]) => getJson(`${name}.json`)));
    box.replaceChildren();
    CATALOGS.forEach(([name, title, field], i) => {
      toc.append(el("a", { href: `#${name}` }, `${title} (${loaded[i].count})`));
      box.append(el("section", { class: "card", id: name },
        el("h2", {}, title, " ", el("a", { class: "muted small", href: `api/v1/${name}.json` }, `${name}.json`)),
        loaded[i].count ? table(name, field, loaded[i].results) : el("p", { class: "muted" }, "No entries.")));
    });
    if (window.location.hash) document.getElementById(decodeURIComponent(window.location.hash.slice(1)))?.scrollIntoView();
  } catch (error) {
    showStatus(box, `Could not load the catalogs (${error.message}).`, true);
  }
}

main();
