// The servers table: search, per-column lookups, sort, column choice, CSV, charts.
//
// servers.json is read by a worker into columns (servers-store.js); the grid holds only the
// rows on screen and asks for the others as it scrolls (ag-grid's infinite row model), and
// the search, the column filters and the sort run over the columns.
// The columns, their kinds and their lookups come from api/v1/fields.json: the inventory's
// fields (built-in and declared) and the lookups `gitinv query` has (lookups.js).
import { API, csvSafe, el, getJson, gridTheme, serverHref, visible } from "./common.js";
import { LIST_SEP, filterOptions, lookupsFor, parseLookup, rulesByName } from "./lookups.js";
import { RowReader, STATE_ORDER, Store, StoreBuilder } from "./servers-store.js";

const CHARTS = ["state", "dc", "environment"];
const BLOCK = 100;
const FIRST_ROWS = 200;

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

// How the table shows the built-in columns; a declared field gets its name as its header.
const LOOKS = {
  name: { headerName: "Name", pinned: "left", minWidth: 170, cellRenderer: nameCell },
  group: { headerName: "Group", width: 120 },
  component: { headerName: "Component", width: 140 },
  ip: { headerName: "IP", width: 150, cellRenderer: titledCell },
  dc: { headerName: "Datacenter", width: 125 },
  environment: { headerName: "Environment", width: 135 },
  type: { headerName: "Type", width: 110 },
  state: { headerName: "State", width: 150, cellRenderer: stateCell },
  tags: { headerName: "Tags", width: 170 },
  description: { headerName: "Description", flex: 1, minWidth: 200, cellRenderer: titledCell },
};

/** The grid's columns: every field of fields.json with its lookups as the filter's options
 * (applied as they are typed: a few milliseconds even at 300,000 rows), then the last change. */
function gridColumns(meta) {
  const rules = rulesByName(meta);
  const textColumn = (column) => ({
    filter: "agTextColumnFilter",
    floatingFilter: true,
    filterParams: { filterOptions: filterOptions(column, rules), maxNumConditions: 1, debounceMs: 0,
      defaultOption: column.lookups.includes("icontains") ? "icontains" : column.lookups[0] },
  });
  const fields = meta.fields.map((f) => ({
    field: f.name,
    headerName: f.name,
    width: 130,
    cellRenderer: f.builtin ? undefined : titledCell,
    headerTooltip: f.description ? visible(f.description) : undefined,
    ...textColumn(f),
    ...LOOKS[f.name],
  }));
  const text = { kind: "string", is_list: false, lookups: lookupsFor(meta, "string") };
  const change = [
    { field: "changed", headerName: "Last change", width: 130 },
    { field: "author", headerName: "Changed by", width: 150, hide: true, cellRenderer: titledCell },
    { field: "pull_request", headerName: "Pull request", width: 120, hide: true },
  ].map((col) => ({ ...textColumn({ ...text, name: col.field }), ...col }));
  return [...fields, ...change];
}

/** Each column's filter options, by column id, for the store. */
function optionsById(columns) {
  return Object.fromEntries(columns.map((c) => [c.field, c.filterParams.filterOptions]));
}

/** Filters from the address: ?q=text&dc=fra1&state__in=active,planned&cpu__gte=8 */
function filtersFromUrl(meta) {
  const params = new URLSearchParams(window.location.search);
  const byName = Object.fromEntries(meta.fields.map((f) => [f.name, f]));
  const model = {};
  for (const [key, value] of params) {
    const parsed = parseLookup(key, value, byName);
    if (parsed) model[parsed[0]] = parsed[1];
  }
  return { quick: params.get("q") || "", model };
}

// A moment after the last edit: history.replaceState costs a few milliseconds an edit.
let urlTimer = 0;
function filtersToUrl(api, quick, fieldNames) {
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => writeUrl(api, quick, fieldNames), 150);
}

function writeUrl(api, quick, fieldNames) {
  const params = new URLSearchParams();
  if (quick) params.set("q", quick);
  for (const [field, f] of Object.entries(api.getFilterModel())) {
    if (!fieldNames.has(field) || f.filter === undefined) continue;
    params.set(f.type === "exact" ? field : `${field}__${f.type}`, f.filter);
  }
  const query = params.toString();
  window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
}

