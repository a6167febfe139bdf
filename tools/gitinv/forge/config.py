"""Which code host, where its API is, which repository and which token: no network here.

Public API::

    forge_of(settings, origin) -> "github" | "gitlab" | None   # THE choice of host
    look(root) -> Found           # settings.yaml and origin, each read once, and the host
    kind(root) -> "github" | "gitlab" | None
    where(root, env, found=None) -> Where   # host, API, project, token (raises GitinvError)
    parse_url(url) -> Remote | None
    web_url(url) -> str | None    # https://HOST/PATH of a remote URL, credentials dropped

The choice, in order: `forge:` in settings.yaml; else the host of `repository:`
or of the `origin` remote (github.com is GitHub, a host whose name contains
`gitlab` is GitLab); anything else needs `forge:`. `validate`, `codeowners`,
`request`, the site and this package all ask `forge_of`.

The repository: in the host's CI (`GITHUB_ACTIONS=true` with `GITHUB_REPOSITORY`,
`GITLAB_CI=true` with `CI_PROJECT_ID`) the job's own; elsewhere `repository:`,
then the origin remote, then those variables.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from gitinv.errors import GitinvError
from gitinv.layout import SETTINGS_FILE

Kind = Literal["github", "gitlab"]
KINDS: tuple[Kind, ...] = ("github", "gitlab")
NAMES: dict[Kind, str] = {"github": "GitHub", "gitlab": "GitLab"}
NOUNS: dict[str, str] = {"github": "pull request", "gitlab": "merge request"}

API_URL_ENV = "GITINV_API_URL"
TOKEN_ENV = "GITINV_TOKEN"
# GitHub: the bot a token that may not ask GET /user (an app's installation token)
# writes its comments as: the Actions GITHUB_TOKEN's, unless this names another app's.
BOT_ENV = "GITINV_BOT_LOGIN"
ACTIONS_BOT = "github-actions[bot]"
_BOT = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\[bot\]")
# The token variables each host's CI sets or users set, in the order they are tried.
TOKENS: dict[Kind, tuple[str, ...]] = {
    "github": (TOKEN_ENV, "GITHUB_TOKEN"),
    "gitlab": (TOKEN_ENV, "GITLAB_TOKEN", "CI_JOB_TOKEN"),
}
JOB_TOKEN = "CI_JOB_TOKEN"
# The API address each host's CI sets, used when GITINV_API_URL is not set.
CI_API_ENV: dict[Kind, str] = {"github": "GITHUB_API_URL", "gitlab": "CI_API_V4_URL"}
# The variable naming the job's own repository in each host's CI.
CI_REPOSITORY_ENV: dict[Kind, str] = {"github": "GITHUB_REPOSITORY", "gitlab": "CI_PROJECT_ID"}
SETTINGS = SETTINGS_FILE

_OWNER_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_SCP = re.compile(r"^(?:[^@/\s]+@)?(?P<host>[^:/\s]+):(?P<path>[^\s]+)$")
# What a token is made of: printable ASCII, no space. Anything else (a line break
# pasted with it) would end up in an HTTP library's error message, token and all.
_TOKEN = re.compile(r"[\x21-\x7e]+")


@dataclass(frozen=True)
class Remote:
    """A repository's address: the web host (with its port for https) and its path."""

    host: str
    path: str

    @property
    def web(self) -> str:
        return f"https://{self.host}/{self.path}"


def parse_url(url: str) -> Remote | None:
    """The host and path of an https, ssh or scp-style remote URL; credentials dropped."""
    url = url.strip()
    if "://" in url:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http", "ssh", "git") or not parts.hostname:
            return None
        host = parts.hostname
        if parts.scheme in ("https", "http") and parts.port:
            host = f"{host}:{parts.port}"
        path = parts.path
    else:
        match = _SCP.match(url)
        if not match:
            return None
        host, path = match["host"], match["path"]
    path = path.strip("/").removesuffix(".git").strip("/")
    if not path:
        return None
    return Remote(host.lower(), path)


def web_url(url: str) -> str | None:
    """https://HOST/PATH for a remote URL (never its user name or password), else None."""
    remote = parse_url(url)
    return remote.web if remote else None


def kind_of_host(host: str) -> Kind | None:
    name = host.split(":")[0]
    if name in ("github.com", "www.github.com"):
        return "github"
    if "gitlab" in name:
        return "gitlab"
    return None


