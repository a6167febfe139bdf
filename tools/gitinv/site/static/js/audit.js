// The audit log: every change on main, newest first, filterable like the servers table.
import { LOOKUP_OPTIONS, commitUrl, csvSafe, el, getJson, gridTheme, link, pullUrl, serverHref, shownValue, visible } from "./common.js";

// The JSON's keys are sorted; a server's fields read best in the file's order: the
// built-in fields, then those fields.yaml declares (fields.json lists both in order).
let fieldOrder = ["group", "component", "ip", "dc", "environment", "type", "state", "tags", "description"];
const rank = (field) => (fieldOrder.includes(field) ? fieldOrder.indexOf(field) : fieldOrder.length);

function changeLines(changes, unreadable) {
  const notes = Object.entries(unreadable || {}).map(([side, why]) => `${side} version ${why}`);
  const fields = Object.entries(changes).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  return notes.concat(fields.map(([field, [oldValue, newValue]]) => {
    return `${field}: ${shownValue(oldValue)} → ${shownValue(newValue)}`;
  }));
}

/** Every change on a line of its own; the row grows to show them all. */
function changesCell(params) {
  const lines = changeLines(params.data.changes, params.data.unreadable);
  return el("div", { class: "cell-lines", title: lines.join("\n") || null }, lines.map((line) => el("div", {}, line)));
}

/** A value as text, shown as `el` shows every value (see `visible`). */
const textCell = (p) => el("span", {}, p.value ?? "");

const filter = { filter: "agTextColumnFilter", floatingFilter: true,
  filterParams: { filterOptions: LOOKUP_OPTIONS, maxNumConditions: 1 } };

// What a reader looks for first comes first: when, what, why and the changes themselves.
const COLUMNS = [
  // To the minute in the cell (the ISO date sorts and filters; the tooltip has it whole).
  { field: "date", headerName: "Date", width: 160,
    cellRenderer: (p) => el("span", { title: p.value || null }, (p.value || "").slice(0, 16).replace("T", " ")) },
  { field: "kind", headerName: "What", width: 100 },
  { field: "name", headerName: "Name", width: 150,
    // Every server that ever was has a page, a deleted one too.
    cellRenderer: (p) => (p.data.kind === "server"
      ? el("a", { href: serverHref(p.value) }, p.value) : document.createTextNode(visible(p.value ?? ""))) },
  { field: "action", headerName: "Action", width: 105,
    cellRenderer: (p) => el("span", { class: `badge action-${p.value}` }, p.value ?? "") },
  { field: "reason", headerName: "Reason", width: 240, cellRenderer: (p) => el("div", { class: "cell-lines" }, p.value ?? ""),
    wrapText: true, autoHeight: true },
  { colId: "changes", headerName: "Changes", flex: 1, minWidth: 300, valueGetter: (p) => changeLines(p.data.changes, p.data.unreadable).join("; "),
    cellRenderer: changesCell, wrapText: true, autoHeight: true },
  { field: "author", headerName: "Author", width: 140, cellRenderer: textCell },
  { field: "pull_request", headerName: "PR", width: 80, valueGetter: (p) => (p.data.pull_request ? `#${p.data.pull_request}` : ""),
    cellRenderer: (p) => (p.value ? link(pullUrl(p.data.pull_request), p.value) : "") },
  // A path in an old commit may name any folder: its group shows as every value does.
  { field: "group", headerName: "Group", width: 100, cellRenderer: textCell },
  { field: "commit", headerName: "Commit", width: 120,
    cellRenderer: (p) => (p.value ? link(commitUrl(p.value), p.value.slice(0, 12), { class: "mono" }) : "") },
].map((c) => ({ ...filter, ...c }));

async function main() {
  const count = document.getElementById("count");
  const search = document.getElementById("search");
  let total = 0;
  const api = agGrid.createGrid(document.getElementById("grid"), {
    theme: gridTheme(),
    columnDefs: COLUMNS,
    defaultColDef: { sortable: true, resizable: true },
    // Few columns: render them all, so the rows' heights always count the Changes cell.
    suppressColumnVirtualisation: true,
    cacheQuickFilter: true,
    animateRows: false,
    rowData: null,
    onModelUpdated: () => {
      if (api && total) count.textContent = `${api.getDisplayedRowCount().toLocaleString("en")} of ${total.toLocaleString("en")} changes`;
    },
  });
  const name = new URLSearchParams(window.location.search).get("name");
  search.addEventListener("input", () => api.setGridOption("quickFilterText", search.value));
  document.getElementById("download").addEventListener("click", () => api.exportDataAsCsv({
    fileName: "audit.csv", processCellCallback: (p) => csvSafe(p.value) }));
  try {
    const [data, meta] = await Promise.all([getJson("audit.json"), getJson("fields.json").catch(() => null)]);
    if (meta) fieldOrder = meta.fields.map((f) => f.name);
    total = data.count;
    if (name) api.setFilterModel({ name: { filterType: "text", type: "equals", filter: name } });
    api.setGridOption("rowData", data.results);
  } catch (error) {
    count.textContent = `Could not load audit.json (${error.message})`;
    count.classList.add("error");
    api.setGridOption("rowData", []);
  }
}

main();
