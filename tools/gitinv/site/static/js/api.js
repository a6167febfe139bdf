// The API page: every endpoint and schema of openapi.json, described in plain words.
import { API, el, getJson, showStatus } from "./common.js";

const REF_PREFIX = "#/components/schemas/";

function typeText(schema) {
  if (!schema) return "any";
  if (schema.$ref) return schema.$ref.slice(REF_PREFIX.length);
  if (schema.anyOf || schema.oneOf) return (schema.anyOf || schema.oneOf).map(typeText).join(" | ");
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (schema.type === "array") return `array of ${typeText(schema.items)}`;
  if (schema.type === "object" && schema.additionalProperties && typeof schema.additionalProperties === "object") {
    return `object of ${typeText(schema.additionalProperties)}`;
  }
  return schema.format ? `${schema.type} (${schema.format})` : schema.type || "any";
}

function schemaLink(schema) {
  const choices = schema?.oneOf || schema?.anyOf;
  if (choices?.every((choice) => choice.$ref)) return choices.flatMap((choice, i) => [i ? " or " : "", schemaLink(choice)]);
  const text = typeText(schema);
  return schema?.$ref ? el("a", { href: `#schema-${text}` }, text) : el("code", {}, text);
}

function propertiesTable(schema) {
  const props = Object.entries(schema.properties || {});
  if (!props.length) return el("p", { class: "muted" }, typeText(schema));
  const required = new Set(schema.required || []);
  return el("div", { class: "table-scroll" }, el("table", { class: "data" },
    el("thead", {}, el("tr", {}, el("th", {}, "Field"), el("th", {}, "Type"), el("th", {}, "Description"))),
    el("tbody", {}, props.map(([name, prop]) => el("tr", {},
      el("th", { scope: "row" }, el("code", {}, name), required.has(name) ? "" : el("span", { class: "muted" }, " optional")),
      el("td", {}, schemaLink(prop.items?.$ref ? prop.items : prop), prop.items?.$ref ? " (list)" : ""),
      el("td", {}, prop.description || prop.title || ""))))));
}

function endpoint(path, item) {
  const op = item.get;
  const [type, media] = Object.entries(op.responses["200"].content)[0];
  const schema = media.schema;
  const url = API + path.slice(1);
  const results = schema.properties?.results?.items;
  return el("section", { class: "card endpoint", id: op.operationId },
    el("h2", {}, el("span", { class: "badge method" }, "GET"), " ",
      path.includes("{") ? el("code", {}, url) : el("a", { href: url }, el("code", {}, url))),
    el("p", {}, el("strong", {}, op.summary), ". ", op.description),
    (item.parameters || []).map((p) => el("p", { class: "muted" }, `Parameter `, el("code", {}, p.name), `: ${p.description}`)),
    el("p", {}, "Returns ", el("code", {}, type), results ? [": ", el("code", {}, "{count, results}"), " with results of ", schemaLink(results)] : [": ", schemaLink(schema)]));
}

async function main() {
  const box = document.getElementById("endpoints");
  const list = document.getElementById("schema-list");
  document.getElementById("example").textContent =
    document.getElementById("example").textContent.replace("BASE/", new URL(".", window.location.href).href);
  try {
    const doc = await getJson("openapi.json");
    box.replaceChildren(...Object.entries(doc.paths).map(([path, item]) => endpoint(path, item)));
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      list.append(el("section", { class: "card", id: `schema-${name}` },
        el("h3", {}, name), schema.description ? el("p", {}, schema.description) : "", propertiesTable(schema)));
    }
  } catch (error) {
    showStatus(box, `Could not load openapi.json (${error.message}).`, true);
  }
}

main();
