// The lookups of the column filters and of the page's address (`?state__in=a,b`), as
// `gitinv query` has them: their table comes from api/v1/fields.json (gitinv's
// lookups.py writes it), with the columns and each one's kind; this file only
// interprets its rows. A row's `match` says how a value and the lookup's text compare
// (equal, contains, regex, in, order), `fold` whether both are lowercased first,
// `address` whether two IP addresses compare as addresses.

// How the table keeps a list's items in one value: a character no item holds in practice,
// so a search or a contains lookup cannot run from one item into the next.
export const LIST_SEP = "\u001f";

const INTEGER = /^[-+]?[0-9]+$/;
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

function isDate(text) {
  if (!DATE.test(text)) return false;
  const [y, m, d] = text.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return y >= 1 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

const V4 = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;

/** An IP address in one spelling (an IPv4-mapped IPv6 address as its IPv4 address), or
 * null: two texts are the same address when these agree, as in `gitinv query`. */
export function ipCanonical(text) {
  const t = String(text ?? "").trim();
  const v4 = V4.exec(t);
  if (v4) return v4.slice(1).every((p) => Number(p) <= 255) ? t : null;
  if (!t.includes(":") || !/^[0-9a-fA-F:.]+$/.test(t)) return null;
  let host;
  try {
    host = new URL(`http://[${t}]/`).hostname.slice(1, -1); // the URL standard's spelling
  } catch {
    return null;
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!mapped) return host;
  const [high, low] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}

function inItems(value) {
  return new Set(value.split(",").map((s) => s.trim()).filter(Boolean));
}

/** The test of one text lookup on a value's text. */
function textTest(rule, value) {
  if (rule.match === "regex") {
    let pattern;
    try {
      pattern = new RegExp(value, rule.fold ? "i" : "");
    } catch {
      return () => false;
    }
    return (v) => pattern.test(v);
  }
  if (rule.match === "in") {
    const items = inItems(rule.fold ? value.toLowerCase() : value);
    return rule.fold ? (v) => items.has(v.toLowerCase()) : (v) => items.has(v);
  }
  const wanted = rule.fold ? value.toLowerCase() : value;
  if (rule.match === "contains") return rule.fold ? (v) => v.toLowerCase().includes(wanted) : (v) => v.includes(wanted);
  return rule.fold ? (v) => v.toLowerCase() === wanted : (v) => v === wanted;
}

function addressTest(rule, value, fallback) {
  if (rule.match === "in") {
    const keys = new Set([...inItems(value)].map(ipCanonical).filter((k) => k !== null));
    return (v) => fallback(v) || keys.has(ipCanonical(v));
  }
  const wanted = ipCanonical(value);
  if (wanted === null) return fallback;
  return (v) => fallback(v) || ipCanonical(v) === wanted;
}

const COMPARE = {
  gt: (a, b) => a > b, gte: (a, b) => a >= b, lt: (a, b) => a < b, lte: (a, b) => a <= b,
};

function orderTest(rule, kind, value) {
  const compare = COMPARE[rule.compare];
  if (kind === "integer") {
    if (!INTEGER.test(value)) return () => false;
    const bound = BigInt(value);
    return (v) => v !== null && v !== "" && INTEGER.test(v) && compare(BigInt(v), bound);
  }
  if (!isDate(value)) return () => false;
  return (v) => v !== null && v !== "" && compare(v, value);
}

/** A test of a column's value as the table keeps it (null: none; a list's items joined
 * by LIST_SEP) for `rule` and the text `value`. */
export function lookupTest(rule, column, value) {
  const text = String(value ?? "");
  if (rule.match === "order") return orderTest(rule, column.kind, text);
  let test = textTest(rule, text);
  if (column.kind === "ip" && rule.address) test = addressTest(rule, text, test);
  if (column.is_list) {
    const one = test;
    return (v) => (v === null || v === "" ? false : v.split(LIST_SEP).some(one));
  }
  return (v) => test(v ?? "");
}

/** ag-grid text-filter options for a column: its lookups, each with the test above (made
 * once per filter text, not once per value). */
export function filterOptions(column, rules) {
  return column.lookups.map((name) => {
    const rule = rules[name];
    let last = null;
    let test = null;
    return {
      displayKey: name,
      displayName: rule.label,
      numberOfInputs: 1,
      predicate: ([wanted], cell) => {
        const text = String(wanted ?? "");
        if (test === null || text !== last) {
          last = text;
          test = lookupTest(rule, column, text);
        }
        return test(cell ?? null);
      },
    };
  });
}

/** The lookups of fields.json by name. */
export function rulesByName(document) {
  return Object.fromEntries(document.lookups.map((rule) => [rule.name, rule]));
}

/** The lookups a column of `kind` takes, by the table's `kinds`. */
export function lookupsFor(document, kind) {
  return document.lookups.filter((r) => r.kinds.includes("*") || r.kinds.includes(kind)).map((r) => r.name);
}

/** One parameter of the page's address, `FIELD[__LOOKUP]=VALUE` as `gitinv query` reads it,
 * as [field, ag-grid filter model]; null when the field or its lookup is unknown. */
export function parseLookup(key, value, fieldsByName) {
  const at = key.indexOf("__");
  const [name, lookup] = at < 0 ? [key, "exact"] : [key.slice(0, at), key.slice(at + 2)];
  if (!fieldsByName[name]?.lookups.includes(lookup)) return null;
  return [name, { filterType: "text", type: lookup, filter: value }];
}
