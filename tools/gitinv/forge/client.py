"""The one HTTP client both hosts use: JSON over REST, pages, and answers as one line.

Public API::

    Client(where, auth=header_auth(...), headers={...}, scopes=Scopes(...))
    client.get(path, params, need="read", what=None, absent=()) -> Any  # None: a status in absent
    client.pages(path, params, need="read", what=None) -> Iterator[list[Any]]
    client.send(method, path, body, need="write", what=None) -> Any

Every failure is a `GitinvError` of one line: 401 names the token's variable,
403 the permission it lacks, 404 the repository (or request) to check, a rate
limit when it resets. The token travels only in a request header to the API's
own address: never in a URL, a message, or a `repr`; a next-page link or a
redirect to another address is not followed. A host cannot keep gitinv busy
for ever: an answer is read up to `MAX_ANSWER` bytes within `ANSWER_SECONDS`,
a list up to `MAX_PAGES` pages, and a page asked for twice ends the list.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from gitinv import __version__
from gitinv.errors import GitinvError
from gitinv.forge.config import API_URL_ENV, TOKENS, Where
from gitinv.report import one_line

PER_PAGE = 100  # both hosts' maximum
TIMEOUT = 30.0
RETRY_AFTER_MAX = 10  # a rate limit asking to wait this long or less is waited out, once
MAX_REDIRECTS = 3
MAX_PAGES = 1000  # 100,000 items: far more open requests, or comments on one, than any team has
MAX_ANSWER = 64 * 1024 * 1024  # bytes of one answer, decompressed
ANSWER_SECONDS = 120.0  # one answer, all of it: a host sending a byte now and then is cut off
_DIGITS = re.compile(r"[0-9]{1,12}")  # a page number, a wait or a time the host sent


class _HeaderAuth(httpx.Auth):
    """Puts the token in one header of each request; shows only the header's name."""

    def __init__(self, header: str, value: str) -> None:
        self._header = header
        self._value = value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._header] = self._value
        yield request

    def __repr__(self) -> str:
        return f"<token in the {self._header} header>"


def header_auth(header: str, value: str) -> httpx.Auth:
    return _HeaderAuth(header, value)


@dataclass(frozen=True)
class Scopes:
    """The least a token needs, in the host's words, for reading and for writing."""

    read: str
    write: str