function searchTerms(value) {
  return value.toLowerCase().split(/\s+/).filter(Boolean);
}

// Lets the page run its other tasks and paint: reads of a body that has already arrived
// follow each other without a break otherwise.
function nextTask() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

/** Fetches servers.json once. Its first rows are read here, to show at once (`{first}`, a
 * Store's data); all of it goes to a worker, which posts the messages of servers-worker.js.
 * A failure before every row is in is `{error}`; after, it only ends the worker's sorting.
 * The worker starts once the first rows are painted: on a busy machine it would take the
 * time they need otherwise. */
function loadServers(fieldsReady, onMessage) {
  let worker = null;
  let all = false;
  const waiting = []; // chunks and the end, until the worker starts
  const send = (message) => (worker ? worker.postMessage(message, message.chunk ? [message.chunk.buffer] : []) : waiting.push(message));
  const fail = (message) => {
    worker?.terminate();
    onMessage(all ? { ranked: true } : { error: message });
  };
  const start = () => {
    if (worker) return;
    worker = new Worker(new URL("./servers-worker.js", import.meta.url), { type: "module" });
    worker.onmessage = ({ data }) => {
      if (data.ranked || data.error) worker.terminate(); // the last message: its memory goes with it
      all ||= Boolean(data.all);
      if (data.error) fail(data.error);
      else onMessage(data);
    };
    worker.onerror = (event) => fail(event.message || "the worker failed");
    waiting.splice(0).forEach(send);
  };
  (async () => {
    const response = await fetch(`${API}servers.json`);
    if (!response.ok) throw new Error(`servers.json: ${response.status} ${response.statusText}`);
    const { fields } = await fieldsReady;
    send({ fields });
    const reader = response.body.getReader();
    let head = { decoder: new TextDecoder(), rows: new RowReader(), first: [], length: 0 };
    let busy = performance.now();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (performance.now() - busy > 10) {
        await nextTask();
        busy = performance.now();
      }
      if (head) {
        try {
          const text = head.decoder.decode(value, { stream: true });
          head.length += text.length;
          head.first.push(...head.rows.push(text).slice(0, FIRST_ROWS - head.first.length));
        } catch {
          head = null; // the worker finds out what is wrong with it
        }
        if (head?.first.length >= FIRST_ROWS) {
          const first = new StoreBuilder(fields);
          first.add(head.first);
          onMessage({ first: first.finish().data });
          requestAnimationFrame(() => setTimeout(start, 0)); // once they are painted
          busy = 0; // and let the grid draw them now
          head = null;
        } else if (head === null || head.length > 4_000_000) {
          head = null;
          start(); // no first rows to show before the others
        }
      }
      send({ chunk: value });
    }
    send({ end: true });
    start();
  })().catch((error) => fail(error.message));
}

// Chart.js, loaded once the first rows are painted: the charts count every row, which come
// later, and compiling the script first would hold the first rows back. A page of one's own
// (site/templates/index.html) that loads it with a script tag is used as it is.
const CHART_JS = new URL("../vendor/chart.js/chart.umd.min.js", import.meta.url);

function loadChartJs() {
  if (typeof Chart !== "undefined") return Promise.resolve();
  return new Promise((resolve, reject) => {
    document.head.append(el("script", { src: CHART_JS.href, onload: resolve, onerror: () => reject(new Error("chart.js")) }));
  });
}

/** The charts' colours from the stylesheet's variables, which change with the light or
 * dark scheme: the defaults for new charts, and each chart's own (Chart.js keeps the
 * colours a chart was made with). The bars' colour is returned. */
function chartColours(charts = {}) {
  const style = getComputedStyle(document.body);
  const colour = (name, otherwise) => style.getPropertyValue(name).trim() || otherwise;
  const [text, lines, bars] = [colour("--muted", "#666"), colour("--border", "#ddd"), colour("--accent", "#2563eb")];
  Chart.defaults.color = text;
  Chart.defaults.borderColor = lines;
  for (const c of Object.values(charts)) {
    c.data.datasets[0].backgroundColor = bars;
    for (const axis of Object.values(c.options.scales)) {
      [axis.ticks.color, axis.grid.color, axis.border.color] = [text, lines, lines];
    }
    c.update(); // not "none": that mode keeps the bars' options as they were resolved
  }
  return bars;
}

