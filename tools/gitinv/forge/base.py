"""What both hosts give back: requests with the old app's statuses, and comments.

Public API::

    Request, Comment, Identity, Status, STATUSES, MARKER, REJECTED_DAYS
    field(data, key) · string(value) · whole(value) · dicts(value)  # a host's JSON, read safely
    Host: requests(state, days, now) · create_request(...) · comments(number)
          create_comment / update_comment · identity() · find_comment(number)
          post_report(number, text)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal, NoReturn

from gitinv.errors import GitinvError
from gitinv.forge.client import Client
from gitinv.forge.config import Kind

Status = Literal["pending", "on-hold", "changes-requested", "approved", "rejected", "merged"]
# The statuses a listing shows; merged requests are history (`audit`), never listed.
STATUSES: tuple[Status, ...] = ("pending", "on-hold", "changes-requested", "approved", "rejected")
ON_HOLD_LABEL = "on-hold"
CHANGES_REQUESTED_LABEL = "changes-requested"
REJECTED_DAYS = 30  # `state="all"` lists requests closed unmerged this recently
MARKER = "<!-- gitinv-report -->"
State = Literal["open", "all"]


@dataclass(frozen=True)
class Request:
    """A pull request (GitHub) or merge request (GitLab) as its host sees it."""

    number: int  # GitHub's #N, GitLab's !IID
    title: str
    author: str
    status: Status
    url: str
    branch: str  # the head branch, in its own repository (a fork's for a fork's request)
    ref: str  # what to fetch from the remote: refs/pull/N/head, refs/merge-requests/N/head
    base: str  # the branch it goes into
    sha: str  # the head commit the host knows of
    created: str  # ISO 8601, as the host wrote it
    labels: tuple[str, ...] = ()
    draft: bool = False
    fork: bool = False
    approved_by: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "author": self.author,
            "status": self.status,
            "url": self.url,
            "branch": self.branch,
            "ref": self.ref,
            "base": self.base,
            "sha": self.sha,
            "created": self.created,
            "labels": list(self.labels),
            "draft": self.draft,
            "fork": self.fork,
            "approved_by": list(self.approved_by),
        }


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    url: str
    author: str  # the login (GitHub) or username (GitLab)
    author_id: int | None = None
    bot: bool = False  # GitHub: written by an app's bot account (`user.type` "Bot")


@dataclass(frozen=True)
class Identity:
    """Who the token acts as, so that only its own comment is ever taken as the report."""

    login: str
    # None: known by its login alone, a GitHub App's bot (an installation token, such
    # as the Actions GITHUB_TOKEN, may not ask GET /user)
    id: int | None = None

    def wrote(self, comment: Comment) -> bool:
        if self.id is not None:
            return comment.author_id == self.id
        return comment.bot and comment.author == self.login


# A host's JSON is read through these: a field of the wrong type or missing is
# empty, never a crash; what gitinv cannot do without (a number, an id) is checked
# by the caller, which says the answer is unexpected.


def field(data: Any, key: str) -> Any:
    """`data[key]` when `data` is an object that has it, else None."""
    return data.get(key) if isinstance(data, dict) else None


def string(value: Any) -> str:
    return value if isinstance(value, str) else ""


def whole(value: Any) -> int | None:
    """A positive whole number (a request's number, a comment's id), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def dicts(value: Any) -> list[dict[str, Any]]:
    """The objects of a list (anything else in it, or a non-list, left out)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def cutoff(days: int, now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)) - timedelta(days=days)


class Host(ABC):
    """One code host's API for one repository."""

    kind: ClassVar[Kind]
    noun: ClassVar[str]  # "pull request" or "merge request"
    sign: ClassVar[str]  # "#" or "!"
    comment_limit: ClassVar[int]  # the longest comment body the host takes

    def __init__(self, client: Client) -> None:
        self.client = client
        self.where = client.where

    def __enter__(self) -> Host:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.where.label}>"

    @property
    def name(self) -> str:
        return self.where.name

    def odd(self, doing: str, lacking: str = "") -> NoReturn:
        said = f" ({lacking})" if lacking else ""
        raise GitinvError(
            f"{self.name} answered {doing} with something unexpected{said}; is GITINV_API_URL "
            f"the API's address ({self.where.api})?"
        )

    def ref(self, number: int) -> str:
        """The ref holding request `number`'s head on the remote, forks included."""
        return self.ref_pattern.replace("*", str(number))

    ref_pattern: ClassVar[str]  # refs/pull/*/head or refs/merge-requests/*/head

    @abstractmethod
    def requests(
        self,
        state: State = "open",
        *,
        days: int = REJECTED_DAYS,
        now: datetime | None = None,
        statuses: bool = True,
    ) -> list[Request]:
        """Open requests with their statuses; with `state="all"` also those closed
        without merging in the last `days` days (`rejected`). Merged ones are left out.

        One listing call per page of 100; then, for each open request that is not on
        hold, one call for its reviews (GitHub) or approvals (GitLab): the only data
        the listing lacks. What a request changes comes from git (`ref`), not the API.
        `statuses=False` skips those calls: a request then shows `pending` unless it is
        on hold (for a caller that needs only which requests are open)."""

    @abstractmethod
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
        """Open a request from `branch` (already pushed) into `base`."""

    @abstractmethod
    def comments(self, number: int) -> Iterator[Comment]:
        """Request `number`'s comments, oldest first, a page at a time."""

    @abstractmethod
    def create_comment(self, number: int, body: str) -> Comment: ...

    @abstractmethod
    def update_comment(self, number: int, comment: Comment, body: str) -> Comment: ...

    @abstractmethod
    def identity(self) -> Identity:
        """Who the token acts as (one call to the host)."""

    def find_comment(self, number: int, marker: str = MARKER) -> Comment | None:
        """The oldest comment that starts with `marker` and that the token's own identity
        wrote, reading pages only until it is found. A quote of the marker starts with
        `>` and is not taken; a marked comment by anyone else is left alone, so nobody
        can have the report put under their name, or make every run fail on a comment
        the token may not edit. Who the token is, is asked once, at the first marked
        comment: a request without one costs no call for it."""
        me: Identity | None = None
        for comment in self.comments(number):
            if comment.body.lstrip().startswith(marker):
                me = me or self.identity()
                if me.wrote(comment):
                    return comment
        return None

    def post_report(
        self, number: int, text: str, marker: str = MARKER
    ) -> tuple[Comment, Literal["created", "updated", "unchanged"]]:
        """`text` as request `number`'s one report comment: created the first time,
        then updated in place (never a second one)."""
        body = fit(f"{marker}\n{text.rstrip()}\n", self.comment_limit)
        found = self.find_comment(number, marker)
        if found is None:
            return self.create_comment(number, body), "created"
        if found.body.strip() == body.strip():
            return found, "unchanged"
        return self.update_comment(number, found, body), "updated"


def fit(body: str, limit: int) -> str:
    """`body` cut at a line boundary to at most `limit` characters, saying so."""
    if len(body) <= limit:
        return body
    notice = (
        "\n\n*The report is longer than the code host takes in one comment and is cut "
        "here; the CI job's output has all of it.*\n"
    )
    head = body[: limit - len(notice)]
    if "\n" in head:
        head = head[: head.rindex("\n")]
    return head + notice