class Client:
    def __init__(
        self,
        where: Where,
        *,
        auth: httpx.Auth | None,
        headers: Mapping[str, str],
        scopes: Scopes,
    ) -> None:
        self.where = where
        self.scopes = scopes
        self._secret = where.token.value if where.token else None
        self._origin = _origin(where.api)
        self._http = httpx.Client(
            auth=auth,
            headers={"User-Agent": f"gitinv/{__version__}", **headers},
            timeout=TIMEOUT,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"<{self.where.name} API client for {self.where.label} at {self.where.api}>"

    def close(self) -> None:
        self._http.close()

    # --- calls ------------------------------------------------------------------------

    def get(
        self,
        path: str,
        params: Mapping[str, str | int] | None = None,
        *,
        need: str = "read",
        what: str | None = None,
        absent: tuple[int, ...] = (),
    ) -> Any:
        """The answer's JSON; None when the host answers a status in `absent` (a rate
        limit is never taken for one)."""
        response = self._call("GET", self._url(path), params, None, need, what, absent)
        return None if response.status_code in absent else _json(response, self)

    def send(
        self, method: str, path: str, body: Any, *, need: str = "write", what: str | None = None
    ) -> Any:
        return _json(self._call(method, self._url(path), None, body, need, what), self)

    def pages(
        self,
        path: str,
        params: Mapping[str, str | int] | None = None,
        *,
        need: str = "read",
        what: str | None = None,
    ) -> Iterator[list[Any]]:
        """Each page of a list, one call a page, following the host's next-page link
        (GitHub `Link`; GitLab `Link` or `X-Next-Page`) until there is none."""
        url: str | None = self._url(path)
        query: dict[str, str | int] | None = {"per_page": PER_PAGE, **(params or {})}
        asked: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        while url is not None:
            key = (url, tuple(sorted((k, str(v)) for k, v in (query or {}).items())))
            if key in asked:  # a host pointing back at a page it gave would never end
                raise GitinvError(
                    f"{self.where.name}'s next page of {_path(url)} is one it already gave; "
                    f"stopping. Is {API_URL_ENV} the API's address ({self.where.api})?"
                )
            if len(asked) == MAX_PAGES:
                raise GitinvError(
                    f"{self.where.name} gave more than {MAX_PAGES} pages of {_path(url)}; "
                    f"stopping. Is {API_URL_ENV} the API's address ({self.where.api})?"
                )
            asked.add(key)
            response = self._call("GET", url, query, None, need, what)
            items = _json(response, self)
            if not isinstance(items, list):
                raise GitinvError(
                    f"{self.where.name} answered {_path(url)} with something that is not a "
                    f"list; is {API_URL_ENV} the API's address?"
                )
            yield items
            url, query = self._next(response, url, query)

    def _next(
        self, response: httpx.Response, url: str, query: dict[str, str | int] | None
    ) -> tuple[str | None, dict[str, str | int] | None]:
        try:
            link = response.links.get("next", {}).get("url")
            target = urljoin(str(response.request.url), link) if link else ""
        except ValueError:  # a Link header no URL parser reads
            raise GitinvError(
                f"{self.where.name} answered {_path(url)} with a next-page link that is not "
                f"a URL; is {API_URL_ENV} the API's address ({self.where.api})?"
            ) from None
        if target:
            if not self._same_origin(target):
                raise GitinvError(
                    f"{self.where.name} gave a next-page link to another address "
                    f"({_origin(target)}); the token is not sent there. Check {API_URL_ENV}"
                )
            return target, None
        page = response.headers.get("x-next-page", "").strip()
        if _DIGITS.fullmatch(page) and query is not None:
            return url, {**query, "page": int(page)}
        return None, None

    # --- one request, its answer checked ----------------------------------------------

    def _url(self, path: str) -> str:
        return self.where.api + path

    def _same_origin(self, url: str) -> bool:
        try:
            return _origin(url) == self._origin and urlsplit(url).path.startswith(
                urlsplit(self.where.api).path
            )
        except ValueError:  # not a URL: not the API's
            return False

    def _call(
        self,
        method: str,
        url: str,
        params: Mapping[str, str | int] | None,
        body: Any,
        need: str,
        what: str | None,
        absent: tuple[int, ...] = (),
    ) -> httpx.Response:
        waited = False
        redirects = 0
        while True:
            response = self._exchange(method, url, params, body)
            if response.is_redirect:
                # A moved repository answers a redirect within the API: followed. One to
                # another address would carry the token there: not followed.
                target = urljoin(url, response.headers.get("location", ""))
                if not self._same_origin(target):
                    raise GitinvError(
                        f"{self.where.name} answered {method} {_path(url)} with a redirect to "
                        f"another address ({_origin(target)}); the token is not sent there. "
                        f"Check {API_URL_ENV} and the repository (from {self.where.hint})"
                    )
                if redirects < MAX_REDIRECTS and (
                    method == "GET" or response.status_code in (307, 308)
                ):
                    url, params, redirects = target, None, redirects + 1
                    continue
            if response.is_success:
                return response
            wait = _retry_after(response)
            if (
                _rate_limited(response)
                and not waited
                and wait is not None
                and wait <= RETRY_AFTER_MAX
            ):
                time.sleep(wait)
                waited = True
                continue
            if response.status_code in absent and not _rate_limited(response):
                return response
            raise GitinvError(self._redact(self._failure(response, method, url, need, what)))

    def _exchange(
        self, method: str, url: str, params: Mapping[str, str | int] | None, body: Any
    ) -> httpx.Response:
        try:
            with self._http.stream(method, url, params=params, json=body) as response:
                return self._whole(response, method, url)
        except httpx.TimeoutException:
            raise GitinvError(
                f"{self.where.name} did not answer {method} {_path(url)} within "
                f"{TIMEOUT:.0f} s; try again later"
            ) from None
        except httpx.HTTPError as exc:
            raise GitinvError(
                self._redact(
                    f"cannot reach {self.where.name} at {self.where.api}: "
                    f"{one_line(str(exc)) or type(exc).__name__}; check {API_URL_ENV} "
                    "and the network"
                )
            ) from None

    def _whole(self, response: httpx.Response, method: str, url: str) -> httpx.Response:
        """The answer read in full, as long as it stays within the bounds."""
        deadline = time.monotonic() + ANSWER_SECONDS
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_ANSWER or time.monotonic() > deadline:
                too = (
                    f"more than {MAX_ANSWER / 2**20:g} MiB"
                    if size > MAX_ANSWER
                    else f"an answer that took more than {ANSWER_SECONDS:g} s"
                )
                raise GitinvError(
                    f"{self.where.name} answered {method} {_path(url)} with {too}; "
                    f"stopping. Is {API_URL_ENV} the API's address ({self.where.api})?"
                )
            chunks.append(chunk)
        # The same answer with its body read (and decompressed, hence no length or encoding).
        kept = [
            (k, v)
            for k, v in response.headers.raw  # as sent: a value need not be ASCII
            if k.lower() not in (b"content-encoding", b"content-length", b"transfer-encoding")
        ]
        return httpx.Response(
            response.status_code,
            headers=kept,
            content=b"".join(chunks),
            request=response.request,
            extensions=response.extensions,
        )

    def _redact(self, text: str) -> str:
        return text.replace(self._secret, "[token]") if self._secret else text

    def _failure(
        self, response: httpx.Response, method: str, url: str, need: str, what: str | None
    ) -> str:
        host, where = self.where.name, self.where
        status = f"{response.status_code} {response.reason_phrase}".strip()
        detail = _detail(response)
        said = f" ({detail})" if detail else ""
        token = where.token
        variables = " or ".join(TOKENS[where.kind])
        scope = self.scopes.write if need == "write" else self.scopes.read
        if _rate_limited(response):
            return f"{host}'s API rate limit is reached ({status}): {_reset(response)}"
        if response.status_code == 401:
            if token is None:
                return f"{host} answered {status}: it needs a token; set {variables}"
            return (
                f"{host} refused {token} ({status}){said}: it is wrong, expired or revoked; "
                f"check {token.source}"
            )
        if response.status_code == 403:
            who = str(token) if token else "a request without a token"
            return (
                f"{host} refused {method} {_path(url)} for {where.label} ({status}){said}: "
                f"{who} lacks the permission; it needs {scope}"
            )
        if response.status_code == 404:
            target = what or f"repository {where.label}"
            seen = f"{token} can see it" if token else f"it is public, or set {variables}"
            return (
                f"{host} found no {target} ({status} for {method} {_path(url)}): check "
                f"{'the number and ' if what else ''}the repository (from {where.hint}) "
                f"and that {seen}"
            )
        if response.status_code >= 500:
            return f"{host} answered {status} for {method} {_path(url)}; try again later"
        return f"{host} refused {method} {_path(url)} ({status}){said}"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}".lower()