def forge_of(settings: Mapping[str, Any], origin: Path | str | None) -> Kind | None:
    """The code host of a repository: `forge:` in its settings.yaml, else the host of
    `repository:`, else the host of its origin remote; None when nothing says which.

    `settings` may come from the working tree or from a revision (`validate --rev`);
    the origin is the repository's own: `origin` is the repository (a Path, whose
    origin remote is read only when it comes to that), the origin's URL already read
    (a str), or None (no origin)."""
    forge = settings.get("forge")
    if forge in KINDS:
        return forge  # type: ignore[no-any-return]
    repository = settings.get("repository")
    if isinstance(repository, str) and (remote := parse_url(repository)):
        return kind_of_host(remote.host)
    url = origin_url(origin) if isinstance(origin, Path) else origin
    remote = parse_url(url) if url else None
    return kind_of_host(remote.host) if remote else None


@dataclass(frozen=True)
class Token:
    """A token and the variable it came from. Only the variable's name is ever shown."""

    value: str = field(repr=False)
    source: str

    @property
    def job(self) -> bool:
        """GitLab's CI job token: it reads merge requests and notes, and writes nothing."""
        return self.source == JOB_TOKEN

    def __str__(self) -> str:
        return f"the token in {self.source}"


def find_token(kind: Kind, env: Mapping[str, str]) -> Token | None:
    for name in TOKENS[kind]:
        value = env.get(name, "").strip()
        if value and not _TOKEN.fullmatch(value):
            raise GitinvError(
                f"{name} holds a space, a line break or another character no token has; "
                "set it to the token alone"
            )
        if value:
            return Token(value, name)
    return None


@dataclass(frozen=True)
class Where:
    """Everything needed to call a host's API, found without calling it."""

    kind: Kind
    api: str
    project: str  # GitHub OWNER/REPO; GitLab the numeric id or the URL-encoded path
    label: str  # the repository as people name it, for messages
    web: str | None  # https://HOST/PATH of the repository, when known
    token: Token | None
    hint: str  # where the repository was taken from, for a 404's message
    bot: str = ACTIONS_BOT  # GitHub: the app bot an installation token writes as

    @property
    def name(self) -> str:
        return NAMES[self.kind]


def origin_url(root: Path) -> str | None:
    from gitinv import git

    try:
        return git.remote_url(root, "origin")
    except Exception:  # not a git repository: there is no origin to read
        return None


@dataclass(frozen=True)
class Found:
    """What the working tree says about its code host, each source read once."""

    settings: dict[str, Any]
    origin: str | None  # the origin's URL; read only when `repository:` names no repository
    kind: Kind | None


def look(root: Path) -> Found:
    # Imported here: the YAML loader is most of a `comment`'s start-up otherwise.
    from gitinv.settings import read_settings

    settings = read_settings(root)
    repository = settings.get("repository")
    named = isinstance(repository, str) and parse_url(repository) is not None
    origin = None if named else origin_url(root)
    return Found(settings, origin, forge_of(settings, origin))


def kind(root: Path) -> Kind | None:
    """The code host of the inventory at `root`, or None when nothing says which."""
    return look(root).kind


def where(root: Path, env: Mapping[str, str] | None = None, found: Found | None = None) -> Where:
    """The host, API address, project and token for the inventory at `root` (`found`:
    what `look(root)` gave, when the caller has it already)."""
    env = os.environ if env is None else env
    found = look(root) if found is None else found
    settings, origin = found.settings, found.origin
    forge = settings.get("forge")
    if forge is not None and forge not in KINDS:
        raise GitinvError(f"{SETTINGS}: `forge: {forge}` is not github or gitlab; fix it")
    if found.kind is None:
        raise GitinvError(
            f"cannot tell the code host from {_source_words(settings, origin)}: "
            f"set `forge: github` or `forge: gitlab` in {SETTINGS}"
        )
    host = found.kind
    ci = _ci_repository(host, env)
    if ci is not None:
        # The job's own repository: a request cannot point the job's token at another
        # one by editing settings.yaml.
        project, label, web = ci
        remote, hint = (parse_url(web) if web else None), CI_REPOSITORY_ENV[host]
        api = _api_base(host, remote, env)
    else:
        remote, hint = None, ""
        configured = settings.get("repository")
        if isinstance(configured, str) and parse_url(configured):
            remote, hint = parse_url(configured), f"`repository` in {SETTINGS}"
        elif origin and parse_url(origin):
            remote, hint = parse_url(origin), "the origin remote's URL"
        api = _api_base(host, remote, env)
        if host == "github":
            project, hint = _github_project(remote, hint, env)
            label = project
            web = remote.web if remote else None
        else:
            project, label, hint = _gitlab_project(remote, hint, env)
            web = remote.web if remote else env.get("CI_PROJECT_URL") or None
    token = find_token(host, env)
    bot = _bot(env) if host == "github" else ""
    return Where(host, api, project, label, web, token, hint, bot)


