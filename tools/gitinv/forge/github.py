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
        login = string(field(review.get("user"), "login"))
        state = review.get("state")
        if not login:
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
    return tuple(label["name"] for label in dicts(pull.get("labels")) if string(label.get("name")))


class GitHub(Host):
    kind: ClassVar[Kind] = "github"
    noun = NOUNS["github"]
    sign = "#"
    comment_limit = 65_536
    ref_pattern = "refs/pull/*/head"

    def __init__(self, client: Client) -> None:
        super().__init__(client)
        self.repo = self.where.project

    def requests(
        self,
        state: State = "open",
        *,
        days: int = REJECTED_DAYS,
        now: datetime | None = None,
        statuses: bool = True,
    ) -> list[Request]:
        found = [self._request(pull, fresh=not statuses) for pull in self._pulls({"state": "open"})]
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
            yield from dicts(page)

    def reviews(self, number: int) -> list[dict[str, Any]]:
        path = f"/repos/{self.repo}/pulls/{number}/reviews"
        what = f"pull request #{number} in {self.repo}"
        return [r for page in self.client.pages(path, what=what) for r in dicts(page)]

    def _request(self, pull: dict[str, Any], *, fresh: bool = False) -> Request:
        number = whole(pull.get("number"))
        if number is None:
            self.odd("listing pull requests", "one without a number")
        reviews = None
        if pull.get("state") == "open" and not on_hold(pull) and not fresh:
            reviews = self.reviews(number)
        head, base = pull.get("head"), pull.get("base")
        head_repo = string(field(field(head, "repo"), "full_name"))
        base_repo = string(field(field(base, "repo"), "full_name")) or self.repo
        approved = sorted(
            login for login, s in latest_decisions(reviews or []).items() if s == "APPROVED"
        )
        return Request(
            number=number,
            title=string(pull.get("title")),
            author=string(field(pull.get("user"), "login")) or "ghost",
            status=status(pull, reviews),
            url=string(pull.get("html_url")),
            branch=string(field(head, "ref")),
            ref=self.ref(number),
            base=string(field(base, "ref")),
            sha=string(field(head, "sha")),
            created=string(pull.get("created_at")),
            labels=_labels(pull),
            draft=bool(pull.get("draft")),
            fork=not head_repo or head_repo.lower() != base_repo.lower(),
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
        number = whole(field(pull, "number"))
        if not isinstance(pull, dict) or number is None:
            self.odd("opening a pull request")
        if labels:
            try:
                self.client.send(
                    "POST", f"/repos/{self.repo}/issues/{number}/labels", {"labels": list(labels)}
                )
            except GitinvError as exc:
                raise GitinvError(
                    f"opened pull request #{number} ({string(pull.get('html_url'))}) but could not "
                    f"label it {', '.join(labels)}: {exc.message}"
                ) from None
            pull = {**pull, "labels": [{"name": name} for name in labels]}
        return self._request(pull, fresh=True)

    def comments(self, number: int) -> Iterator[Comment]:
        path = f"/repos/{self.repo}/issues/{number}/comments"
        for page in self.client.pages(path, what=f"pull request #{number} in {self.repo}"):
            for item in dicts(page):
                yield self._comment(item, "listing comments")

    def create_comment(self, number: int, body: str) -> Comment:
        path = f"/repos/{self.repo}/issues/{number}/comments"
        what = f"pull request #{number} in {self.repo}"
        made = self.client.send("POST", path, {"body": body}, what=what)
        return self._comment(made, "creating a comment")

    def update_comment(self, number: int, comment: Comment, body: str) -> Comment:
        path = f"/repos/{self.repo}/issues/comments/{comment.id}"
        what = f"comment {comment.id} on pull request #{number}"
        made = self.client.send("PATCH", path, {"body": body}, what=what)
        return self._comment(made, "updating a comment")

    def identity(self) -> Identity:
        """A personal or fine-grained token's user, from GET /user. An installation token
        (the Actions GITHUB_TOKEN, a GitHub App's) is refused there with 403: it writes
        as the app's bot, `github-actions[bot]` unless GITINV_BOT_LOGIN names another."""
        user = self.client.get("/user", need="write", what="user for the token", absent=(403,))
        if user is None:
            return Identity(self.where.bot)
        number = whole(field(user, "id"))
        if number is None:
            self.odd("asking who the token is (GET /user)", "a user without an id")
        return Identity(string(field(user, "login")), number)

    def _comment(self, item: Any, doing: str) -> Comment:
        number = whole(field(item, "id"))
        if number is None:  # without its id a comment cannot be updated
            self.odd(doing, "a comment without an id")
        user = field(item, "user")
        return Comment(
            id=number,
            body=string(field(item, "body")),
            url=string(field(item, "html_url")),
            author=string(field(user, "login")),
            author_id=whole(field(user, "id")),
            bot=field(user, "type") == "Bot",
        )
