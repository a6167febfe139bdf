"""Who can own a folder: the handle rules of each code host, defined once.

Public API::

    problem(value, forge) -> str | None   # what is wrong with `value` as an owner, or None
    describe(forge) -> str                # the forms a host accepts, for messages
    ANY_PATTERN                           # what either host accepts (JSON Schema, editors)

`forge` is "github", "gitlab", or None when the host is not known yet (then a
handle either host accepts passes). The models (groups' moderators, settings'
admins), `codeowners` and `request --reviewer` all check through here.
"""

from __future__ import annotations

import re
from typing import Literal

Forge = Literal["github", "gitlab"]

# GitHub: a login is letters, digits and hyphens, at most 39 characters; an
# Enterprise Managed User's login ends in `_` and the enterprise's short code
# (`@octocat_acme`). A team is `@org/team-slug`.
_GH_LOGIN = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?(?:_[A-Za-z0-9]+)?"
_GH_TEAM = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_EMAIL = (
    r"[A-Za-z0-9.!#$%&'*+=?^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
GITHUB_PATTERN = rf"^(?:@{_GH_LOGIN}(?:/{_GH_TEAM})?|{_EMAIL})$"

# GitLab: a user or group path is letters, digits, `_`, `-` and `.`, not starting
# with `-` or `.` nor ending with `.`; subgroups nest with `/`. `@@maintainer`
# (and developer, owner) names a role.
_GL_PATH = r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,253}[A-Za-z0-9_-])?"
GITLAB_PATTERN = rf"^(?:@{_GL_PATH}(?:/{_GL_PATH})*|@@(?:developer|maintainer|owner))$"

ANY_PATTERN = rf"(?:{GITHUB_PATTERN})|(?:{GITLAB_PATTERN})"

_RULES: dict[Forge, re.Pattern[str]] = {
    "github": re.compile(GITHUB_PATTERN),
    "gitlab": re.compile(GITLAB_PATTERN),
}
_DESCRIBE: dict[Forge | None, str] = {
    "github": "a GitHub handle: `@user`, `@org/team` or an e-mail address",
    "gitlab": "a GitLab handle: `@user`, `@group` or `@group/subgroup`",
    None: "a handle: `@user`, `@org/team` (GitHub), `@group/subgroup` (GitLab) "
    "or an e-mail address",
}


def describe(forge: Forge | None) -> str:
    return _DESCRIBE[forge]


def problem(value: str, forge: Forge | None) -> str | None:
    """None when `value` is an owner the host accepts, else what to write instead."""
    hosts: tuple[Forge, ...] = (forge,) if forge else ("github", "gitlab")
    if any(_RULES[host].fullmatch(value) for host in hosts):  # no trailing newline
        return None
    hint = ""
    if "@" not in value:
        hint = '; in YAML, quote it: a value cannot start with @ unquoted, e.g. "@acme/platform"'
    return f"`{value}` is not {describe(forge)}{hint}"
