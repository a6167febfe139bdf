"""``gitinv export KIND``: the inventory as the file another tool reads (see gitinv.exports)."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from gitinv import exports, inventory, report
from gitinv.errors import GitinvError
from gitinv.exports.select import domain as dns_name
from gitinv.files import write_file
from gitinv.models import STATES

KINDS = tuple(exports.KINDS)

# Options' field → how the command line spells it.
_SPELLING = {
    "include_decommissioned": "--include-decommissioned",
    "port": "--port",
    "states": "--state",
    "domain": "--domain",
    "zone": "--zone",
    "reverse": "--reverse",
}


def options(
    kind: str,
    *,
    fmt: str | None = None,
    include_decommissioned: bool = False,
    port: int | None = None,
    states: tuple[str, ...] = (),
    domain: str | None = None,
    zone: str | None = None,
    reverse: bool = False,
    output: Path | None = None,
) -> exports.Options:
    """The options of `export KIND` checked against what KIND takes (usage errors, exit 2)."""
    spec = exports.KINDS.get(kind)
    if spec is None:
        raise GitinvError(f"unknown export `{kind}`; choose one of {', '.join(KINDS)}")
    given = {
        "include_decommissioned": include_decommissioned,
        "port": port is not None,
        "states": bool(states),
        "domain": domain is not None,
        "zone": zone is not None,
        "reverse": reverse,
    }
    for name in sorted(name for name, used in given.items() if used and name not in spec.options):
        takers = [k.name for k in exports.KINDS.values() if name in k.options]
        raise GitinvError(
            f"{_SPELLING[name]} does not apply to `export {kind}` "
            f"(only to {', '.join(f'`export {t}`' for t in takers)})"
        )
    unknown = sorted(set(states) - set(STATES))
    if unknown:
        raise GitinvError(f"--state {unknown[0]}: choose from {', '.join(STATES)}")
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
    if kind == "octodns":
        if zone is None:
            raise GitinvError("export octodns needs --zone ZONE, e.g. --zone example.com")
        if reverse and output is None:
            raise GitinvError(
                "export octodns --reverse writes one file a zone: give --output DIR, "
                "the folder octoDNS's YamlProvider reads"
            )
    return exports.Options(
        fmt=fmt,
        include_decommissioned=include_decommissioned,
        port=port,
        states=tuple(sorted(set(states))),
        domain=dns_name(domain, "--domain") if domain is not None else None,
        zone=dns_name(zone, "--zone") if zone is not None else "",
        reverse=reverse,
    )


def run(
    *,
    repo: Path,
    kind: str,
    fmt: str | None = None,
    include_decommissioned: bool = False,
    port: int | None = None,
    states: tuple[str, ...] = (),
    domain: str | None = None,
    zone: str | None = None,
    reverse: bool = False,
    rev: str | None = None,
    output: Path | None = None,
) -> int:
    opts = options(
        kind,
        fmt=fmt,
        include_decommissioned=include_decommissioned,
        port=port,
        states=states,
        domain=domain,
        zone=zone,
        reverse=reverse,
        output=output,
    )
    inv = inventory.load(repo, rev, progress=sys.stderr.isatty(), cache=True)
    # The inventory lives until exit: keep the collector from rescanning its
    # 100,000s of objects each time the rows below allocate (a third of the time).
    gc.freeze()
    if inv.findings:
        # An export feeds other tools: a partial one would silently drop servers.
        sys.stderr.write(report.render(inv.findings, "text", servers=len(inv.servers)))
        print("gitinv: error: the inventory is invalid; nothing exported", file=sys.stderr)
        return 1
    rendered = exports.render(inv, kind, opts)
    for note in rendered.notes:
        print(f"gitinv: {note}", file=sys.stderr)
    if output is not None and (opts.reverse or output.is_dir()) and kind == "octodns":
        _write_folder(output, rendered.files)
        return 0
    (text,) = rendered.files.values()
    if output is None:
        sys.stdout.write(text)
    else:
        write_file(output, text, newline="")
    return 0


def _write_folder(folder: Path, files: dict[str, str]) -> None:
    """Each file into `folder` under its own name (made first; each write is atomic)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GitinvError(f"cannot make folder {folder}: {exc.strerror or exc}") from None
    for name, text in files.items():
        write_file(folder / name, text, newline="")
        print(f"wrote {folder / name}")