def _path(url: str) -> str:
    return urlsplit(url).path or "/"


def _json(response: httpx.Response, client: Client) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python reads
        raise GitinvError(
            f"{client.where.name} answered {_path(str(response.request.url))} with something "
            f"that is not JSON; is {API_URL_ENV} the API's address ({client.where.api})?"
        ) from None


def _detail(response: httpx.Response) -> str:
    """The host's own words about a failure, on one short line."""
    try:
        data = response.json()
    except (ValueError, RecursionError):
        return ""
    parts: list[str] = []
    if isinstance(data, dict):
        for key in ("message", "error", "error_description"):
            value = data.get(key)
            if isinstance(value, str):
                parts.append(value)
            elif isinstance(value, dict | list):
                parts.append(_flatten(value))
        errors = data.get("errors")
        if isinstance(errors, list):
            parts.extend(
                str(e.get("message") or e.get("code") or "") if isinstance(e, dict) else str(e)
                for e in errors
            )
    text = one_line("; ".join(p for p in parts if p))
    return text if len(text) <= 300 else text[:297] + "..."


def _flatten(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k} {_flatten(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_flatten(v) for v in value)
    return str(value)


def _rate_limited(response: httpx.Response) -> bool:
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    headers = response.headers
    return (
        headers.get("x-ratelimit-remaining") == "0"
        or headers.get("ratelimit-remaining") == "0"
        or "retry-after" in headers
        or "rate limit" in _detail(response).lower()
    )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    if _DIGITS.fullmatch(value):
        return float(value)
    if value:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:  # "-0000": UTC, by RFC 5322
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return None


def _reset(response: httpx.Response) -> str:
    """When the limit resets, in words: from Retry-After or the reset time the host sent."""
    now = datetime.now(UTC)
    wait = _retry_after(response)
    stamp = (
        response.headers.get("x-ratelimit-reset") or response.headers.get("ratelimit-reset") or ""
    ).strip()
    unknown = "it did not say when it resets; wait a few minutes and run again"
    if wait is not None:
        at = now.timestamp() + wait
    elif _DIGITS.fullmatch(stamp):
        at = float(stamp)
    else:
        return unknown
    try:
        when = datetime.fromtimestamp(at, UTC)
    except (OverflowError, OSError, ValueError):  # past the calendar's end
        return unknown
    seconds = max(0, int((when - now).total_seconds()))
    pause = f"{seconds} s" if seconds < 120 else f"{round(seconds / 60)} min"
    return f"it resets at {when:%Y-%m-%d %H:%M:%S} UTC (in {pause}); run again then"
