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
    Identity,
    Request,
    State,
    Status,
    cutoff,
    dicts,
    field,
    parse_time,
    string,
    whole,
)
from gitinv.forge.client import Client, Scopes, header_auth
from gitinv.forge.config import NOUNS, Kind, Where

SCOPES = Scopes(
    read="the `read_api` scope (CI_JOB_TOKEN is given no merge-request API)",
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
    labels = mr.get("labels")
    items = labels if isinstance(labels, list) else []
    names = (string(field(label, "name") if isinstance(label, dict) else label) for label in items)
    return tuple(name for name in names if name)


def approvers(approvals: Mapping[str, Any] | None) -> tuple[str, ...]:
    names = (
        string(field(e.get("user"), "username")) for e in dicts(field(approvals, "approved_by"))
    )
    return tuple(sorted(name for name in names if name))


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
    noun = NOUNS["gitlab"]
    sign = "!"
    comment_limit = 1_000_000
    ref_pattern = "refs/merge-requests/*/head"

    def __init__(self, client: Client) -> None:
        super().__init__(client)
        self.project = self.where.project

    def _what(self, iid: int) -> str:
        return f"merge request !{iid} in {self.where.label}"

    def requests(
        self,
        state: State = "open",
        *,
        days: int = REJECTED_DAYS,
        now: datetime | None = None,
        statuses: bool = True,
    ) -> list[Request]:
        found = [
            self._request(mr, fresh=not statuses)
            for mr in self._merge_requests({"state": "opened"})
        ]
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
            yield from dicts(page)

    def approvals(self, iid: int) -> dict[str, Any]:
        path = f"/projects/{self.project}/merge_requests/{iid}/approvals"
        data = self.client.get(path, what=self._what(iid))
        return data if isinstance(data, dict) else {}

    def _request(self, mr: dict[str, Any], *, fresh: bool = False) -> Request:
        iid = whole(mr.get("iid"))
        if iid is None:
            self.odd("listing merge requests", "one without an iid")
        approvals = None
        # Only an open request on which nothing else decides needs its approvals.
        decided = on_hold(mr) or CHANGES_REQUESTED_LABEL in labels_of(mr)
        if mr.get("state") in ("opened", "locked") and not decided and not fresh:
            approvals = self.approvals(iid)
        source, target = mr.get("source_project_id"), mr.get("target_project_id")
        return Request(
            number=iid,
            title=string(mr.get("title")),
            author=string(field(mr.get("author"), "username")),
            status=status(mr, approvals),
            url=string(mr.get("web_url")),
            branch=string(mr.get("source_branch")),
            ref=self.ref(iid),
            base=string(mr.get("target_branch")),
            sha=string(mr.get("sha")),
            created=string(mr.get("created_at")),
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
        if not isinstance(mr, dict) or whole(mr.get("iid")) is None:
            self.odd("opening a merge request")
        return self._request(mr, fresh=True)

    def comments(self, number: int) -> Iterator[Comment]:
        path = f"/projects/{self.project}/merge_requests/{number}/notes"
        params = {"sort": "asc", "order_by": "created_at"}
        for page in self.client.pages(path, params, what=self._what(number)):
            for item in dicts(page):
                if not item.get("system"):
                    yield self._note(number, item, "listing notes")

    def create_comment(self, number: int, body: str) -> Comment:
        path = f"/projects/{self.project}/merge_requests/{number}/notes"
        made = self.client.send("POST", path, {"body": body}, what=self._what(number))
        return self._note(number, made, "creating a note")

    def update_comment(self, number: int, comment: Comment, body: str) -> Comment:
        path = f"/projects/{self.project}/merge_requests/{number}/notes/{comment.id}"
        what = f"note {comment.id} on merge request !{number}"
        made = self.client.send("PUT", path, {"body": body}, what=what)
        return self._note(number, made, "updating a note")

    def identity(self) -> Identity:
        """The token's user from GET /user: a project or group access token's bot user,
        or a personal access token's owner."""
        user = self.client.get("/user", need="write", what="user for the token")
        number = whole(field(user, "id"))
        if number is None:
            self.odd("asking who the token is (GET /user)", "a user without an id")
        return Identity(string(field(user, "username")), number)

    def _note(self, iid: int, item: Any, doing: str) -> Comment:
        note = whole(field(item, "id"))
        if note is None:  # without its id a note cannot be updated
            self.odd(doing, "a note without an id")
        web = self.where.web
        return Comment(
            id=note,
            body=string(field(item, "body")),
            url=f"{web}/-/merge_requests/{iid}#note_{note}" if web else "",
            author=string(field(field(item, "author"), "username")),
            author_id=whole(field(field(item, "author"), "id")),
        )
