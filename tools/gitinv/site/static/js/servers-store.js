// The servers of servers.json held as columns, for a table of hundreds of thousands of rows.
//
// Each column keeps its distinct values packed into one string (with their offsets) and a
// small integer code per row naming the row's value. A row then costs a few bytes per column
// instead of an object with a dozen strings of its own, and a search or a column filter tests
// each distinct value once, then the rows by their codes. The worker that reads servers.json
// builds the columns (StoreBuilder); the page answers the table's requests for rows from
// them (Store).

import { LIST_SEP } from "./lookups.js";

export const STATE_ORDER = ["planned", "active", "maintenance", "offline", "decommissioned"];

// The columns the table has beyond the servers' fields: their last change.
const CHANGE_COLUMNS = {
  changed: (r) => r.changed?.date ?? null,
  author: (r) => r.changed?.author ?? "",
  pull_request: (r) => (r.changed?.pull_request ? `#${r.changed.pull_request}` : ""),
};

/** The table's columns from fields.json's `fields` (name, group, then every field of a
 * server): each one's id, kind and the value a servers.json row gives it (null when none;
 * a list's items joined by LIST_SEP). The search looks in all of them but `pull_request`. */
export function tableColumns(fields) {
  const columns = fields.map((f) => ({
    id: f.name,
    kind: f.kind,
    list: f.is_list,
    searched: true,
    get: f.is_list ? (r) => (r[f.name] || []).join(LIST_SEP) : (r) => r[f.name] ?? null,
  }));
  for (const [id, get] of Object.entries(CHANGE_COLUMNS)) {
    columns.push({ id, kind: "string", list: false, searched: id !== "pull_request", get });
  }
  return columns;
}

/** What the table shows and sorts on: the date of the last change without its time, a
 * list's items joined by ", ". */
function shown(id, value, lists) {
  if (id === "changed") return value ? value.slice(0, 10) : "";
  return value !== null && lists.has(id) ? value.replaceAll(LIST_SEP, ", ") : value;
}

function narrowest(codes, n, distinct) {
  const Type = distinct <= 0x100 ? Uint8Array : distinct <= 0x10000 ? Uint16Array : Uint32Array;
  return Type === Uint32Array ? codes.slice(0, n) : Type.from(codes.subarray(0, n));
}

function grown(array, size) {
  if (size <= array.length) return array;
  const bigger = new array.constructor(Math.max(size, array.length * 2));
  bigger.set(array);
  return bigger;
}

// After this many rows, a column with a distinct value in nearly every row (a name, an
// address) stops looking its values up: each row's value is appended as it comes. Equal
// values then have several codes, which every use of the codes allows for.
const DICTIONARY_TRIAL = 5000;

class ColumnBuilder {
  constructor() {
    this.codeOf = new Map(); // value -> code, while the column is worth it
    this.pieces = []; // the values' text, one string per batch of rows
    this.ends = new Uint32Array(1024); // where each value's text ends
    this.length = 0; // of all the values' text
    this.k = 0; // values so far
    this.nullCode = -1;
    this.codes = new Uint32Array(1024);
    this.n = 0;
  }

  add(rows, get) {
    const fresh = [];
    this.codes = grown(this.codes, this.n + rows.length);
    this.ends = grown(this.ends, this.k + rows.length + 1);
    const { codeOf, codes, ends } = this;
    for (const row of rows) {
      const value = get(row);
      let code;
      if (value === null || value === undefined) {
        if (this.nullCode < 0) {
          this.nullCode = this.k++;
          ends[this.nullCode] = this.length;
        }
        code = this.nullCode;
      } else {
        const text = typeof value === "string" ? value : String(value);
        code = codeOf === null ? undefined : codeOf.get(text);
        if (code === undefined) {
          code = this.k++;
          codeOf?.set(text, code);
          fresh.push(text);
          this.length += text.length;
          ends[code] = this.length;
        }
      }
      codes[this.n++] = code;
    }
    if (fresh.length) this.pieces.push(fresh.join(""));
    if (codeOf !== null && this.n >= DICTIONARY_TRIAL && this.k > this.n * 0.9) this.codeOf = null;
  }

  finish() {
    const text = this.pieces.join("");
    const off = new Uint32Array(this.k + 1);
    off.set(this.ends.subarray(0, this.k), 1);
    let lower = text.toLowerCase();
    let lowOff = null;
    if (lower === text) lower = null;
    else if (lower.length !== text.length) {
      // A few characters grow when lowercased (İ): the lowercase text needs its own offsets.
      const values = Array.from({ length: this.k }, (_, k) => text.slice(off[k], off[k + 1]).toLowerCase());
      lower = values.join("");
      lowOff = new Uint32Array(this.k + 1);
      values.forEach((v, k) => { lowOff[k + 1] = lowOff[k] + v.length; });
    }
    return { text, off, lower, lowOff, nullCode: this.nullCode, codes: narrowest(this.codes, this.n, this.k) };
  }
}

