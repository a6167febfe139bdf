// The ag-grid the dashboard loads as the global `agGrid`: the package's own build
// (ag-grid-community.min.js in its dist/, 2 MB) registers every module of the community
// edition, and a browser spends a fifth of a second compiling it before the table can
// show a row. This one holds what gitinv's pages use, 0.86 MB. `make vendor` rebuilds it;
// a page that uses another grid feature needs its module here, else ag-grid reports the
// module missing in the console (the browser tests fail on that).
import {
  ClientSideRowModelApiModule, // the table tests' reference grid: forEachNodeAfterFilterAndSort
  ClientSideRowModelModule, // the audit log's rows
  ColumnApiModule, // Columns menu: setColumnsVisible, getColumnState
  CsvExportModule, // the audit log's Download CSV
  ExternalFilterModule, // the table tests' reference grid (tests/site/test_site_table.py)
  InfiniteRowModelModule, // the servers table: rows asked of servers-store.js
  ModuleRegistry,
  QuickFilterModule, // the audit log's search
  RowApiModule, // the audit log's count: getDisplayedRowCount
  RowAutoHeightModule, // the audit log's Changes cell
  TextFilterModule, // every column's filter, with gitinv query's lookups as options
  TooltipModule, // a declared field's description in its header
  colorSchemeVariable,
  createGrid,
  themeQuartz,
} from "ag-grid-community";

ModuleRegistry.registerModules([
  ClientSideRowModelApiModule,
  ClientSideRowModelModule,
  ColumnApiModule,
  CsvExportModule,
  ExternalFilterModule,
  InfiniteRowModelModule,
  QuickFilterModule,
  RowApiModule,
  RowAutoHeightModule,
  TextFilterModule,
  TooltipModule,
]);

export { colorSchemeVariable, createGrid, themeQuartz };
