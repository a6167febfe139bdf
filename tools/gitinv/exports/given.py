"""The options of `gitinv export KIND` as given, checked against what KIND takes, and
where its files go.

Public API::

    Given                          # the options by name, as the command line gives them
    opts = options(kind, output, **given)  # -> Options; a usage error is a GitinvError
    write(rendered, output, folder)        # to stdout, a file or (octodns) a folder
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from gitinv.errors import GitinvError
from gitinv.files import write_file
from gitinv.models import STATES

from . import KINDS, Options, Rendered
from .select import domain as dns_name

if TYPE_CHECKING:
    from typing_extensions import Unpack


class Given(TypedDict, total=False):
    """Every export option, each left out or at its default when not given."""

    fmt: str | None
    include_decommissioned: bool
    port: int | None
    states: tuple[str, ...]
    domain: str | None
    zone: str | None
    reverse: bool


# Options' field → how the command line spells it.
_SPELLING = {
    "include_decommissioned": "--include-decommissioned",
    "port": "--port",
    "states": "--state",
    "domain": "--domain",
    "zone": "--zone",
    "reverse": "--reverse",
}


def options(kind: str, output: Path | None = None, **given: Unpack[Given]) -> Options:
    """The options of `export KIND` checked against what KIND takes (usage errors, exit 2)."""
    spec = KINDS.get(kind)
    if spec is None:
        raise GitinvError(f"unknown export `{kind}`; choose one of {', '.join(KINDS)}")
    # Given: anything but None, False and no states (a port of 0 is given).
    used = {n for n, v in given.items() if v is not None and v is not False and v != ()}
    for name in sorted(name for name in used - {"fmt"} if name not in spec.options):
        takers = [k.name for k in KINDS.values() if name in k.options]
        raise GitinvError(
            f"{_SPELLING[name]} does not apply to `export {kind}` "
            f"(only to {', '.join(f'`export {t}`' for t in takers)})"
        )
    states = given.get("states", ())
    unknown = sorted(set(states) - set(STATES))
    if unknown:
        raise GitinvError(f"--state {unknown[0]}: choose from {', '.join(STATES)}")
    fmt = given.get("fmt")
    if fmt is None:
        yaml_file = output is not None and output.suffix in (".yml", ".yaml")
        fmt = "yaml" if yaml_file and "yaml" in spec.formats else spec.formats[0]
    if fmt not in spec.formats:
        raise GitinvError(
            f"--format {fmt} does not apply to `export {kind}`; it writes "
            + " or ".join(spec.formats)
        )
    if output is not None and kind != "octodns" and output.is_dir():
        raise GitinvError(
            f"--output '{output}' is a directory; give a file name "
            "(only `export octodns` writes into a folder)"
        )
    domain, zone, reverse = given.get("domain"), given.get("zone"), given.get("reverse", False)
    if kind == "octodns":
        if zone is None:
            raise GitinvError("export octodns needs --zone ZONE, e.g. --zone example.com")
        if reverse and output is None:
            raise GitinvError(
                "export octodns --reverse writes one file a zone: give --output DIR, "
                "the folder octoDNS's YamlProvider reads"
            )
    return Options(
        fmt=fmt,
        include_decommissioned=given.get("include_decommissioned", False),
        port=given.get("port"),
        states=tuple(sorted(set(states))),
        domain=dns_name(domain, "--domain") if domain is not None else None,
        zone=dns_name(zone, "--zone") if zone is not None else "",
        reverse=reverse,
    )


def write(rendered: Rendered, output: Path | None, folder: bool) -> None:
    """The export's one file to `output` (standard output when None), or with `folder`
    each of its files into the folder `output`."""
    if output is not None and folder:
        _write_folder(output, rendered.files)
        return
    (text,) = rendered.files.values()
    if output is None:
        sys.stdout.write(text)
    else:
        write_file(output, text, newline="")


def _write_folder(folder: Path, files: dict[str, str]) -> None:
    """Each file into `folder` under its own name (made first; each write is atomic)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GitinvError(f"cannot make folder {folder}: {exc.strerror or exc}") from None
    for name, text in files.items():
        write_file(folder / name, text, newline="")
        print(f"wrote {folder / name}")