function makeChart(field) {
  return new Chart(document.getElementById(`chart-${field}`), {
    type: "bar",
    data: { labels: [], datasets: [{ label: "Servers", data: [], backgroundColor: chartColours(), borderRadius: 4 }] },
    options: {
      animation: false, maintainAspectRatio: false, indexAxis: field === "state" ? "x" : "y",
      plugins: { legend: { display: false } },
      scales: { x: { ticks: { precision: 0 } }, y: { ticks: { precision: 0 } } },
    },
  });
}

function updateCharts(store, view, charts) {
  for (const f of CHARTS) {
    const counts = store.counts(f, view);
    let labels = [...counts.keys()];
    labels = f === "state" ? STATE_ORDER.filter((s) => counts.has(s)) : labels.sort();
    charts[f].data.labels = labels;
    charts[f].data.datasets[0].data = labels.map((l) => counts.get(l));
    charts[f].update("none");
  }
}

function columnMenu(api, columns) {
  const box = document.getElementById("columns");
  for (const col of columns) {
    const id = col.colId || col.field;
    const input = el("input", { type: "checkbox", checked: !col.hide, onchange: (e) => api.setColumnsVisible([id], e.target.checked) });
    box.append(el("label", { class: "menu-item" }, input, col.headerName));
  }
}

/** The rows the filters leave, in the order shown, in the export's columns and cells
 * (`gitinv export csv`) whatever the table shows, so `gitinv import csv` reads the file
 * back: tags joined by ",", formulas quoted; every value in quotes, as ag-grid writes. */
