// The servers table: search, per-column lookups, sort, column choice, CSV, charts.
import {
  API, LOOKUP_OPTIONS, LOOKUP_TO_FILTER, csvSafe, el, gridTheme, serverHref,
  shortDate,
} from "./common.js";

const FIELDS = ["name", "group", "component", "ip", "dc", "environment", "type", "state", "tags",
  "description"];
const CHARTS = ["state", "dc", "environment"];
const STATE_ORDER = ["planned", "active", "maintenance", "offline", "decommissioned"];

function ipKey(ip) {
  // IPv4 sorts numerically, before IPv6 (which sorts as text).
  const parts = String(ip ?? "").split(".");
  if (parts.length === 4) return "4" + parts.map((p) => p.padStart(3, "0")).join(".");
  return "6" + String(ip ?? "").toLowerCase();
}

function nameCell(params) {
  if (!params.value) return "";
  return el("a", { href: serverHref(params.value), class: "cell-link" }, params.value);
}

/** The value as text, whole in a tooltip: an IPv6 address or a long text is cut in the cell. */
function titledCell(params) {
  const text = params.value ?? "";
  return el("span", { title: text || null }, text);
}

function stateCell(params) {
  return params.value ? el("span", { class: `badge state-${params.value}` }, params.value) : "";
}

const textFilter = {
  filter: "agTextColumnFilter",
  floatingFilter: true,
  filterParams: { filterOptions: LOOKUP_OPTIONS, maxNumConditions: 1 },
};

const COLUMNS = [
  { field: "name", headerName: "Name", pinned: "left", minWidth: 170, cellRenderer: nameCell },
  { field: "group", headerName: "Group", width: 120 },
  { field: "component", headerName: "Component", width: 140 },
  { field: "ip", headerName: "IP", width: 150, comparator: (a, b) => ipKey(a).localeCompare(ipKey(b)),
    cellRenderer: titledCell },
  { field: "dc", headerName: "Datacenter", width: 125 },
  { field: "environment", headerName: "Environment", width: 135 },
  { field: "type", headerName: "Type", width: 110 },
  { field: "state", headerName: "State", width: 150, cellRenderer: stateCell,
    comparator: (a, b) => STATE_ORDER.indexOf(a) - STATE_ORDER.indexOf(b) },
  { field: "tags", headerName: "Tags", width: 170, valueGetter: (p) => (p.data.tags || []).join(", ") },
  { field: "description", headerName: "Description", flex: 1, minWidth: 200, cellRenderer: titledCell },
  { colId: "changed", headerName: "Last change", width: 130, valueGetter: (p) => shortDate(p.data.changed?.date) },
  { colId: "author", headerName: "Changed by", width: 150, hide: true, valueGetter: (p) => p.data.changed?.author ?? "" },
  { colId: "pull_request", headerName: "Pull request", width: 120, hide: true,
    valueGetter: (p) => (p.data.changed?.pull_request ? `#${p.data.changed.pull_request}` : "") },
].map((col) => ({ ...textFilter, ...col }));

/** Filters from the address: ?q=text&dc=fra1&state__in=active,planned&name__iregex=^web */
function filtersFromUrl() {
  const params = new URLSearchParams(window.location.search);
  const model = {};
  for (const [key, value] of params) {
    const [field, lookup = ""] = key.split("__");
    const type = LOOKUP_TO_FILTER[lookup];
    if (FIELDS.includes(field) && type) model[field] = { filterType: "text", type, filter: value };
  }
  return { quick: params.get("q") || "", model };
}

const FILTER_TO_LOOKUP = { equals: "", contains: "icontains", in: "in", iregex: "iregex",
  startsWith: "istartswith" };

function filtersToUrl(api, quick) {
  const params = new URLSearchParams();
  if (quick) params.set("q", quick);
  for (const [field, f] of Object.entries(api.getFilterModel())) {
    const lookup = FILTER_TO_LOOKUP[f.type];
    if (lookup !== undefined && f.filter !== undefined) params.set(lookup ? `${field}__${lookup}` : field, f.filter);
  }
  const query = params.toString();
  window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
}

// The search box: every term must appear in the row's text. The text of each row is
// built once (lowercase, all fields), so a keystroke is one substring test per row.
const SEARCH_TEXT = Symbol("search text");
const SEARCHED = ["name", "group", "component", "ip", "dc", "environment", "type", "state",
  "description"];

function searchText(row) {
  let text = row[SEARCH_TEXT];
  if (text === undefined) {
    const parts = SEARCHED.map((f) => row[f] ?? "");
    parts.push((row.tags || []).join(" "), row.changed?.date ?? "", row.changed?.author ?? "");
    text = row[SEARCH_TEXT] = parts.join("\n").toLowerCase();
  }
  return text;
}

function searchTerms(value) {
  return value.toLowerCase().split(/\s+/).filter(Boolean);
}

// servers.json is sorted by name and its keys are sorted, so every row starts with
// `{"changed":`; a `"` inside a string is always escaped, so `},{"changed":` only ever
// joins two rows. That lets the first rows show while the rest is still arriving.
const ROW_JOIN = '},{"changed":';
const FIRST_ROWS = 200;

function firstRows(text) {
  const start = text.indexOf('"results":[');
  if (start < 0) return null;
  const from = start + '"results":['.length;
  let end = from;
  for (let n = 0; n < FIRST_ROWS; n++) {
    const next = text.indexOf(ROW_JOIN, end + 1);
    if (next < 0) return null;
    end = next + 1;
  }
  try {
    return JSON.parse(`[${text.slice(from, end)}]`);
  } catch {
    return null;
  }
}

