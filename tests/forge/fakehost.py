"""A small GitHub (REST v3) or GitLab (REST v4) on 127.0.0.1, for the forge tests.

It keeps pull/merge requests, reviews, approvals and comments in memory and
answers with the hosts' documented payload shapes: GitHub pages through the
`Link` header, GitLab through `X-Next-Page`, `X-Page`, `X-Total` and `Link`.
`per_page` is honoured up to `page_cap` (default 2, far below the hosts' 100),
so a handful of items already spans several pages. Every call is recorded
(`calls`) with the headers it carried; `fail(...)` makes the next matching
calls answer an error, or any status, headers and body (bytes, text, JSON, or a
`Drip` sent slowly). Tokens: GitHub `Authorization: Bearer`, GitLab
`PRIVATE-TOKEN` (read and write) or `JOB-TOKEN` (read only, as on GitLab).
`GET /user` says who the token is (`user`; on GitHub none by default: the
Actions token, which GitHub answers 403 there and which writes as `bot`), and
GitLab lets only a note's author edit it, as the hosts do.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

NOW = datetime.now(UTC).replace(microsecond=0)


def stamp(days_ago: float = 0) -> str:
    """An ISO 8601 time `days_ago` days before the test run, as the hosts write them."""
    return (NOW - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Drip:
    """An answer's body sent a chunk at a time, `pause` seconds apart (a slow host)."""

    chunks: list[bytes]
    pause: float = 0.0


