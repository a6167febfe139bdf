"""`.gitlab/CODEOWNERS`, resolved the way GitLab reads it.

GitLab (see the code-host reference): `File::fnmatch` with FNM_PATHNAME and
FNM_DOTMATCH; a pattern without a leading `/` matches at any depth; a trailing
`/` is a folder; `[Name]` opens a section (names case-insensitive, same names
merge), `[Name][N]` needs N approvals, `^[Name]` is optional; lines before the
first header form an unnamed required section; each section is evaluated on its
own, the last matching line winning within it; a `!path` line excludes the
paths it matches from its section; every section matching a file needs an
approval of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import GitRepo
from tests.forge.conftest import gitinv, inventory_repo

ADMINS = 'admins:\n  - "@acme/admins"\n  - "@root.ops"\n'
GROUPS = (
    'data:\n  moderators:\n    - "@acme/data-leads"\n    - "@alice"\n  approvals: 2\n'
    'web:\n  moderators:\n    - "@infra/dc/web-leads"\n    - "@john.doe"\n'
)


@dataclass
class Section:
    name: str
    approvals: int = 1
    optional: bool = False
    default: list[str] = field(default_factory=list)
    entries: list[tuple[str, list[str], bool]] = field(default_factory=list)


_HEADER = re.compile(r"^(\^)?\[([^\]]+)\](?:\[(\d+)\])?(?:\s+(.*))?$")


def parse(text: str) -> list[Section]:
    sections = {"": Section("")}
    current = sections[""]
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if header := _HEADER.match(line):
            # Sections of the same name (any case) are one; a repeated header adds to it.
            current = sections.setdefault(header[2].lower(), Section(header[2]))
            current.optional = bool(header[1])
            current.approvals = int(header[3]) if header[3] else current.approvals
            current.default = (header[4] or "").split() or current.default
            continue
        pattern, *owners = re.split(r"(?<!\\)\s+", line)
        exclusion = pattern.startswith("!")
        current.entries.append((pattern.lstrip("!").replace("\\ ", " "), owners, exclusion))
    return [s for s in sections.values() if s.entries]


def _glob(pattern: str) -> str:
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return out


def matches(pattern: str, path: str) -> bool:
    """GitLab's normalisation: `*` is everything, no leading `/` is `**/` (any depth), a
    trailing `/` is `**/*` (all below); then fnmatch, where `*` stays within a folder."""
    if pattern == "*":
        return True
    body = pattern[1:] if pattern.startswith("/") else "**/" + pattern
    if body.endswith("/"):
        body += "**/*"
    return re.fullmatch(_glob(body), path) is not None


def required(text: str, path: str) -> dict[str, tuple[list[str], int]]:
    """For each section that asks for an approval of `path`: its owners and count."""
    out = {}
    for section in parse(text):
        if section.optional:
            continue
        if any(excl and matches(p, path) for p, _, excl in section.entries):
            continue
        hits = [owners for p, owners, excl in section.entries if not excl and matches(p, path)]
        if hits:
            owners = hits[-1] or section.default
            if owners:
                out[section.name] = (owners, section.approvals)
    return out


def test_the_resolver_follows_gitlabs_rules() -> None:
    text = "* @everyone\n[A]\n* @a\n/x/ @b\n!/x/private/\n[b][2] @dflt\n/x/\n[B]\nx.md @c\n"
    assert required(text, "x/y.md") == {
        "": (["@everyone"], 1),
        "A": (["@b"], 1),
        "b": (["@dflt"], 2),
    }
    assert required(text, "x/private/k") == {"": (["@everyone"], 1), "b": (["@dflt"], 2)}
    assert required(text, "deep/x.md") == {
        "": (["@everyone"], 1),
        "A": (["@a"], 1),
        "b": (["@c"], 2),
    }
    assert matches("*", ".gitlab-ci.yml") and matches("/docs/*", "docs/a")
    assert not matches("/docs/*", "docs/a/b") and matches("/docs/**/*.md", "docs/a.md")


@pytest.fixture
def gl_inventory(tmp_path: Path) -> GitRepo:
    repo = inventory_repo(
        tmp_path / "gl", f"repository: https://gitlab.acme.io/infra/inventory\n{ADMINS}"
    )
    repo.write("inventory/groups.yaml", GROUPS)
    repo.commit("groups with GitLab handles")
    return repo


def write(repo: GitRepo) -> str:
    result = gitinv("-C", str(repo.path), "codeowners", env={})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "wrote .gitlab/CODEOWNERS\n"
    assert not (repo.path / ".github").exists()
    return (repo.path / ".gitlab/CODEOWNERS").read_text()


ADMIN_OWNERS = (["@acme/admins", "@root.ops"], 1)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("inventory/servers/data/db01.yaml", {"data": (["@acme/data-leads", "@alice"], 2)}),
        ("inventory/servers/web/web01.yaml", {"web": (["@infra/dc/web-leads", "@john.doe"], 1)}),
        ("inventory/servers/newteam/x01.yaml", {"Inventory admins": ADMIN_OWNERS}),
        ("inventory/groups.yaml", {"Inventory admins": ADMIN_OWNERS}),
        (".gitlab-ci.yml", {"Inventory admins": ADMIN_OWNERS}),
        (".gitlab/CODEOWNERS", {"Inventory admins": ADMIN_OWNERS}),
        ("tools/gitinv/cli.py", {"Inventory admins": ADMIN_OWNERS}),
        ("README.md", {"Inventory admins": ADMIN_OWNERS}),
    ],
)
def test_each_path_needs_exactly_its_owners(
    gl_inventory: GitRepo, path: str, expected: dict[str, tuple[list[str], int]]
) -> None:
    assert required(write(gl_inventory), path) == expected


def test_sections_and_approval_counts(gl_inventory: GitRepo) -> None:
    text = write(gl_inventory)
    headers = [line for line in text.splitlines() if line.startswith("[")]
    assert headers == ["[Inventory admins]", "[data][2]", "[web]"]
    assert "!/inventory/servers/data/\n!/inventory/servers/web/\n" in text
    result = gitinv("-C", str(gl_inventory.path), "codeowners", "--check", env={})
    assert result.returncode == 0 and result.stdout == ".gitlab/CODEOWNERS up to date\n"
    gl_inventory.write("inventory/groups.yaml", GROUPS.replace("approvals: 2", "approvals: 3"))
    result = gitinv("-C", str(gl_inventory.path), "codeowners", "--check", env={})
    assert result.returncode == 1 and "+[data][3]" in result.stdout


def test_the_host_inferred_from_origin_and_its_handle_rules(tmp_path: Path) -> None:
    repo = inventory_repo(tmp_path / "o", ADMINS)
    repo.git("remote", "add", "origin", "git@gitlab.acme.io:infra/inventory.git")
    repo.write("inventory/groups.yaml", GROUPS.replace('"@alice"', '"alice@acme.io"'))
    checked = gitinv("-C", str(repo.path), "validate", env={})  # the same host as codeowners
    assert checked.returncode == 1
    assert "`alice@acme.io` is not a GitLab handle" in checked.stdout
    result = gitinv("-C", str(repo.path), "codeowners", env={})
    assert result.returncode == 1
    assert result.stderr == (
        "gitinv: error: inventory/groups.yaml:4:7: bad-value: `moderators.1`: `alice@acme.io` "
        "is not a GitLab handle: `@user`, `@group` or `@group/subgroup`\n"
        "fix 1 problem(s) first; nothing written\n"
    )
    assert not (repo.path / ".gitlab").exists()


def test_on_github_approvals_change_nothing(tmp_path: Path) -> None:
    admins = ADMINS.replace("@root.ops", "ops@acme.io")  # an e-mail address: GitHub's
    repo = inventory_repo(
        tmp_path / "h", f"repository: https://github.com/acme/inventory\n{admins}"
    )
    groups = GROUPS.replace("@infra/dc/web-leads", "@acme/web-leads").replace("@john.doe", "@john")
    repo.write("inventory/groups.yaml", groups)
    assert gitinv("-C", str(repo.path), "codeowners", env={}).returncode == 0
    with_count = (repo.path / ".github/CODEOWNERS").read_text()
    repo.write("inventory/groups.yaml", groups.replace("  approvals: 2\n", ""))
    result = gitinv("-C", str(repo.path), "codeowners", "--check", env={})
    assert result.returncode == 0 and not (repo.path / ".gitlab").exists()
    assert "/inventory/servers/data/ @acme/data-leads @alice\n" in with_count