/** servers.json, fetched once; `onFirstRows` gets the first rows as soon as they arrive. */
async function loadServers(onFirstRows) {
  const response = await fetch(`${API}servers.json`);
  if (!response.ok) throw new Error(`servers.json: ${response.status} ${response.statusText}`);
  if (!response.body) return response.json();
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parts = [];
  let head = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const text = decoder.decode(value, { stream: true });
    parts.push(text);
    if (head !== null) {
      head += text;
      const rows = firstRows(head);
      if (rows) onFirstRows(rows);
      if (rows || head.length > 4_000_000) head = null;
    }
  }
  parts.push(decoder.decode());
  return JSON.parse(parts.join(""));
}

function makeChart(field) {
  const style = getComputedStyle(document.body);
  Chart.defaults.color = style.getPropertyValue("--muted").trim() || "#666";
  Chart.defaults.borderColor = style.getPropertyValue("--border").trim() || "#ddd";
  return new Chart(document.getElementById(`chart-${field}`), {
    type: "bar",
    data: { labels: [], datasets: [{ label: "Servers", data: [],
      backgroundColor: style.getPropertyValue("--accent").trim() || "#2563eb", borderRadius: 4 }] },
    options: {
      animation: false, maintainAspectRatio: false, indexAxis: field === "state" ? "x" : "y",
      plugins: { legend: { display: false } },
      scales: { x: { ticks: { precision: 0 } }, y: { ticks: { precision: 0 } } },
    },
  });
}

function updateCharts(api, charts) {
  const counts = Object.fromEntries(CHARTS.map((f) => [f, new Map()]));
  api.forEachNodeAfterFilter((node) => {
    for (const f of CHARTS) counts[f].set(node.data[f], (counts[f].get(node.data[f]) || 0) + 1);
  });
  for (const f of CHARTS) {
    let labels = [...counts[f].keys()];
    labels = f === "state" ? STATE_ORDER.filter((s) => counts[f].has(s)) : labels.sort();
    charts[f].data.labels = labels;
    charts[f].data.datasets[0].data = labels.map((l) => counts[f].get(l));
    charts[f].update("none");
  }
}

function columnMenu(api) {
  const box = document.getElementById("columns");
  for (const col of COLUMNS) {
    const id = col.colId || col.field;
    const input = el("input", { type: "checkbox", checked: !col.hide, onchange: (e) => api.setColumnsVisible([id], e.target.checked) });
    box.append(el("label", { class: "menu-item" }, input, col.headerName));
  }
}

async function main() {
  const count = document.getElementById("count");
  const search = document.getElementById("search");
  const initial = filtersFromUrl();
  search.value = initial.quick;
  let terms = searchTerms(initial.quick);
  let total = 0;
  let chartTimer = 0;
  const charts = typeof Chart === "undefined" ? null : Object.fromEntries(CHARTS.map((f) => [f, makeChart(f)]));
  const api = agGrid.createGrid(document.getElementById("grid"), {
    theme: gridTheme(),
    columnDefs: COLUMNS,
    defaultColDef: { sortable: true, resizable: true },
    getRowId: (p) => p.data.name,
    isExternalFilterPresent: () => terms.length > 0,
    doesExternalFilterPass: (node) => {
      const text = searchText(node.data);
      return terms.every((term) => text.includes(term));
    },
    animateRows: false,
    rowData: null,
    onRowClicked: (e) => {
      if (e.event?.target?.closest?.("a")) return;
      window.location.href = serverHref(e.data.name);
    },
    onModelUpdated: () => {
      const shown = api ? api.getDisplayedRowCount() : 0;
      if (total) count.textContent = `${shown.toLocaleString("en")} of ${total.toLocaleString("en")} servers`;
      if (charts && total) {
        clearTimeout(chartTimer);
        chartTimer = setTimeout(() => updateCharts(api, charts), 200);
      }
    },
    onFilterChanged: () => filtersToUrl(api, search.value),
  });
  columnMenu(api);
  search.addEventListener("input", () => {
    terms = searchTerms(search.value);
    api.onFilterChanged();
  });
  document.getElementById("clear").addEventListener("click", () => {
    search.value = "";
    terms = [];
    api.setFilterModel(null);
    api.onFilterChanged();
  });
  // The export's columns and cells (`gitinv export csv`), whatever the table shows, so
  // `gitinv import csv` reads the file back: tags joined by ",", formulas quoted.
  document.getElementById("download").addEventListener("click", () => api.exportDataAsCsv({
    fileName: "servers.csv",
    columnKeys: FIELDS,
    processHeaderCallback: (p) => p.column.getColId(),
    processCellCallback: (p) => csvSafe(p.column.getColId() === "tags" ? (p.node.data.tags || []).join(",") : p.value),
  }));
  try {
    api.setFilterModel(initial.model);
    const data = await loadServers((rows) => {
      api.setGridOption("rowData", rows);
      requestAnimationFrame(() => performance.mark("servers:first-rows-painted"));
      count.textContent = "Loading every server…";
    });
    total = data.count;
    api.setGridOption("rowData", data.results);
    requestAnimationFrame(() => performance.mark("servers:all-rows-painted"));
    // Build the search text while the user reads the first rows, not on the first key.
    setTimeout(() => data.results.forEach(searchText), 50);
  } catch (error) {
    count.textContent = `Could not load servers.json (${error.message})`;
    count.classList.add("error");
    api.setGridOption("rowData", []);
  }
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    if (charts) for (const c of Object.values(charts)) c.update();
  });
}

main();