/** Collects servers.json rows into the columns of `tableColumns(fields)`, then gives
 * them (plain data, for postMessage). */
export class StoreBuilder {
  constructor(fields) {
    this.defs = tableColumns(fields);
    this.columns = Object.fromEntries(this.defs.map((c) => [c.id, new ColumnBuilder()]));
    this.n = 0;
  }

  add(rows) {
    for (const c of this.defs) this.columns[c.id].add(rows, c.get);
    this.n += rows.length;
  }

  finish() {
    const columns = Object.fromEntries(this.defs.map((c) => [c.id, this.columns[c.id].finish()]));
    // The offsets are copied, not moved: the worker still sorts the values after posting them.
    const transfer = Object.values(columns).map((c) => c.codes.buffer);
    const meta = this.defs.map(({ id, kind, list, searched }) => ({ id, kind, list, searched }));
    return { data: { n: this.n, columns, meta }, transfer };
  }
}

const RESULTS = '"results":[';

/** servers.json's rows as its text arrives: `push` each piece of text and get the rows it
 * completed; `end` gives the last ones and the count. servers.json is sorted, and so are
 * its keys: every row starts with the same key, and a `"` inside a string is always
 * escaped, so `},{"<that key>":` only ever joins two rows, and the text up to the last
 * one parses as a list of rows. Throws on any other layout (then parse the whole text). */
export class RowReader {
  constructor() {
    this.header = null; // `{"count":N,"results":[`
    this.join = null;
    this.pending = "";
  }

  push(text) {
    this.pending += text;
    if (this.header === null) {
      const at = this.pending.indexOf(RESULTS);
      const key = at < 0 ? null : /^\{"((?:[^"\\]|\\.)*)":/.exec(this.pending.slice(at + RESULTS.length, at + RESULTS.length + 1000));
      if (!key) {
        if (this.pending.length > 1_000_000) throw new Error("servers.json: no rows where expected");
        return [];
      }
      this.header = this.pending.slice(0, at + RESULTS.length);
      this.join = `},{"${key[1]}":`;
      this.pending = this.pending.slice(this.header.length);
    }
    const end = this.pending.lastIndexOf(this.join);
    if (end < 0) return [];
    const rows = JSON.parse(`[${this.pending.slice(0, end + 1)}]`);
    this.pending = this.pending.slice(end + 2);
    return rows;
  }

  end() {
    if (this.header === null) throw new Error("servers.json: no rows where expected");
    const rest = JSON.parse(this.header + this.pending); // the last row and the document's end
    this.pending = "";
    return { rows: rest.results, count: rest.count };
  }
}

/** Which distinct values of a column contain `term` (lowercase), or null if none does;
 * and how many. */
function termHits(column, term) {
  const text = column.lower ?? column.text;
  const off = column.lowOff ?? column.off;
  const k = off.length - 1;
  let hits = null;
  let count = 0;
  let value = 0;
  let at = text.indexOf(term);
  while (at >= 0) {
    while (off[value + 1] <= at) value++;
    if (at + term.length <= off[value + 1]) {
      hits ??= new Uint8Array(k);
      hits[value] = 1;
      count++;
      if (++value >= k) break;
      at = text.indexOf(term, off[value]);
    } else {
      at = text.indexOf(term, at + 1); // it ran into the next value: not a match
    }
  }
  return [hits, count];
}

/** ag-grid's text filter on one value, with the custom lookups of `options`. */
function textFilterPasses(model, value, options) {
  const custom = options.find((o) => typeof o === "object" && o.displayKey === model.type);
  if (custom) return model.filter === null || model.filter === undefined ? true : custom.predicate([model.filter], value);
  if (model.type === "blank" || model.type === "notBlank") {
    let blank = value === null || value === undefined;
    if (typeof value === "string") {
      const first = value.codePointAt(0) ?? 0;
      blank = first > 32 && first < 160 ? false : !value.trim();
    }
    return (model.type === "blank") === blank;
  }
  if (value === null || value === undefined) return model.type === "notEqual" || model.type === "notContains";
  const cell = String(value).toLowerCase();
  const wanted = String(model.filter ?? "").toLowerCase();
  switch (model.type) {
    case "contains": return cell.includes(wanted);
    case "notContains": return !cell.includes(wanted);
    case "equals": return cell === wanted;
    case "notEqual": return cell !== wanted;
    case "startsWith": return cell.startsWith(wanted);
    case "endsWith": return cell.endsWith(wanted);
    default: return false;
  }
}

