// The open requests: status, reason, author, age, the servers each touches, links.
import { el, getJson, link, serverHref, showStatus, shownValue } from "./common.js";
import { age, comparisonUrl, label, webUrl } from "./requestdata.js";

const STATUSES = ["pending", "on-hold", "changes-requested", "approved", "rejected"];
const ACTION = { added: "adds", updated: "updates", deleted: "deletes", moved: "moves" };

function serverRow(server) {
  const name = server.action === "added" ? el("span", {}, server.name) : el("a", { href: serverHref(server.name) }, server.name);
  const where = server.action === "moved" ? `${server.old_group} → ${server.group}` : server.group ?? "";
  const fields = Object.entries(server.changes).map(([field, [oldValue, newValue]]) =>
    el("li", {}, el("span", { class: "muted" }, `${field}: `), el("span", { class: "old" }, shownValue(oldValue)), " → ", el("span", { class: "new" }, shownValue(newValue))));
  return el("tr", { "data-server": server.name },
    el("td", {}, el("span", { class: `badge action-${server.action}` }, ACTION[server.action] ?? server.action)),
    el("th", { scope: "row" }, name),
    el("td", {}, where),
    el("td", {}, server.action === "updated" || server.action === "moved" ? el("ul", { class: "plain" }, fields) : ""));
}

function verdict(request) {
  if (!request.merges_cleanly) {
    return el("p", { class: "verdict bad" }, `Conflicts with main in ${request.conflicted_files.join(", ")}: the branch needs main merged in.`);
  }
  if (!request.valid) {
    return el("div", { class: "verdict bad" }, el("p", {}, `Invalid merged onto main (${request.findings.length} problem(s)):`),
      el("ul", {}, request.findings.map((f) => el("li", {}, el("code", {}, `${f.file}:${f.line}`), ` ${f.code}: ${f.message}`))));
  }
  return el("p", { class: "verdict ok" }, "Valid merged onto main.");
}

function card(request) {
  const title = el("h2", {},
    link(webUrl(request.url), label(request)), " ",
    el("span", { class: `badge status-${request.status}` }, request.status), " ",
    el("span", { class: "request-title" }, request.title || "(no title)"));
  const created = request.created
    ? ["opened ", el("time", { datetime: request.created, title: request.created }, age(request.created))]
    : [];
  const meta = el("p", { class: "request-meta" },
    `by ${request.author || "unknown"}`, " · ", ...created, " · branch ", el("code", {}, request.branch),
    request.fork ? " (from a fork)" : "");
  const links = el("p", { class: "actions" },
    webUrl(request.url) ? el("a", { class: "button primary", href: webUrl(request.url) }, "Open the request") : "",
    comparisonUrl(request) ? el("a", { class: "button", href: comparisonUrl(request) }, "Comparison") : "");
  const servers = request.servers.length
    ? el("table", { class: "changes requests-servers" }, el("tbody", {}, request.servers.map(serverRow)))
    : "";
  const catalogs = request.catalogs.length
    ? el("p", {}, `Catalog changes: ${request.catalogs.map((c) => `${c.action} ${c.kind} ${c.name}`).join("; ")}`)
    : "";
  const clashes = request.clashes.length
    ? el("ul", { class: "clashes" }, request.clashes.map((c) =>
      el("li", {}, "Clashes with ", c.number !== null ? el("a", { href: `#request-${c.number}` }, label(c)) : el("code", {}, c.branch), `: ${c.reason}`)))
    : "";
  return el("article", { class: "card request", id: request.number !== null ? `request-${request.number}` : null, "data-status": request.status },
    title, meta, verdict(request), servers, catalogs, clashes, links);
}

function statusFilter(requests, list, count) {
  const box = document.getElementById("statuses");
  let wanted = new URLSearchParams(window.location.search).get("status");
  const apply = () => {
    let visible = 0;
    for (const node of list.children) {
      const show = !wanted || node.dataset.status === wanted;
      node.hidden = !show;
      visible += show ? 1 : 0;
    }
    count.textContent = `${visible} of ${requests.length} open request${requests.length === 1 ? "" : "s"}`;
    for (const button of box.children) button.setAttribute("aria-pressed", String(button.dataset.status === wanted));
  };
  for (const status of STATUSES) {
    const n = requests.filter((r) => r.status === status).length;
    if (!n) continue;
    box.append(el("button", {
      type: "button", class: `button badge-button status-${status}`, "data-status": status,
      onclick: () => { wanted = wanted === status ? null : status; apply(); },
    }, `${status} ${n}`));
  }
  apply();
}

async function main() {
  const list = document.getElementById("requests");
  const count = document.getElementById("count");
  try {
    const data = await getJson("requests.json");
    if (!data.requests.length) {
      count.textContent = "No open request changes the inventory.";
    } else {
      list.replaceChildren(...data.requests.map(card));
      statusFilter(data.requests, list, count);
    }
  } catch (error) {
    showStatus(list, `Could not load requests.json (${error.message})`, true);
    count.textContent = "";
  }
  list.setAttribute("aria-busy", "false");
}

main();
