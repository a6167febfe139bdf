// The audit log: every change on main, newest first, filterable like the servers table.
import { LOOKUP_OPTIONS, commitUrl, csvSafe, el, getJson, gridTheme, link, pullUrl, serverHref } from "./common.js";

function summary(changes) {
  return Object.entries(changes).map(([field, [oldValue, newValue]]) => {
    const show = (v) => (v === null || v === undefined ? "—" : Array.isArray(v) ? v.join(", ") : String(v));
    return `${field}: ${show(oldValue)} → ${show(newValue)}`;
  }).join("; ");
}

const filter = { filter: "agTextColumnFilter", floatingFilter: true,
  filterParams: { filterOptions: LOOKUP_OPTIONS, maxNumConditions: 1 } };

const COLUMNS = [
  { field: "date", headerName: "Date", width: 190, valueFormatter: (p) => (p.value || "").replace("T", " ") },
  { field: "kind", headerName: "What", width: 110 },
  { field: "name", headerName: "Name", width: 160,
    cellRenderer: (p) => (p.data.kind === "server" && p.data.action !== "deleted"
      ? el("a", { href: serverHref(p.value) }, p.value) : document.createTextNode(p.value ?? "")) },
  { field: "group", headerName: "Group", width: 100 },
  { field: "action", headerName: "Action", width: 110,
    cellRenderer: (p) => el("span", { class: `badge action-${p.value}` }, p.value ?? "") },
  { field: "author", headerName: "Author", width: 140 },
  { field: "pull_request", headerName: "PR", width: 80, valueGetter: (p) => (p.data.pull_request ? `#${p.data.pull_request}` : ""),
    cellRenderer: (p) => (p.value ? link(pullUrl(p.data.pull_request), p.value) : "") },
  { field: "subject", headerName: "Title", width: 220 },
  { field: "commit", headerName: "Commit", width: 120,
    cellRenderer: (p) => (p.value ? link(commitUrl(p.value), p.value.slice(0, 12), { class: "mono" }) : "") },
  { colId: "changes", headerName: "Changes", flex: 1, minWidth: 260, valueGetter: (p) => summary(p.data.changes) },
].map((c) => ({ ...filter, ...c }));

async function main() {
  const count = document.getElementById("count");
  const search = document.getElementById("search");
  let total = 0;
  const api = agGrid.createGrid(document.getElementById("grid"), {
    theme: gridTheme(),
    columnDefs: COLUMNS,
    defaultColDef: { sortable: true, resizable: true },
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
    const data = await getJson("audit.json");
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
