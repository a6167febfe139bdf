// Reads servers.json off the page's thread into columns (servers-store.js), as the page
// passes its bytes on (after `{fields}`: fields.json's columns); posts `{all, count, ranking}` at the end, or `{error}`. Then, while
// the page shows the rows, it works out the order of the columns named in `ranking`, those
// with many distinct values (a second or more at 300,000 rows, which would otherwise fall
// on the page's first click on their header): `{rank: [column, ranks]}` each, `{ranked}`.
import { RowReader, Store, StoreBuilder } from "./servers-store.js";

const PRESORTED = 5000; // distinct values, from which a column's order is worked out here

const decoder = new TextDecoder();
const parts = []; // the whole text, in case the reader cannot follow its layout
let reader = new RowReader();
let fields = null;
let builder = null;

function finish() {
  parts.push(decoder.decode());
  let count = null;
  if (reader) {
    try {
      builder.add(reader.push(parts.at(-1)));
      const rest = reader.end();
      builder.add(rest.rows);
      count = rest.count;
    } catch {
      reader = null;
    }
  }
  if (!reader || count !== builder.n) {
    const all = JSON.parse(parts.join(""));
    builder = new StoreBuilder(fields);
    builder.add(all.results);
    count = all.count;
  }
  parts.length = 0;
  const { data, transfer } = builder.finish();
  const ranking = Object.keys(data.columns).filter((id) => data.columns[id].off.length > PRESORTED);
  postMessage({ all: data, count, ranking }, transfer);
  const store = new Store(data); // its codes went to the page; the order needs only values
  for (const id of ranking) {
    const rank = store.rank(id);
    postMessage({ rank: [id, rank] }, [rank.buffer]);
  }
  postMessage({ ranked: true });
}

self.onmessage = ({ data }) => {
  try {
    if (data.fields) {
      fields = data.fields;
      builder = new StoreBuilder(fields);
      return;
    }
    if (!data.chunk) {
      finish();
      return;
    }
    const text = decoder.decode(data.chunk, { stream: true });
    parts.push(text);
    if (!reader) return;
    try {
      builder.add(reader.push(text));
    } catch {
      reader = null; // not the layout expected: the whole text is parsed at the end
    }
  } catch (error) {
    postMessage({ error: String(error?.message ?? error) });
  }
};
