"""The contents of the files `gitinv init` writes, as this version writes them.

CI and pre-commit files install gitinv with one pip requirement, written on one
line per file (`GITINV_REQUIREMENT: "..."`, or the `&gitinv` anchor of the
pre-commit hooks), so that an upgrade is a one-line change.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from gitinv import __version__, canonical, codeowners, schemas
from gitinv.errors import GitinvError
from gitinv.models import CATALOGS
from gitinv.settings import DEFAULT_BRANCH

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
EXAMPLE = HERE / "example"
TOKEN = "@REQUIREMENT@"
FORGES = ("github", "gitlab")
BRANCH = DEFAULT_BRANCH

# Managed file -> its template under files/.
_TEMPLATES = {
    "github": {
        ".github/workflows/validate.yml": "github/validate.yml",
        ".github/workflows/publish.yml": "github/publish.yml",
    },
    "gitlab": {".gitlab-ci.yml": "gitlab/gitlab-ci.yml"},
}
_COMMON = {
    ".pre-commit-config.yaml": "pre-commit-config.yaml",
    ".vscode/extensions.json": "vscode/extensions.json",
}
VSCODE_SETTINGS = ".vscode/settings.json"
GITIGNORE = ".gitignore"

REQUIREMENT_LINE = re.compile(
    r"^(?P<head>[ ]*(?:GITINV_REQUIREMENT: |additional_dependencies: &gitinv \[))"
    r'"(?P<value>[^"\n]*)"',
    re.M,
)
# One pip requirement: a name with a version specifier, a VCS or file URL, or a path.
# Quotes, backslashes, `$` (GitLab expands it) and control characters are refused,
# so the value is written as it is inside double quotes.
_REQUIREMENT = re.compile(r"^[^\s\"'\\$`\-][^\"'\\$`\x00-\x1f\x7f]*$")
_PIN = re.compile(r"^gitinv\s*==\s*[^\s,;]+$", re.I)

CATALOG_HINTS = {
    "components": "the software servers run",
    "datacenters": "where servers run (`location`, and `prefixes` their IPs must be in)",
    "environments": "production, staging and the like",
    "types": "vm, baremetal and the like",
    "tags": "free labels servers may carry",
    "groups": "the teams owning inventory/servers/<group>/ (`moderators` approve changes)",
}
CATALOG_EXAMPLES = {
    "components": "nginx:\n#     description: Web server",
    "datacenters": "fra1:\n#     location: Frankfurt\n#     prefixes:\n#       - 10.1.0.0/16",
    "environments": "production:\n#     description: Serves customers",
    "types": "vm:\n#     description: Virtual machine",
    "tags": "pci:\n#     description: In scope of the PCI DSS audit",
    "groups": 'web:\n#     moderators:\n#       - "@acme/web-leads"',
}


def default_requirement() -> str:
    """The running version, pinned."""
    return f"gitinv=={__version__}"


def check_requirement(spec: str) -> str:
    spec = spec.strip()
    if not _REQUIREMENT.fullmatch(spec):
        raise GitinvError(
            f"--requirement {spec!r} is not one pip requirement: give a version such as "
            f"gitinv=={__version__} or a URL such as git+https://HOST/OWNER/gitinv@v{__version__} "
            "(no quotes, backslashes or $)"
        )
    return spec


def is_pin(spec: str) -> bool:
    """True for `gitinv==X`, the form `init --update` moves to the running version."""
    return bool(_PIN.fullmatch(spec))


def requirements_in(text: str) -> set[str]:
    return {m["value"] for m in REQUIREMENT_LINE.finditer(text)}


def normalized(text: str) -> str:
    """`text` with its requirement replaced by a placeholder: a changed pin is no edit."""
    return REQUIREMENT_LINE.sub(lambda m: f'{m["head"]}"{TOKEN}"', text)


def ci_paths(forge: str) -> list[str]:
    """The CI files of `forge`: what tells one forge's repository from the other's."""
    return list(_TEMPLATES[forge])


def managed(forge: str, requirement: str) -> dict[str, str]:
    """Path -> text of every managed file for `forge`, installing `requirement`."""
    out = {
        path: (FILES / name).read_text(encoding="utf-8").replace(TOKEN, requirement)
        for path, name in {**_TEMPLATES[forge], **_COMMON}.items()
    }
    out[VSCODE_SETTINGS] = vscode_settings()
    return dict(sorted(out.items()))


def vscode_settings() -> str:
    """Each schema file mapped to the files it describes (VS Code's YAML extension)."""
    lines = []
    for name in schemas.documents():
        stem = name.removesuffix(".schema.json")
        files = "inventory/servers/*/*.yaml" if stem == "server" else f"inventory/{stem}.yaml"
        lines.append(f"    {json.dumps(f'./{schemas.SCHEMA_DIR}/{name}')}: [{json.dumps(files)}]")
    return '{\n  "yaml.schemas": {\n' + ",\n".join(lines) + "\n  }\n}\n"


def codeowners_path(forge: str) -> str:
    return codeowners.PATHS["gitlab" if forge == "gitlab" else "github"]


def codeowners_text(root: Path) -> str:
    """The CODEOWNERS `gitinv codeowners` writes for the inventory under `root`."""
    return codeowners.render(root)[1]


def codeowners_for(inventory: dict[str, str]) -> str:
    """CODEOWNERS for inventory files not yet on disk: rendered from a scratch copy."""
    with tempfile.TemporaryDirectory(prefix="gitinv-init-") as tmp:
        for path, text in inventory.items():
            if path.count("/") == 1:  # the catalogs and settings.yaml are all it reads
                (Path(tmp) / path).parent.mkdir(parents=True, exist_ok=True)
                (Path(tmp) / path).write_text(text, encoding="utf-8")
        return codeowners_text(Path(tmp))


def settings_yaml(admins: list[str], forge: str, repository: str | None) -> str:
    value: dict[str, object] = {"branch": BRANCH, "admins": admins, "forge": forge}
    if repository:
        value["repository"] = repository
    lines = canonical.lines_for("inventory/settings.yaml", value)
    return "\n".join(line.text for line in lines) + "\n"


def empty_catalog(stem: str) -> str:
    return (
        f"# {stem.capitalize()}: {CATALOG_HINTS[stem]}. One entry a name, for example\n"
        f"#   {CATALOG_EXAMPLES[stem]}\n"
        "# `{}` is the empty catalog: replace it with the first entry.\n"
        "{}\n"
    )


def inventory(
    admins: list[str], forge: str, repository: str | None, *, example: bool
) -> dict[str, str]:
    """Path -> text of the inventory `init` starts with: empty catalogs, or the example."""
    out: dict[str, str] = {}
    if example:
        for path in sorted((EXAMPLE / "inventory").rglob("*.yaml")):
            out[path.relative_to(EXAMPLE).as_posix()] = path.read_text(encoding="utf-8")
    else:
        out.update({f"inventory/{stem}.yaml": empty_catalog(stem) for stem in CATALOGS})
    out["inventory/settings.yaml"] = settings_yaml(admins, forge, repository)
    return dict(sorted(out.items()))


def gitignore() -> str:
    return "# What `gitinv build` writes: published by CI, never committed.\n/_site/\n/public/\n"