function downloadCsv(store, view, fieldNames) {
  const quote = (value) => `"${csvSafe(value).replaceAll('"', '""')}"`;
  const lines = [fieldNames.map(quote).join(",")];
  const cell = (id, i) => {
    const value = store.valueOf(id, store.columns[id].codes[i]);
    return store.lists.has(id) ? (value ?? "").split(LIST_SEP).join(",") : value;
  };
  for (let j = 0; j < view.length; j++) lines.push(fieldNames.map((f) => quote(cell(f, view[j]))).join(","));
  const url = URL.createObjectURL(new Blob(["\uFEFF", lines.join("\r\n")], { type: "text/csv" }));
  const link = el("a", { href: url, download: "servers.csv", style: "display:none" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

async function main() {
  const count = document.getElementById("count");
  const search = document.getElementById("search");
  // fields.json and servers.json are fetched side by side; the first is small.
  const fieldsReady = getJson("fields.json");
  const early = [];
  let receive = (message) => early.push(message);
  loadServers(fieldsReady, (message) => receive(message));
  let meta;
  try {
    meta = await fieldsReady;
  } catch (error) {
    count.textContent = `Could not load fields.json (${error.message})`;
    count.classList.add("error");
    return;
  }
  const columns = gridColumns(meta);
  const options = optionsById(columns);
  const fieldNames = meta.fields.map((f) => f.name);
  const urlFields = new Set(fieldNames);
  const initial = filtersFromUrl(meta);
  search.value = initial.quick;
  let terms = searchTerms(initial.quick);
  let store = null;
  let total = 0;
  let view = new Uint32Array(0);
  let viewKey = null;
  let chartTimer = 0;
  let marks = []; // performance marks for the frame that shows the next rows handed over
  let ranking = new Set(); // columns the worker is still sorting
  const waiting = []; // requests for rows sorted by one of them
  let charts = null;
  let chartsAsked = false;
  let viewStore = null; // the store `view` indexes
  const startCharts = () => {
    // A page of one's own without the charts' canvases has none to draw.
    if (!CHARTS.every((f) => document.getElementById(`chart-${f}`))) return;
    loadChartJs()
      .then(() => {
        charts = Object.fromEntries(CHARTS.map((f) => [f, makeChart(f)]));
        // With every row in, the counts of the view; before, the view worked out then does.
        if (total && viewStore === store) updateCharts(store, view, charts);
      })
      .catch(() => {}); // without its charts the page is still the table
  };

  // The rows matching the search and the column filters, in the sort's order; worked out
  // again only when one of them changed.
  const currentView = (filterModel, sortModel) => {
    const key = JSON.stringify([terms, filterModel, sortModel]);
    if (store && key !== viewKey) {
      viewKey = key;
      view = store.view(terms, filterModel, sortModel, options);
      viewStore = store;
      if (total) count.textContent = `${view.length.toLocaleString("en")} of ${total.toLocaleString("en")} servers`;
      if (charts) {
        clearTimeout(chartTimer);
        const [shownStore, shownView] = [store, view];
        chartTimer = setTimeout(() => updateCharts(shownStore, shownView, charts), 200);
      }
      marks.push(["servers:view-shown", { search: search.value }]);
    }
    return view;
  };

  const api = agGrid.createGrid(document.getElementById("grid"), {
    theme: gridTheme(),
    columnDefs: columns,
    defaultColDef: { sortable: true, resizable: true },
    rowModelType: "infinite",
    cacheBlockSize: BLOCK,
    maxBlocksInCache: 5, // a search reloads every block kept: only those around the screen
    rowBuffer: 3,
    getRowId: (p) => p.data.name,
    animateRows: false,
    onRowClicked: (e) => {
      if (!e.data || e.event?.target?.closest?.("a")) return;
      window.location.href = serverHref(e.data.name);
    },
    onFilterChanged: () => filtersToUrl(api, search.value, urlFields),
  });
  const datasource = {
    getRows: (params) => {
      if (params.sortModel.some((s) => ranking.has(s.colId))) {
        waiting.push(() => datasource.getRows(params));
        return;
      }
      const rows = currentView(params.filterModel, params.sortModel);
      const out = [];
      for (let j = params.startRow; j < Math.min(params.endRow, rows.length); j++) out.push(store.row(rows[j]));
      params.successCallback(out, rows.length);
      if (marks.length) {
        // For measurements: the frame that paints these rows.
        const due = marks;
        marks = [];
        requestAnimationFrame(() => due.forEach(([name, detail]) => performance.mark(name, { detail })));
      }
      if (!chartsAsked) {
        chartsAsked = true;
        requestAnimationFrame(() => setTimeout(startCharts, 0)); // once the first rows are painted
      }
    },
  };
  columnMenu(api, columns);
  search.addEventListener("input", () => {
    terms = searchTerms(search.value);
    filtersToUrl(api, search.value, urlFields);
    // Reload the rows in place (no blank frame), with the new search.
    if (store) api.refreshInfiniteCache();
  });
  document.getElementById("clear").addEventListener("click", () => {
    search.value = "";
    terms = [];
    api.setFilterModel(null);
    api.onFilterChanged();
  });
  document.getElementById("download").addEventListener("click", () => {
    if (store) downloadCsv(store, currentView(api.getFilterModel(), sortModelOf(api)), fieldNames);
  });
  api.setFilterModel(initial.model);
  receive = (message) => {
    if (message.error) {
      count.textContent = `Could not load servers.json (${message.error})`;
      count.classList.add("error");
      store = Store.empty(meta.fields);
      viewKey = null; // not the first rows' view over the empty store
      api.setGridOption("datasource", datasource);
      return;
    }
    if (message.rank || message.ranked) {
      if (message.rank) store.ranks[message.rank[0]] ??= message.rank[1];
      if (message.rank) ranking.delete(message.rank[0]);
      else ranking.clear();
      waiting.splice(0).forEach((retry) => retry());
      return;
    }
    if (message.first) {
      store = new Store(message.first);
      count.textContent = "Loading every server…";
      marks.push(["servers:first-rows-painted"]);
      api.setGridOption("datasource", datasource);
      return;
    }
    const first = store === null;
    store = new Store(message.all);
    total = message.count ?? store.n;
    ranking = new Set(message.ranking);
    viewKey = null;
    marks.push(["servers:all-rows-painted"]);
    if (first) api.setGridOption("datasource", datasource);
    else api.refreshInfiniteCache();
  };
  early.splice(0).forEach(receive);
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    if (charts) chartColours(charts);
  });
}

function sortModelOf(api) {
  return api.getColumnState().filter((c) => c.sort).sort((a, b) => (a.sortIndex ?? 0) - (b.sortIndex ?? 0))
    .map((c) => ({ colId: c.colId, sort: c.sort }));
}

main();