function modelPasses(model, value, options) {
  if (Array.isArray(model.conditions)) {
    const results = model.conditions.map((m) => textFilterPasses(m, value, options));
    return model.operator === "OR" ? results.some(Boolean) : results.every(Boolean);
  }
  return textFilterPasses(model, value, options);
}

/** A sort key whose text order is the address order: IPv4 first, then IPv6 by its value. */
export function ipKey(ip) {
  const text = String(ip ?? "").toLowerCase();
  const quad = text.split(".");
  if (quad.length === 4 && !text.includes(":")) {
    let value = 0;
    for (const part of quad) value = value * 256 + Number(part);
    if (Number.isInteger(value)) return "4" + value.toString(16).padStart(8, "0");
  }
  const halves = text.split("::");
  if (halves.length <= 2 && /^[0-9a-f:]*$/.test(text)) {
    const head = halves[0] ? halves[0].split(":") : [];
    const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
    const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
    const groups = [...head, ...Array(Math.max(fill, 0)).fill("0"), ...tail];
    if (groups.length === 8) return "6" + groups.map((g) => g.padStart(4, "0")).join("");
  }
  return "7" + text; // not an address: after them, as text
}

// ag-grid's default order: no value first, then by UTF-16 code units.
function defaultCompare(a, b) {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const SORT_KEYS = {
  ip: (v) => (v === null ? null : ipKey(v)),
  state: (v) => STATE_ORDER.indexOf(v),
  integer: (v) => (v === null ? null : Number(v)),
};

/** The columns of servers.json on the page's side: rows, counts, and filtered, sorted views. */
export class Store {
  constructor(data) {
    this.n = data.n;
    this.columns = data.columns;
    this.kinds = Object.fromEntries(data.meta.map((c) => [c.id, c.kind]));
    this.lists = new Set(data.meta.filter((c) => c.list).map((c) => c.id));
    this.searched = data.meta.filter((c) => c.searched).map((c) => c.id);
    this.ranks = {};
  }

  /** No rows (servers.json could not be read). */
  static empty(fields) {
    const none = { text: "", off: new Uint32Array(1), lower: null, lowOff: null, nullCode: -1,
      codes: new Uint8Array(0) };
    const meta = tableColumns(fields).map(({ id, kind, list, searched }) => ({ id, kind, list, searched }));
    return new Store({ n: 0, columns: Object.fromEntries(meta.map((c) => [c.id, none])), meta });
  }

  /** Distinct value `code` of column `id` (null for "no value"). */
  valueOf(id, code) {
    const c = this.columns[id];
    return code === c.nullCode ? null : c.text.slice(c.off[code], c.off[code + 1]);
  }

  /** Row `i` as the table shows it. */
  row(i) {
    const row = {};
    for (const id in this.columns) row[id] = shown(id, this.valueOf(id, this.columns[id].codes[i]), this.lists);
    return row;
  }

  /** How many rows of `view` hold each shown value of column `id`. */
  counts(id, view) {
    const { codes, off } = this.columns[id];
    const perCode = new Uint32Array(off.length - 1);
    for (let j = 0; j < view.length; j++) perCode[codes[view[j]]]++;
    const counts = new Map();
    perCode.forEach((count, code) => {
      if (!count) return;
      const value = shown(id, this.valueOf(id, code), this.lists);
      counts.set(value, (counts.get(value) || 0) + count);
    });
    return counts;
  }

  /** The rows where every search term (lowercase) is in some searched column and every
   * column filter passes (with the filter options of each column in `options`), sorted as
   * `sortModel` says: row numbers, in display order. */
  view(terms, filterModel, sortModel, options) {
    const tests = [];
    for (const term of terms) {
      const any = [];
      let everyRow = false;
      for (const id of this.searched) {
        const column = this.columns[id];
        const [hits, count] = termHits(column, term);
        everyRow = count > 0 && count === column.off.length - 1; // in every value: every row
        if (everyRow) break;
        if (hits) any.push([column.codes, hits]);
      }
      if (everyRow) continue;
      if (!any.length) return new Uint32Array(0);
      tests.push(any);
    }
    for (const [id, model] of Object.entries(filterModel || {})) {
      if (!this.columns[id] || !model) continue;
      tests.push([[this.columns[id].codes, this.#filterHits(id, model, options[id] || [])]]);
    }
    const pass = this.#passing(tests);
    return sortModel && sortModel.length ? this.#sorted(pass, sortModel) : this.#inOrder(pass);
  }

  #filterHits(id, model, options) {
    const column = this.columns[id];
    const k = column.off.length - 1;
    if (model.type === "icontains" && id !== "changed" && model.filter) {
      // In the text of all values at once (a list's items are apart: LIST_SEP is in no text).
      return termHits(column, String(model.filter).toLowerCase())[0] || new Uint8Array(k);
    }
    const hits = new Uint8Array(k);
    // A list's lookups see its items (LIST_SEP apart); other columns what the table shows.
    const value = this.lists.has(id) ? (code) => this.valueOf(id, code) : (code) => shown(id, this.valueOf(id, code), this.lists);
    for (let code = 0; code < k; code++) {
      if (modelPasses(model, value(code), options)) hits[code] = 1;
    }
    return hits;
  }

  // tests: per condition, a list of (codes, hits) of which one must hit. null: every row.
  #passing(tests) {
    if (!tests.length) return null;
    const n = this.n;
    const pass = new Uint8Array(n).fill(1);
    for (const any of tests) {
      if (any.length === 1) {
        const [codes, hits] = any[0];
        for (let i = 0; i < n; i++) if (pass[i] && !hits[codes[i]]) pass[i] = 0;
        continue;
      }
      for (let i = 0; i < n; i++) {
        if (!pass[i]) continue;
        let hit = 0;
        for (let t = 0; t < any.length && !hit; t++) hit = any[t][1][any[t][0][i]];
        pass[i] = hit;
      }
    }
    return pass;
  }

  #inOrder(pass) {
    if (pass === null) {
      if (!this.all) {
        this.all = new Uint32Array(this.n);
        for (let i = 0; i < this.n; i++) this.all[i] = i;
      }
      return this.all; // never changed by its users
    }
    let count = 0;
    for (let i = 0; i < pass.length; i++) count += pass[i];
    const view = new Uint32Array(count);
    for (let i = 0, j = 0; i < pass.length; i++) if (pass[i]) view[j++] = i;
    return view;
  }

  /** Rank of each distinct value of column `id` in ascending order (equal values, equal rank). */
  rank(id) {
    if (this.ranks[id]) return this.ranks[id];
    const column = this.columns[id];
    const k = column.off.length - 1;
    const key = SORT_KEYS[id] || SORT_KEYS[this.kinds[id]] || ((v) => v);
    const keys = Array.from({ length: k }, (_, code) => key(shown(id, this.valueOf(id, code), this.lists)));
    const order = Array.from({ length: k }, (_, code) => code);
    const compare = (a, b) => defaultCompare(keys[a], keys[b]);
    let sorted = true; // names arrive in order
    for (let code = 1; code < k && sorted; code++) sorted = compare(code - 1, code) <= 0;
    if (!sorted) order.sort(compare);
    const rank = new Uint32Array(k);
    let r = 0;
    for (let j = 0; j < k; j++) {
      if (j > 0 && compare(order[j - 1], order[j]) !== 0) r++;
      rank[order[j]] = r;
    }
    this.ranks[id] = rank;
    return rank;
  }

  // Ties keep the rows' own order (by name) in either direction, as ag-grid's sort does.
  #sorted(pass, sortModel) {
    const rows = this.#inOrder(pass);
    const keys = sortModel.filter((s) => this.columns[s.colId]).map((s) => ({
      codes: this.columns[s.colId].codes, rank: this.rank(s.colId), desc: s.sort === "desc" }));
    if (!keys.length) return rows;
    if (keys.length > 1) {
      return rows.slice().sort((a, b) => {
        for (const { codes, rank, desc } of keys) {
          const d = rank[codes[a]] - rank[codes[b]];
          if (d) return desc ? -d : d;
        }
        return a - b;
      });
    }
    const { codes, rank, desc } = keys[0];
    let top = 0;
    for (let code = 0; code < rank.length; code++) top = Math.max(top, rank[code] + 1);
    const start = new Uint32Array(top + 1);
    const at = (i) => (desc ? top - 1 - rank[codes[i]] : rank[codes[i]]);
    for (let j = 0; j < rows.length; j++) start[at(rows[j]) + 1]++;
    for (let r = 0; r < top; r++) start[r + 1] += start[r];
    const out = new Uint32Array(rows.length);
    for (let j = 0; j < rows.length; j++) out[start[at(rows[j])]++] = rows[j];
    return out;
  }
}
