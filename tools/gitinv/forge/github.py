"""GitHub REST v3 (github.com and GitHub Enterprise Server): pull requests and comments.

Statuses: merged → `merged` (never listed); closed → `rejected`; a draft or the
`on-hold` label → `on-hold`; a reviewer whose latest deciding review requests
changes → `changes-requested`; else a latest approval → `approved`; else `pending`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar

from gitinv.errors import GitinvError
from gitinv.forge.base import (
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
    read="`pull-requests: read` in a workflow (a fine-grained token: Pull requests read-only; "
    "a classic token: `repo` for a private repository)",
    write="`pull-requests: write` in a workflow (a fine-grained token: Pull requests read and "
    "write; a classic token: `repo`, or `public_repo` for a public repository)",
)
HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


def connect(where: Where) -> GitHub:
    auth = header_auth("Authorization", f"Bearer {where.token.value}") if where.token else None
    return GitHub(Client(where, auth=auth, headers=HEADERS, scopes=SCOPES))


def latest_decisions(reviews: list[dict[str, Any]]) -> dict[str, str]:
    """Each reviewer's latest APPROVED or CHANGES_REQUESTED (reviews come oldest first);
    a comment does not replace a decision, a dismissal takes it back."""
    decided: dict[str, str] = {}
    for review in reviews:
        login = (review.get("user") or {}).get("login")
        state = review.get("state")
        if not isinstance(login, str):
            continue
        if state in ("APPROVED", "CHANGES_REQUESTED"):
            decided[login] = state
        elif state == "DISMISSED":
            decided.pop(login, None)
    return decided


def status(pull: Mapping[str, Any], reviews: list[dict[str, Any]] | None) -> Status:
    if pull.get("merged_at"):
        return "merged"
    if pull.get("state") == "closed":
        return "rejected"
    if on_hold(pull):
        return "on-hold"
    decisions = latest_decisions(reviews or []).values()
    if "CHANGES_REQUESTED" in decisions:
        return "changes-requested"
    if "APPROVED" in decisions:
        return "approved"
    return "pending"


def on_hold(pull: Mapping[str, Any]) -> bool:
    return bool(pull.get("draft")) or ON_HOLD_LABEL in _labels(pull)


def _labels(pull: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(
        label["name"]
        for label in pull.get("labels") or ()
        if isinstance(label, dict) and isinstance(label.get("name"), str)
    )


class GitHub(Host):
    kind: ClassVar[Kind] = "github"
    noun = "pull request"
    sign = "#"
    comment_limit = 65_536
    ref_pattern = "refs/pull/*/head"

    def __init__(self, client: Client) -> None:
        super().__init__(client)
        self.repo = self.where.project

    def requests(
        self, state: State = "open", *, days: int = REJECTED_DAYS, now: datetime | None = None
    ) -> list[Request]:
        found = [self._request(pull) for pull in self._pulls({"state": "open"})]
        if state == "all":
            since = cutoff(days, now)
            recent = {"state": "closed", "sort": "updated", "direction": "desc"}
            for pull in self._pulls(recent):
                updated = parse_time(pull.get("updated_at"))
                if updated is not None and updated < since:
                    break  # newest first: every later one is older still
                closed = parse_time(pull.get("closed_at"))
                if not pull.get("merged_at") and closed is not None and closed >= since:
                    found.append(self._request(pull))
        return sorted(found, key=lambda r: r.number)

    def _pulls(self, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        for page in self.client.pages(f"/repos/{self.repo}/pulls", params):
            yield from (p for p in page if isinstance(p, dict))

    def reviews(self, number: int) -> list[dict[str, Any]]:
        path = f"/repos/{self.repo}/pulls/{number}/reviews"
        what = f"pull request #{number} in {self.repo}"
        return [r for page in self.client.pages(path, what=what) for r in page]

    def _request(self, pull: dict[str, Any], *, fresh: bool = False) -> Request:
        number = int(pull["number"])
        reviews = None
        if pull.get("state") == "open" and not on_hold(pull) and not fresh:
            reviews = self.reviews(number)
        head = pull.get("head") or {}
        base = pull.get("base") or {}
        head_repo = (head.get("repo") or {}).get("full_name")
        base_repo = (base.get("repo") or {}).get("full_name") or self.repo
        approved = sorted(
            login for login, s in latest_decisions(reviews or []).items() if s == "APPROVED"
        )
        return Request(
            number=number,
            title=str(pull.get("title") or ""),
            author=str((pull.get("user") or {}).get("login") or "ghost"),
            status=status(pull, reviews),
            url=str(pull.get("html_url") or ""),
            branch=str(head.get("ref") or ""),
            ref=self.ref(number),
            base=str(base.get("ref") or ""),
            sha=str(head.get("sha") or ""),
            created=str(pull.get("created_at") or ""),
            labels=_labels(pull),
            draft=bool(pull.get("draft")),
            fork=head_repo is None or head_repo.lower() != base_repo.lower(),
            approved_by=tuple(approved),
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
        data = {"title": title, "head": branch, "base": base, "body": body, "draft": draft}
        pull = self.client.send("POST", f"/repos/{self.repo}/pulls", data)
        if not isinstance(pull, dict) or "number" not in pull:
            self.odd("opening a pull request")
        if labels:
            number = pull["number"]
            try:
                self.client.send(
                    "POST", f"/repos/{self.repo}/issues/{number}/labels", {"labels": list(labels)}
                )
            except GitinvError as exc:
                raise GitinvError(
                    f"opened pull request #{number} ({pull.get('html_url')}) but could not "
                    f"label it {', '.join(labels)}: {exc.message}"
                ) from None
            pull = {**pull, "labels": [{"name": name} for name in labels]}
        return self._request(pull, fresh=True)

    def comments(self, number: int) -> Iterator[Comment]:
        path = f"/repos/{self.repo}/issues/{number}/comments"
        for page in self.client.pages(path, what=f"pull request #{number} in {self.repo}"):
            for item in page:
                if isinstance(item, dict):
                    yield _comment(item)

    def create_comment(self, number: int, body: str) -> Comment:
        path = f"/repos/{self.repo}/issues/{number}/comments"
        what = f"pull request #{number} in {self.repo}"
        return _comment(self.client.send("POST", path, {"body": body}, what=what))

    def update_comment(self, number: int, comment: Comment, body: str) -> Comment:
        path = f"/repos/{self.repo}/issues/comments/{comment.id}"
        what = f"comment {comment.id} on pull request #{number}"
        return _comment(self.client.send("PATCH", path, {"body": body}, what=what))


def _comment(item: Any) -> Comment:
    if not isinstance(item, dict):
        item = {}
    return Comment(
        id=int(item.get("id") or 0),
        body=str(item.get("body") or ""),
        url=str(item.get("html_url") or ""),
        author=str((item.get("user") or {}).get("login") or ""),
    )