def _bot(env: Mapping[str, str]) -> str:
    named = env.get(BOT_ENV, "").strip()
    if named and not _BOT.fullmatch(named):
        raise GitinvError(
            f"{BOT_ENV} must be a GitHub App's bot login, such as `inventory-app[bot]`"
        )
    return named or ACTIONS_BOT


def _ci_repository(kind: Kind, env: Mapping[str, str]) -> tuple[str, str, str | None] | None:
    """(project, label, web URL) of the CI job's own repository when gitinv runs in
    that host's CI (`GITHUB_ACTIONS=true`, `GITLAB_CI=true`), else None."""
    if kind == "github":
        named = env.get("GITHUB_REPOSITORY", "").strip()
        if env.get("GITHUB_ACTIONS") != "true" or not _OWNER_REPO.fullmatch(named):
            return None
        server = env.get("GITHUB_SERVER_URL", "").strip() or "https://github.com"
        return named, named, web_url(f"{server}/{named}")
    project_id = env.get("CI_PROJECT_ID", "").strip()
    if env.get("GITLAB_CI") != "true" or not re.fullmatch(r"[0-9]{1,20}", project_id):
        return None
    label = env.get("CI_PROJECT_PATH", "").strip() or f"project {project_id}"
    url = env.get("CI_PROJECT_URL", "").strip()
    return project_id, label, web_url(url) if url else None


def _source_words(settings: Mapping[str, Any], origin: str | None) -> str:
    repository = settings.get("repository")
    if isinstance(repository, str) and (remote := parse_url(repository)):
        return f"`repository` in {SETTINGS} (host {remote.host})"
    if origin and (remote := parse_url(origin)):
        return f"the origin remote (host {remote.host})"
    return f"{SETTINGS} or an origin remote"


def _api_base(kind: Kind, remote: Remote | None, env: Mapping[str, str]) -> str:
    configured = env.get(API_URL_ENV, "").strip() or env.get(CI_API_ENV[kind], "").strip()
    if configured:
        try:
            parts = urlsplit(configured)
            _ = parts.port  # raises on a port that is not a number from 0 to 65535
        except ValueError:
            parts = urlsplit("")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise GitinvError(f"{API_URL_ENV} must be an http(s) URL such as https://HOST/api/v4")
        if parts.query or parts.fragment:
            raise GitinvError(
                f"{API_URL_ENV} must be the API's address alone, without `?` or `#`, "
                "such as https://HOST/api/v4"
            )
        if parts.username or parts.password:
            raise GitinvError(
                f"{API_URL_ENV} must not hold a user name or password: the token goes in "
                f"{TOKEN_ENV}"
            )
        return configured.rstrip("/")
    if kind == "github":
        if remote is None or remote.host == "github.com":
            return "https://api.github.com"
        return f"https://{remote.host}/api/v3"
    if remote is None:
        raise GitinvError(
            f"cannot tell where GitLab is: set `repository` in {SETTINGS} "
            f"(https://HOST/GROUP/PROJECT) or {API_URL_ENV} (https://HOST/api/v4)"
        )
    return f"https://{remote.host}/api/v4"


def _github_project(remote: Remote | None, hint: str, env: Mapping[str, str]) -> tuple[str, str]:
    if remote is not None:
        if not _OWNER_REPO.fullmatch(remote.path):
            raise GitinvError(
                f"{hint} does not name a GitHub repository as OWNER/REPO ({remote.path}); "
                f"set `repository: https://github.com/OWNER/REPO` in {SETTINGS}"
            )
        return remote.path, hint
    named = env.get("GITHUB_REPOSITORY", "").strip()
    if _OWNER_REPO.fullmatch(named):
        return named, "GITHUB_REPOSITORY"
    raise GitinvError(
        f"cannot tell which GitHub repository: set `repository: https://github.com/OWNER/REPO` "
        f"in {SETTINGS}, add an origin remote, or set GITHUB_REPOSITORY=OWNER/REPO"
    )


def _gitlab_project(
    remote: Remote | None, hint: str, env: Mapping[str, str]
) -> tuple[str, str, str]:
    if remote is not None:
        return quote(remote.path, safe=""), remote.path, hint
    project_id = env.get("CI_PROJECT_ID", "").strip()
    if re.fullmatch(r"[0-9]{1,20}", project_id):
        label = env.get("CI_PROJECT_PATH", "").strip() or f"project {project_id}"
        return project_id, label, "CI_PROJECT_ID"
    raise GitinvError(
        f"cannot tell which GitLab project: set `repository: https://HOST/GROUP/PROJECT` "
        f"in {SETTINGS}, add an origin remote, or set CI_PROJECT_ID"
    )