def _encode(body: Any) -> bytes:
    """A body as the fake sends it: bytes and text as they are, anything else as JSON."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    return body.encode() if isinstance(body, str) else json.dumps(body).encode()


@dataclass(frozen=True)
class RequestSpec:
    """One pull/merge request as a test describes it; times in days ago."""

    number: int
    title: str
    author: str
    branch: str
    state: str  # open, closed or merged
    draft: bool
    labels: tuple[str, ...]
    created: float
    updated: float
    closed: float | None
    merged: float | None
    fork: bool
    sha: str


# The account GitHub's Actions token (an installation token) writes as.
ACTIONS_BOT = "github-actions[bot]"
GITLAB_BOT = "project_4242_bot_5f3a"  # a project access token's bot user


def account_id(login: str) -> int:
    """A stable id for a login, as each host gives every account one."""
    if login == ACTIONS_BOT:
        return 41898282  # github-actions[bot]'s id on github.com
    return 10_000 + int(hashlib.sha256(login.encode()).hexdigest()[:6], 16)


def github_user(login: str) -> dict[str, Any]:
    kind = "Bot" if login.endswith("[bot]") else "User"
    return {"login": login, "id": account_id(login), "type": kind, "site_admin": False}


def gitlab_user(username: str) -> dict[str, Any]:
    return {
        "id": account_id(username),
        "username": username,
        "name": username.title(),
        "state": "active",
        "bot": username.startswith("project_"),
    }


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any = None


@dataclass
class Failure:
    pattern: str
    status: int
    headers: dict[str, str]
    body: Any
    times: int
    method: str | None


@dataclass
class FakeHost:
    kind: str  # "github" or "gitlab"
    token: str
    repo: str = "acme/inventory"  # GitHub OWNER/REPO, GitLab the project's path
    project_id: int = 4242
    page_cap: int = 2
    job_token: str | None = None
    # Who the token is. GitHub: None is an installation token (the Actions GITHUB_TOKEN):
    # GET /user answers 403 and it writes as `bot`; a login is a personal token's user.
    # GitLab: the user GET /user gives, a project access token's bot user by default.
    user: str | None = None
    bot: str = ACTIONS_BOT
    requests: dict[int, dict[str, Any]] = field(default_factory=dict)
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    approvals: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    labels_added: dict[int, list[str]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    next_id: int = 1000
    port: int = 0

    # --- what the tests see -------------------------------------------------------

    @property
    def api(self) -> str:
        version = "v3" if self.kind == "github" else "v4"
        return f"http://127.0.0.1:{self.port}/api/{version}"

    @property
    def web(self) -> str:
        host = "github.com" if self.kind == "github" else "gitlab.example.com"
        return f"https://{host}/{self.repo}"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment that points gitinv at this host with its token."""
        return {"GITINV_API_URL": self.api, "GITINV_TOKEN": self.token, **extra}

    def fail(
        self,
        pattern: str,
        status: int,
        *,
        headers: dict[str, str] | None = None,
        body: Any = None,
        times: int = 1,
        method: str | None = None,
    ) -> None:
        """The next `times` calls whose path matches `pattern` answer `status`."""
        self.failures.append(Failure(pattern, status, headers or {}, body, times, method))

    def listing_calls(self) -> list[Call]:
        tail = "/pulls" if self.kind == "github" else "/merge_requests"
        return [c for c in self.calls if c.method == "GET" and c.path.endswith(tail)]

    def per_request_calls(self) -> list[Call]:
        tail = "/reviews" if self.kind == "github" else "/approvals"
        return [c for c in self.calls if c.path.endswith(tail)]

    @property
    def writer(self) -> str:
        """The login the token's comments and notes are written as."""
        if self.kind == "github":
            return self.user or self.bot
        return self.user or GITLAB_BOT

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    # --- payloads shaped like the hosts' ----------------------------------------------

    def add_request(
        self,
        number: int,
        title: str,
        *,
        author: str = "ada",
        branch: str | None = None,
        state: str = "open",
        draft: bool = False,
        labels: tuple[str, ...] = (),
        created: float = 3,
        updated: float | None = None,
        closed: float | None = None,
        merged: float | None = None,
        fork: bool = False,
        sha: str = "0" * 40,
    ) -> dict[str, Any]:
        """A pull request (GitHub) or merge request (GitLab); times in days ago."""
        spec = RequestSpec(
            number=number,
            title=title,
            author=author,
            branch=branch or f"request/update/server{number}",
            state=state,
            draft=draft,
            labels=labels,
            created=created,
            updated=(
                updated
                if updated is not None
                else min(x for x in (created, closed, merged) if x is not None)
            ),
            closed=closed,
            merged=merged,
            fork=fork,
            sha=sha,
        )
        payload = self._github_pull(spec) if self.kind == "github" else self._gitlab_mr(spec)
        self.requests[number] = payload
        return payload

    def _github_pull(self, spec: RequestSpec) -> dict[str, Any]:
        owner = self.repo.split("/")[0]
        head_owner = f"{spec.author}-fork" if spec.fork else owner
        head_repo = f"{head_owner}/{self.repo.split('/')[1]}"
        merged = spec.merged

        def repo_payload(full_name: str) -> dict[str, Any]:
            return {
                "id": hash(full_name) % 10**6,
                "full_name": full_name,
                "name": full_name.split("/")[1],
                "private": False,
            }

        return {
            "url": f"https://api.github.com/repos/{self.repo}/pulls/{spec.number}",
            "id": 500000 + spec.number,
            "node_id": f"PR_{spec.number}",
            "html_url": f"https://github.com/{self.repo}/pull/{spec.number}",
            "number": spec.number,
            "state": "closed" if spec.state in ("closed", "merged") else "open",
            "locked": False,
            "title": spec.title,
            "user": github_user(spec.author),
            "body": "Why: see the title",
            "labels": [
                {"id": i, "name": name, "color": "ededed", "default": False}
                for i, name in enumerate(spec.labels)
            ],
            "created_at": stamp(spec.created),
            "updated_at": stamp(spec.updated),
            "closed_at": stamp(spec.closed)
            if spec.closed is not None
            else (stamp(merged) if merged is not None else None),
            "merged_at": stamp(merged) if merged is not None else None,
            "merge_commit_sha": None,
            "draft": spec.draft,
            "head": {
                "label": f"{head_owner}:{spec.branch}",
                "ref": spec.branch,
                "sha": spec.sha,
                "user": {"login": head_owner},
                "repo": repo_payload(head_repo),
            },
            "base": {
                "label": f"{owner}:main",
                "ref": "main",
                "sha": "1" * 40,
                "user": {"login": owner},
                "repo": repo_payload(self.repo),
            },
            "author_association": "MEMBER",
        }

    def _gitlab_mr(self, spec: RequestSpec) -> dict[str, Any]:
        number = spec.number
        return {
            "id": 700000 + number,
            "iid": number,
            "project_id": self.project_id,
            "title": f"Draft: {spec.title}" if spec.draft else spec.title,
            "description": "Why: see the title",
            "state": {"open": "opened"}.get(spec.state, spec.state),
            "created_at": stamp(spec.created),
            "updated_at": stamp(spec.updated),
            "merged_at": stamp(spec.merged) if spec.merged is not None else None,
            "closed_at": stamp(spec.closed) if spec.closed is not None else None,
            "target_branch": "main",
            "source_branch": spec.branch,
            "author": gitlab_user(spec.author),
            "source_project_id": self.project_id + 1 if spec.fork else self.project_id,
            "target_project_id": self.project_id,
            "labels": list(spec.labels),
            "draft": spec.draft,
            "work_in_progress": spec.draft,
            "merge_status": "can_be_merged",
            "sha": spec.sha,
            "web_url": f"https://gitlab.example.com/{self.repo}/-/merge_requests/{number}",
            "references": {"short": f"!{number}", "full": f"{self.repo}!{number}"},
        }

    def add_review(self, number: int, login: str, state: str) -> None:
        reviews = self.reviews.setdefault(number, [])
        reviews.append(
            {
                "id": self.new_id(),
                "user": github_user(login),
                "body": "",
                "state": state,
                "html_url": f"https://github.com/{self.repo}/pull/{number}#pullrequestreview-1",
                "submitted_at": stamp(1 - len(reviews) / 100),
                "commit_id": "0" * 40,
            }
        )

    def set_approvals(
        self, number: int, approved: bool, by: tuple[str, ...] = (), left: int = 0
    ) -> None:
        self.approvals[number] = {
            "id": 700000 + number,
            "iid": number,
            "project_id": self.project_id,
            "state": "opened",
            "approved": approved,
            "approvals_required": left + len(by),
            "approvals_left": left,
            "approved_by": [{"user": gitlab_user(u)} for u in by],
        }

    def add_comment(
        self, number: int, body: str, author: str = "carol", system: bool = False
    ) -> dict[str, Any]:
        item_id = self.new_id()
        if self.kind == "github":
            item = {
                "id": item_id,
                "node_id": f"IC_{item_id}",
                "html_url": f"https://github.com/{self.repo}/pull/{number}#issuecomment-{item_id}",
                "body": body,
                "user": github_user(author),
                "created_at": stamp(0),
                "updated_at": stamp(0),
                "author_association": "MEMBER",
            }
        else:
            item = {
                "id": item_id,
                "type": None,
                "body": body,
                "author": gitlab_user(author),
                "created_at": stamp(0),
                "updated_at": stamp(0),
                "system": system,
                "noteable_id": 700000 + number,
                "noteable_type": "MergeRequest",
                "noteable_iid": number,
                "resolvable": False,
            }
        self.comments.setdefault(number, []).append(item)
        return item

    # --- the server ---------------------------------------------------------------

    def serve(self) -> Iterator[FakeHost]:
        host = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, headers, body = host.handle(
                    self.command, self.path, dict(self.headers), raw
                )
                drip = body if isinstance(body, Drip) else Drip([_encode(body)])
                data = b"".join(drip.chunks)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if data:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    for chunk in drip.chunks:
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        time.sleep(drip.pause)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up reading, as it may

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()

    def handle(
        self, method: str, target: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        body = json.loads(raw) if raw else None
        lower = {k.lower(): v for k, v in headers.items()}
        self.calls.append(Call(method, parts.path, query, lower, body))
        for failure in self.failures:
            if (
                failure.times > 0
                and re.search(failure.pattern, parts.path)
                and (failure.method in (None, method))
            ):
                failure.times -= 1
                return failure.status, failure.headers, failure.body
        prefix = "/api/v3" if self.kind == "github" else "/api/v4"
        if not parts.path.startswith(prefix):
            return 404, {}, {"message": "Not Found"}
        path = parts.path[len(prefix) :]
        if self.kind == "github":
            return self._github(method, path, query, lower, body)
        return self._gitlab(method, path, query, lower, body)

    def _page(
        self, items: list[Any], path: str, query: dict[str, str]
    ) -> tuple[list[Any], dict[str, str]]:
        per_page = min(int(query.get("per_page", 30)), self.page_cap)
        page = int(query.get("page", 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        last = max(1, -(-len(items) // per_page))
        base = f"{self.api}{path}"

        def link(n: int) -> str:
            return f"{base}?" + "&".join(
                f"{k}={quote(str(v), safe='')}"
                for k, v in {**query, "page": n, "per_page": per_page}.items()
            )

        rels = []
        if page < last:
            rels.append(f'<{link(page + 1)}>; rel="next"')
        if page > 1:
            rels.append(f'<{link(page - 1)}>; rel="prev"')
        rels += [f'<{link(1)}>; rel="first"', f'<{link(last)}>; rel="last"']
        headers = {"Link": ", ".join(rels)}
        if self.kind == "gitlab":
            headers.update(
                {
                    "X-Page": str(page),
                    "X-Per-Page": str(per_page),
                    "X-Next-Page": str(page + 1) if page < last else "",
                    "X-Prev-Page": str(page - 1) if page > 1 else "",
                    "X-Total": str(len(items)),
                    "X-Total-Pages": str(last),
                }
            )
            if len(items) > 3:  # GitLab leaves X-Total out on large sets and keeps Link
                headers.pop("X-Total")
                headers["Link"] = ", ".join(r for r in rels if "next" in r or "first" in r)
            else:  # small sets: only the X- headers, so a client must read X-Next-Page too
                headers.pop("Link")
        return chunk, headers

    # --- GitHub ---------------------------------------------------------------------

    def _github(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any
    ) -> tuple[int, dict[str, str], Any]:
        limits = {
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": "4999",
            "X-RateLimit-Reset": str(int(NOW.timestamp()) + 3600),
        }
        auth = headers.get("authorization", "")
        if auth != f"Bearer {self.token}":
            return (
                401,
                limits,
                {
                    "message": "Bad credentials" if auth else "Requires authentication",
                    "documentation_url": "https://docs.github.com/rest",
                },
            )
        if path == "/user" and method == "GET":
            if self.user is None:
                return (
                    403,
                    limits,
                    {
                        "message": "Resource not accessible by integration",
                        "documentation_url": "https://docs.github.com/rest/users/users"
                        "#get-the-authenticated-user",
                        "status": "403",
                    },
                )
            return 200, limits, github_user(self.user)
        base = f"/repos/{self.repo}"
        if not path.startswith(base + "/"):
            return (
                404,
                limits,
                {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
            )
        rest = path[len(base) :]
        if rest == "/pulls" and method == "GET":
            state = query.get("state", "open")
            pulls = [p for p in self.requests.values() if state == "all" or p["state"] == state]
            if query.get("sort") == "updated":
                pulls.sort(
                    key=lambda p: p["updated_at"], reverse=query.get("direction", "desc") == "desc"
                )
            else:
                pulls.sort(key=lambda p: p["created_at"], reverse=True)
            chunk, page_headers = self._page(pulls, path, query)
            return 200, {**limits, **page_headers}, chunk
        if rest == "/pulls" and method == "POST":
            if any(
                p["head"]["ref"] == body["head"] and p["state"] == "open"
                for p in self.requests.values()
            ):
                return (
                    422,
                    limits,
                    {
                        "message": "Validation Failed",
                        "errors": [
                            {
                                "resource": "PullRequest",
                                "code": "custom",
                                "message": "A pull request already exists for "
                                f"acme:{body['head']}.",
                            }
                        ],
                    },
                )
            number = max(self.requests, default=0) + 1
            pull = self.add_request(
                number, body["title"], branch=body["head"], draft=bool(body.get("draft")), created=0
            )
            pull["body"] = body.get("body")
            return 201, limits, pull
        if m := re.fullmatch(r"/pulls/(\d+)/reviews", rest):
            number = int(m[1])
            if number not in self.requests:
                return 404, limits, {"message": "Not Found"}
            chunk, page_headers = self._page(self.reviews.get(number, []), path, query)
            return 200, {**limits, **page_headers}, chunk
        if m := re.fullmatch(r"/issues/(\d+)/labels", rest):
            number = int(m[1])
            self.labels_added.setdefault(number, []).extend(body["labels"])
            pull = self.requests[number]
            pull["labels"] += [
                {"id": 9, "name": n, "color": "ededed", "default": False} for n in body["labels"]
            ]
            return 200, limits, pull["labels"]
        if m := re.fullmatch(r"/issues/(\d+)/comments", rest):
            number = int(m[1])
            if number not in self.requests:
                return 404, limits, {"message": "Not Found"}
            if method == "POST":
                return (
                    201,
                    limits,
                    self.add_comment(number, body["body"], author=self.writer),
                )
            chunk, page_headers = self._page(self.comments.get(number, []), path, query)
            return 200, {**limits, **page_headers}, chunk
        if (m := re.fullmatch(r"/issues/comments/(\d+)", rest)) and method == "PATCH":
            for items in self.comments.values():
                for item in items:
                    if item["id"] == int(m[1]):
                        item["body"] = body["body"]
                        item["updated_at"] = stamp(0)
                        return 200, limits, item
            return 404, limits, {"message": "Not Found"}
        return 404, limits, {"message": "Not Found"}

    # --- GitLab ---------------------------------------------------------------------

    def _gitlab(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any
    ) -> tuple[int, dict[str, str], Any]:
        private = headers.get("private-token")
        job = headers.get("job-token")
        if private != self.token and (job is None or job != self.job_token):
            return 401, {}, {"message": "401 Unauthorized"}
        if path == "/user" and method == "GET":
            if job is not None:  # the job token is no user's
                return 401, {}, {"message": "401 Unauthorized"}
            return 200, {}, gitlab_user(self.writer)
        m = re.match(r"^/projects/([^/]+)(/.*)$", path)
        if not m or unquote(m[1]) not in (self.repo, str(self.project_id)):
            return 404, {}, {"message": "404 Project Not Found"}
        rest = m[2]
        if job is not None and method != "GET":
            return 403, {}, {"message": "403 Forbidden"}
        if rest == "/merge_requests" and method == "GET":
            state = query.get("state", "all")
            mrs = [mr for mr in self.requests.values() if state == "all" or mr["state"] == state]
            if "updated_after" in query:
                mrs = [mr for mr in mrs if mr["updated_at"] >= query["updated_after"]]
            key = "updated_at" if query.get("order_by") == "updated_at" else "created_at"
            mrs.sort(key=lambda mr: mr[key], reverse=query.get("sort", "desc") == "desc")
            chunk, page_headers = self._page(mrs, path, query)
            return 200, page_headers, chunk
        if rest == "/merge_requests" and method == "POST":
            if any(
                mr["source_branch"] == body["source_branch"] and mr["state"] == "opened"
                for mr in self.requests.values()
            ):
                return (
                    409,
                    {},
                    {
                        "message": [
                            "Another open merge request already exists for this source branch: !1"
                        ]
                    },
                )
            number = max(self.requests, default=0) + 1
            title = body["title"]
            draft = title.startswith("Draft: ")
            labels = tuple(x for x in body.get("labels", "").split(",") if x)
            mr = self.add_request(
                number,
                title.removeprefix("Draft: "),
                branch=body["source_branch"],
                draft=draft,
                labels=labels,
                created=0,
            )
            mr["description"] = body.get("description")
            self.labels_added[number] = list(labels)
            return 201, {}, mr
        if m := re.fullmatch(r"/merge_requests/(\d+)/approvals", rest):
            number = int(m[1])
            if number not in self.requests:
                return 404, {}, {"message": "404 Not found"}
            if number not in self.approvals:
                self.set_approvals(number, approved=True)  # Free: nothing required, nobody approved
            return 200, {}, self.approvals[number]
        if m := re.fullmatch(r"/merge_requests/(\d+)/notes", rest):
            number = int(m[1])
            if number not in self.requests:
                return 404, {}, {"message": "404 Not found"}
            if method == "POST":
                return 201, {}, self.add_comment(number, body["body"], author=self.writer)
            notes = sorted(
                self.comments.get(number, []),
                key=lambda n: n["id"],
                reverse=query.get("sort") != "asc",
            )
            chunk, page_headers = self._page(notes, path, query)
            return 200, page_headers, chunk
        if (m := re.fullmatch(r"/merge_requests/(\d+)/notes/(\d+)", rest)) and method == "PUT":
            for item in self.comments.get(int(m[1]), []):
                if item["id"] == int(m[2]):
                    if item["author"]["id"] != account_id(self.writer):
                        return 403, {}, {"message": "403 Forbidden"}  # only its author edits
                    item["body"] = body["body"]
                    return 200, {}, item
            return 404, {}, {"message": "404 Not found"}
        return 404, {}, {"message": "404 Not found"}
