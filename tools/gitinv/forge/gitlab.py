"""GitLab REST v4 (GitLab.com and self-managed): merge requests and notes.

Statuses: merged → `merged` (never listed); closed → `rejected`; a draft or the
`on-hold` label → `on-hold`; the `changes-requested` label → `changes-requested`
(REST v4 has no such review state); the approvals endpoint saying `approved: true`
with at least one approver → `approved` (where no approval is required, as on
GitLab Free by default, `approved` alone is true from the start); else `pending`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar

from gitinv.forge.base import (
    CHANGES_REQUESTED_LABEL,
    ON_HOLD_LABEL,
    REJECTED_DAYS,
    Comment,
    Host,
    Request,
    State,
    Status,
    cutoff,
    parse_time,
)
from gitinv.forge.client import Client, Scopes, header_auth
from gitinv.forge.config import Kind, Where

SCOPES = Scopes(
    read="the `read_api` scope (or CI_JOB_TOKEN in the project's own pipelines)",
    write="a project access token with the `api` scope and the Developer role "
    "(CI_JOB_TOKEN cannot write)",
)


def connect(where: Where) -> GitLab:
    auth = None
    if where.token:
        header = "JOB-TOKEN" if where.token.job else "PRIVATE-TOKEN"
        auth = header_auth(header, where.token.value)
    return GitLab(Client(where, auth=auth, headers={}, scopes=SCOPES))


def labels_of(mr: Mapping[str, Any]) -> tuple[str, ...]:
    """Label names, whether the host sent names or (with label details) objects."""
    out = []
    for label in mr.get("labels") or ():
        name = label.get("name") if isinstance(label, dict) else label
        if isinstance(name, str):
            out.append(name)
    return tuple(out)


def approvers(approvals: Mapping[str, Any] | None) -> tuple[str, ...]:
    names = []
    for entry in (approvals or {}).get("approved_by") or ():
        user = entry.get("user") if isinstance(entry, dict) else None
        if isinstance(user, dict) and isinstance(user.get("username"), str):
            names.append(user["username"])
    return tuple(sorted(names))


def on_hold(mr: Mapping[str, Any]) -> bool:
    draft = mr.get("draft", mr.get("work_in_progress"))
    return bool(draft) or ON_HOLD_LABEL in labels_of(mr)


def status(mr: Mapping[str, Any], approvals: Mapping[str, Any] | None) -> Status:
    state = mr.get("state")
    if state == "merged":
        return "merged"
    if state == "closed":
        return "rejected"
    if on_hold(mr):
        return "on-hold"
    if CHANGES_REQUESTED_LABEL in labels_of(mr):
        return "changes-requested"
    if approvals and approvals.get("approved") is True and approvers(approvals):
        return "approved"
    return "pending"


class GitLab(Host):
    kind: ClassVar[Kind] = "gitlab"
    noun = "merge request"
    sign = "!"
    comment_limit = 1_000_000
    ref_pattern = "refs/merge-requests/*/head"

    def __init__(self, client: Client) -> None:
        super().__init__(client)
        self.project = self.where.project

    def _what(self, iid: int) -> str:
        return f"merge request !{iid} in {self.where.label}"

    def requests(
        self, state: State = "open", *, days: int = REJECTED_DAYS, now: datetime | None = None
    ) -> list[Request]:
        found = [self._request(mr) for mr in self._merge_requests({"state": "opened"})]
        if state == "all":
            since = cutoff(days, now)
            recent = {
                "state": "closed",
                "updated_after": since.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "order_by": "updated_at",
                "sort": "desc",
            }
            for mr in self._merge_requests(recent):
                closed = parse_time(mr.get("closed_at") or mr.get("updated_at"))
                if closed is not None and closed >= since:
                    found.append(self._request(mr))
        return sorted(found, key=lambda r: r.number)

    def _merge_requests(self, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        for page in self.client.pages(f"/projects/{self.project}/merge_requests", params):
            yield from (mr for mr in page if isinstance(mr, dict))

    def approvals(self, iid: int) -> dict[str, Any]:
        path = f"/projects/{self.project}/merge_requests/{iid}/approvals"
        data = self.client.get(path, what=self._what(iid))
        return data if isinstance(data, dict) else {}

    def _request(self, mr: dict[str, Any], *, fresh: bool = False) -> Request:
        iid = int(mr["iid"])
        approvals = None
        # Only an open request on which nothing else decides needs its approvals.
        decided = on_hold(mr) or CHANGES_REQUESTED_LABEL in labels_of(mr)
        if mr.get("state") in ("opened", "locked") and not decided and not fresh:
            approvals = self.approvals(iid)
        source, target = mr.get("source_project_id"), mr.get("target_project_id")
        return Request(
            number=iid,
            title=str(mr.get("title") or ""),
            author=str((mr.get("author") or {}).get("username") or ""),
            status=status(mr, approvals),
            url=str(mr.get("web_url") or ""),
            branch=str(mr.get("source_branch") or ""),
            ref=self.ref(iid),
            base=str(mr.get("target_branch") or ""),
            sha=str(mr.get("sha") or ""),
            created=str(mr.get("created_at") or ""),
            labels=labels_of(mr),
            draft=bool(mr.get("draft", mr.get("work_in_progress"))),
            fork=source is not None and target is not None and source != target,
            approved_by=approvers(approvals),
        )

    def create_request(
        self,
        *,
        branch: str,
        base: str,
        title: str,
        body: str,
        labels: tuple[str, ...] = (),
        draft: bool = False,
    ) -> Request:
        data: dict[str, Any] = {
            "source_branch": branch,
            "target_branch": base,
            "title": f"Draft: {title}" if draft else title,
            "description": body,
            "remove_source_branch": True,
        }
        if labels:
            data["labels"] = ",".join(labels)
        mr = self.client.send("POST", f"/projects/{self.project}/merge_requests", data)
        if not isinstance(mr, dict) or "iid" not in mr:
            self.odd("opening a merge request")
        return self._request(mr, fresh=True)

    def comments(self, number: int) -> Iterator[Comment]:
        path = f"/projects/{self.project}/merge_requests/{number}/notes"
        params = {"sort": "asc", "order_by": "created_at"}
        for page in self.client.pages(path, params, what=self._what(number)):
            for item in page:
                if isinstance(item, dict) and not item.get("system"):
                    yield self._note(number, item)

    def create_comment(self, number: int, body: str) -> Comment:
        path = f"/projects/{self.project}/merge_requests/{number}/notes"
        return self._note(
            number, self.client.send("POST", path, {"body": body}, what=self._what(number))
        )

    def update_comment(self, number: int, comment: Comment, body: str) -> Comment:
        path = f"/projects/{self.project}/merge_requests/{number}/notes/{comment.id}"
        what = f"note {comment.id} on merge request !{number}"
        return self._note(number, self.client.send("PUT", path, {"body": body}, what=what))

    def _note(self, iid: int, item: Any) -> Comment:
        if not isinstance(item, dict):
            item = {}
        note = int(item.get("id") or 0)
        web = self.where.web
        return Comment(
            id=note,
            body=str(item.get("body") or ""),
            url=f"{web}/-/merge_requests/{iid}#note_{note}" if web else "",
            author=str((item.get("author") or {}).get("username") or ""),
        )
