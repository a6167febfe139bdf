// What the requests page and the server pages share about requests.json.
import { el, getJson, site } from "./common.js";

/** "3 days ago", from the host's creation time and the reader's clock (not the build's). */
export function age(iso, now = Date.now()) {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "";
  const seconds = Math.max(0, Math.floor((now - then) / 1000));
  for (const [unit, size] of [["day", 86400], ["hour", 3600], ["minute", 60]]) {
    if (seconds >= size) {
      const n = Math.floor(seconds / size);
      return `${n} ${unit}${n === 1 ? "" : "s"} ago`;
    }
  }
  return "just now";
}

/** The address as given when it is a web address, else null (never a javascript: link). */
export function webUrl(url) {
  return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
}

/** The request's comparison on the code host: GitHub's files tab, GitLab's changes tab. */
export function comparisonUrl(request) {
  const url = webUrl(request.url);
  return url ? `${url}/${site().forge === "gitlab" ? "diffs" : "files"}` : null;
}

/** "#12" (GitHub), "!12" (GitLab), or the branch's name. */
export function label(request) {
  if (request.number === null || request.number === undefined) return request.branch;
  return `${site().forge === "gitlab" ? "!" : "#"}${request.number}`;
}

/** requests.json when the build wrote one (it did when it had a code-host token), else null. */
export async function openRequests() {
  if (!document.body.dataset.requests) return null;
  return getJson("requests.json");
}

const VERBS = { added: "adds", updated: "updates", deleted: "deletes", moved: "moves" };

/** "A request is open for this server" with its link, for each open request touching `name`. */
export function requestNotice(requests, name) {
  const touching = requests.filter((r) => r.status !== "rejected" && r.servers.some((s) => s.name === name));
  if (!touching.length) return null;
  return el("div", { class: "notice", role: "note", id: "open-requests" },
    touching.map((r) => {
      const what = VERBS[r.servers.find((s) => s.name === name).action] ?? "changes";
      const url = webUrl(r.url);
      return el("p", {}, "A request is open for this server: ",
        url ? el("a", { href: url }, `${label(r)} ${r.title}`) : `${label(r)} ${r.title}`,
        ` (${what} it; ${r.status}, by ${r.author || "unknown"}).`);
    }));
}
