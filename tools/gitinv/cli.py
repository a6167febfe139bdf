"""The command line: click declarations only; each command's work is in commands/<name>.py."""

from __future__ import annotations

import atexit
import errno
import importlib
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from gitinv import __version__, collector
from gitinv.errors import GitinvError
from gitinv.printable import one_line
from gitinv.repo import find_root

F = TypeVar("F", bound=Callable[..., Any])


class Registry(click.Choice[str]):
    """The choices of an option: the names of a registry (reporters, say), read from its
    module when first needed, so that a command's start-up imports only its own."""

    def __init__(self, module: str, registry: str = "REPORTERS") -> None:
        self.module, self.registry = module, registry
        self.case_sensitive = True

    @property
    def choices(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(getattr(importlib.import_module(self.module), self.registry))


def format_option(
    module: str, registry: str = "REPORTERS", default: str = "text", help: str | None = None
) -> Callable[[F], F]:
    """`--format`, its choices the names of a registry of reporters."""
    return click.option(
        "--format",
        "fmt",
        type=Registry(module, registry),
        default=default,
        show_default=True,
        help=help,
    )


def rev_option(help: str) -> Callable[[F], F]:
    """`--rev REV`: a git revision read from git objects instead of the working tree."""
    return click.option("--rev", metavar="REV", help=help)


class Context:
    def __init__(self, path: Path | None) -> None:
        self.path = path

    @property
    def repo(self) -> Path:
        return find_root(self.path)

    def compared(self, base: str | None, head: str | None) -> Path:
        """The repository of a command comparing BASE with HEAD (diff, report): also one
        whose working tree has no inventory/ folder when BASE or HEAD has one (a branch
        that deletes it, checked out), so the comparison shows what goes."""
        from gitinv.diff import holds_inventory

        return find_root(self.path, compared=lambda root: holds_inventory(root, base, head))


pass_ctx = click.make_pass_decorator(Context)


class OutputError(Exception):
    """Standard output cannot be written (a full disk, a closed pipe)."""

    def __init__(self, exc: OSError) -> None:
        super().__init__(exc)
        closed = isinstance(exc, BrokenPipeError)
        self.reason = "the reader closed the pipe" if closed else exc.strerror or str(exc)


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        # click would end a closed pipe with a silent exit 1: main says what happened.
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if _output_failed(exc):
                raise OutputError(exc) from exc
            raise


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "-C",
    "path",
    type=click.Path(file_okay=False, path_type=Path),
    help="The inventory repository (default: the nearest folder upwards holding inventory/).",
)
@click.version_option(__version__, prog_name="gitinv")
@click.pass_context
def cli(ctx: click.Context, path: Path | None) -> None:
    """A server inventory kept as YAML files in git, where approval is a pull request.

    \b
    Example:
      gitinv validate
      gitinv -C ~/inventory diff main
    """
    ctx.obj = Context(path)


@cli.command()
@rev_option("Check this git revision (read from git objects, no checkout).")
@format_option("gitinv.report")
@click.option(
    "--no-cache",
    is_flag=True,
    help="Read and check every file, neither using nor updating the cache of results "
    "($GITINV_CACHE_DIR, else .git/gitinv/).",
)
@pass_ctx
def validate(obj: Context, rev: str | None, fmt: str, no_cache: bool) -> None:
    """Check every inventory file: schema, references, unique names and IPs.

    Prints every problem as FILE:LINE:COL: CODE: MESSAGE; exits 1 when there is any.
    `gitlab` prints a GitLab Code Quality report (the problems also go to stderr).
    Server files unchanged since an earlier run are not read again: their results
    come from the cache, and the rules across files run over every server.

    \b
    Example:
      gitinv validate
      gitinv validate --rev origin/main --format json
      gitinv validate --format gitlab > gl-code-quality.json
    """
    from gitinv.commands import validate as command

    _exit(command.run(repo=obj.repo, rev=rev, fmt=fmt, cache=not no_cache))


@cli.command()
@click.option("--check", is_flag=True, help="Change nothing; exit 1 when a file is not canonical.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github"]),
    default="text",
    show_default=True,
    help="github: also an annotation on the first line to change in each file.",
)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@pass_ctx
def fmt(obj: Context, check: bool, fmt: str, files: tuple[Path, ...]) -> None:
    """Rewrite inventory files into the canonical form.

    Schema key order, block lists, sorted tags, quoting only where needed. Comments
    are kept; a file whose comments or values cannot be kept is left unchanged.
    Without FILES, every inventory file.

    \b
    Example:
      gitinv fmt
      gitinv fmt --check inventory/servers/web/web01.yaml
      gitinv fmt --check --format github
    """
    from gitinv.commands import fmt as command

    _exit(command.run(repo=obj.repo, files=list(files), check=check, fmt=fmt))


@cli.command()
@click.option("--check", is_flag=True, help="Change nothing; exit 1 when schema/ is out of date.")
@pass_ctx
def schema(obj: Context, check: bool) -> None:
    """Write schema/*.schema.json from the pydantic models.

    The server's schema includes the fields inventory/fields.yaml declares.

    \b
    Example:
      gitinv schema
      gitinv schema --check
    """
    from gitinv.commands import schema as command

    _exit(command.run(repo=obj.repo, check=check))


@cli.command()
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--admin",
    "admins",
    metavar="HANDLE",
    multiple=True,
    help="@user or @org/team owning the catalogs and the tooling (repeatable; required).",
)
@click.option(
    "--forge",
    type=click.Choice(["github", "gitlab"]),
    help="The code host: its CI files and CODEOWNERS (default: from the repository URL, "
    "else github).",
)
@click.option("--example", is_flag=True, help="Start with a small example inventory.")
@click.option(
    "--requirement",
    metavar="SPEC",
    help="The pip requirement CI and pre-commit install (default: gitinv==THIS VERSION).",
)
@click.option(
    "--repository",
    metavar="URL",
    help="The code host URL for edit and history links (default: from the origin remote).",
)
@click.option(
    "--update",
    is_flag=True,
    help="Bring the files gitinv manages to this version; inventory/ is left alone.",
)
@click.option("--force", is_flag=True, help="Write over existing files and files edited by hand.")
@pass_ctx
def init(
    obj: Context,
    path: Path | None,
    admins: tuple[str, ...],
    forge: str | None,
    example: bool,
    requirement: str | None,
    repository: str | None,
    update: bool,
    force: bool,
) -> None:
    """Start an inventory repository in PATH (default: here), or update one.

    Writes the six catalogs (empty, or an example), settings.yaml, the JSON Schema
    files and editor settings, a pre-commit config, CODEOWNERS and the CI files
    of the forge, then prints the next steps; runs `git init` when PATH is not a
    repository yet. Refuses to write over an inventory or a changed file.
    --update rewrites the files init manages as this version writes them, leaves
    inventory/ and files edited by hand alone (exit 1 when it leaves one), and
    says "up to date" when there is nothing to do.

    \b
    Example:
      gitinv init my-inventory --admin @acme/inventory-admins --example
      gitinv init . --admin @infra --forge gitlab --requirement gitinv==0.1.0
      gitinv init --update
    """
    from gitinv.commands import init as command

    _exit(
        command.run(
            path=path or obj.path,
            admins=list(admins),
            forge=forge,
            example=example,
            requirement=requirement,
            repository=repository,
            update=update,
            force=force,
        )
    )


# Change requests: diff, request, pending, history, audit, codeowners.


@cli.command()
@click.argument("base", required=False)
@click.argument("head", required=False)
@format_option("gitinv.diffformat", "RENDERERS")
@pass_ctx
def diff(obj: Context, base: str | None, head: str | None, fmt: str) -> None:
    """Show what changes between two revisions, field by field.

    Servers added, updated (each changed field old → new), deleted and moved
    between groups, and catalog entries added, changed or removed; then every
    other changed file and why it has no row (no value changed in it, or it is
    outside inventory/). BASE defaults to the merge base with the main branch,
    HEAD to the working tree. `markdown` is the comparison table posted on pull
    requests.

    \b
    Example:
      gitinv diff
      gitinv diff origin/main request/update/web-fra1-01 --format markdown
    """
    from gitinv.commands import diff as command

    _exit(command.run(repo=obj.compared(base, head), base=base, head=head, fmt=fmt))


@cli.command()
@click.argument("action", type=Registry("gitinv.request_plan", "ACTIONS"))
@click.argument("target", metavar="NAME|COMMIT|#PR")
@click.option("--group", metavar="G", help="The group folder (add: where it goes; move: where to).")
@click.option(
    "--set",
    "sets",
    metavar="FIELD=VALUE",
    multiple=True,
    help="Set a field (repeatable), built-in or declared in fields.yaml; tags=a,b "
    "sets a list; FIELD= removes it; add: ip=next takes the next free address of "
    "the dc (see `gitinv ip next`).",
)
@click.option(
    "--comment", metavar="TEXT", required=True, help="Why the change is needed (required)."
)
@click.option("--reviewer", metavar="HANDLE", help="@user or @org/team asked to review it.")
@click.option(
    "--push", is_flag=True, help="Push the branch and print the URL that opens the pull request."
)
@click.option(
    "--open",
    "open_request",
    is_flag=True,
    help="Push the branch and open the pull/merge request through the code host's API "
    "(needs a token that may write).",
)
@pass_ctx
def request(
    obj: Context,
    action: str,
    target: str,
    group: str | None,
    sets: tuple[str, ...],
    comment: str,
    reviewer: str | None,
    push: bool,
    open_request: bool,
) -> None:
    """Open a change request: a branch request/ACTION/NAME with one commit.

    The branch starts from the up-to-date main branch (fetched first when there is
    a remote); your working tree, index and current branch are not touched. The
    change is refused, and no branch is left behind, when the resulting inventory
    is invalid or an open request already touches the same server, name or IP
    (with a token, the code host says which requests are open). `revert COMMIT` or
    `revert #PR` undoes a change merged earlier. --open pushes the branch and opens
    the request, titled from the action (`Update web01: state`), with the reason
    and the comparison table as its description and the label `gitinv`.

    \b
    Example:
      gitinv request update web-fra1-01 --set state=maintenance \\
          --comment "Kernel upgrade" --reviewer @acme/web-leads --push
      GITINV_TOKEN=... gitinv request delete web-fra1-02 --comment "Retired" --open
      gitinv request add web-fra1-09 --group web --set component=storefront \\
          --set ip=10.10.2.19 --set dc=fra1 --set environment=production \\
          --set state=planned --set tags=frontend,gdpr --comment "Sale capacity"
      gitinv request revert '#42' --comment "Broke the load balancer"
    """
    from gitinv.commands import request as command

    _exit(
        command.run(
            repo=obj.repo,
            action=action,
            target=target,
            group=group,
            sets=sets,
            comment=comment,
            reviewer=reviewer,
            push=push,
            open_request=open_request,
        )
    )


@cli.command()
@click.option(
    "--remote", "remote_name", metavar="NAME", help="The code host's remote (default: origin)."
)
@click.option(
    "--state",
    type=click.Choice(["open", "all"]),
    default="open",
    show_default=True,
    help="all: also the requests closed unmerged in the last 30 days (needs a token).",
)
@format_option("gitinv.pending_report")
@pass_ctx
def pending(obj: Context, remote_name: str | None, state: str, fmt: str) -> None:
    """The approval queue: every open request that changes the inventory.

    With a code-host token (GITINV_TOKEN, else GITHUB_TOKEN or GITLAB_TOKEN): the
    pull/merge requests the host lists, with number, title, author, age, status
    (pending, on-hold, changes-requested, approved, rejected) and URL; what each
    changes is read from git (refs/pull/N/head or refs/merge-requests/N/head, forks
    included). Without one: the remote's branches not merged into main (a branch
    whose changes main already has, as after a squash merge, is left out).

    For each: the servers it adds, updates, deletes or moves, whether it is valid
    merged onto today's main, and its clashes with the others (the same server, new
    name or IP). Exits 1 when an open request clashes, conflicts with main or would
    make the inventory invalid.

    \b
    Example:
      gitinv pending
      GITINV_TOKEN=... gitinv pending --state all --format json
      gitinv pending --format markdown
    """
    from gitinv.commands import pending as command

    _exit(
        command.run(
            repo=obj.repo,
            remote_name=remote_name,
            fmt=fmt,
            state="all" if state == "all" else "open",
        )
    )


@cli.command()
@click.argument("base", required=False)
@click.argument("head", required=False)
@click.option(
    "--max-chars",
    type=click.IntRange(min=0),
    metavar="N",
    help="At most N characters (default 60,000, under GitHub's 65,536 for a comment; 0: no limit).",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=0),
    metavar="N",
    help="At most N bytes of UTF-8, as GitHub counts a job summary (1048576 = 1 MiB); "
    "alone, no character limit.",
)
@click.option(
    "--full-report",
    metavar="URL",
    help="Where the whole report is, named when this one is cut "
    "(default in GitHub Actions: the run's page).",
)
@pass_ctx
def report(
    obj: Context,
    base: str | None,
    head: str | None,
    max_chars: int | None,
    max_bytes: int | None,
    full_report: str | None,
) -> None:
    """The pull-request report in markdown: the verdict first, then the comparison.

    The verdict lists every problem, every file not in canonical form with its fix
    (the canonical text and the `gitinv fmt` line), and every generated file
    (schema/, CODEOWNERS) to write again. When the report does not fit the limit,
    whole rows and sections are left out and a note says how many. BASE and HEAD as
    for `gitinv diff`. Exits 1 when any of those is there, else 0.

    \b
    Example:
      gitinv report
      gitinv report "$BASE" HEAD --max-chars 60000 > comment.md
      gitinv report "$BASE" HEAD --max-bytes 1048576 >> "$GITHUB_STEP_SUMMARY"
    """
    from gitinv.commands import report as command

    _exit(
        command.run(
            repo=obj.compared(base, head),
            base=base,
            head=head,
            max_chars=max_chars,
            max_bytes=max_bytes,
            full_report=full_report,
        )
    )


@cli.command()
@click.argument("name")
@format_option("gitinv.history_report")
@pass_ctx
def history(obj: Context, name: str, fmt: str) -> None:
    """One server's changes on the main branch, newest first.

    When, who, which pull request and why (its title), who merged it, and each
    field old → new. Exits 1 when the main branch has no change to a server of
    that name (a deleted server's history is still there).

    \b
    Example:
      gitinv history web-fra1-01
      gitinv history web-fra1-01 --format json
    """
    from gitinv.commands import history as command

    _exit(command.run(repo=obj.repo, name=name, fmt=fmt))


@cli.command()
@click.option(
    "--since", metavar="DATE", help="Only changes committed on or after this ISO 8601 date."
)
@format_option("gitinv.history_report")
@pass_ctx
def audit(obj: Context, since: str | None, fmt: str) -> None:
    """Every change on the main branch, newest first: servers and catalogs.

    Each with when, who, which pull request and why (its title), and each field
    old → new.

    \b
    Example:
      gitinv audit --since 2026-01-01
      gitinv audit --format json
    """
    from gitinv.commands import audit as command

    _exit(command.run(repo=obj.repo, since=since, fmt=fmt))


@cli.command()
@click.option(
    "--check", is_flag=True, help="Change nothing; exit 1 when the CODEOWNERS file is out of date."
)
@pass_ctx
def codeowners(obj: Context, check: bool) -> None:
    """Write CODEOWNERS from groups.yaml moderators and settings.yaml admins.

    GitHub: .github/CODEOWNERS. Admins own everything, each group's moderators
    own inventory/servers/<group>/, and the files that set the rules (catalogs,
    .github/, tools/, schema/, site/, pyproject.toml) stay with the admins.
    GitLab: .gitlab/CODEOWNERS, a section for the admins owning everything but
    the group folders, then a [group] section a group ([group][N] with
    `approvals: N` in groups.yaml).

    \b
    Example:
      gitinv codeowners
      gitinv codeowners --check
    """
    from gitinv.commands import codeowners as command

    _exit(command.run(repo=obj.repo, check=check))


@cli.command()
@click.option(
    "--file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="F",
    help="Read the report from this file (default: standard input).",
)
@click.option(
    "--pr",
    type=click.IntRange(min=1),
    metavar="N",
    help="The pull/merge request (default: the one the CI job runs for).",
)
@pass_ctx
def comment(obj: Context, file: Path | None, pr: int | None) -> None:
    """Post the report as the one gitinv comment on a pull or merge request.

    The first run creates the comment, later runs update it: it is found by a
    hidden marker, never posted twice. The request is --pr, else the one the CI
    job runs for (GitHub: the event file or GITHUB_REF; GitLab:
    CI_MERGE_REQUEST_IID). Needs a token that may write (GITINV_TOKEN, else
    GITHUB_TOKEN or GITLAB_TOKEN; GitLab's CI_JOB_TOKEN cannot write notes).

    \b
    Example:
      gitinv diff origin/main HEAD --format markdown | gitinv comment
      gitinv comment --file report.md --pr 42
    """
    from gitinv.commands import comment as command

    _exit(command.run(repo=obj.repo, file=file, pr=pr))


# --- query, export, import: fitting other tools -------------------------------


@cli.command()
@click.argument("lookups", nargs=-1, metavar="[LOOKUP]...")
@format_option(
    "gitinv.commands.query",
    "FORMATS",
    default="table",
    help="table: aligned columns; json and csv as export writes them.",
)
@rev_option("Query this git revision instead of the working tree.")
@pass_ctx
def query(obj: Context, lookups: tuple[str, ...], fmt: str, rev: str | None) -> None:
    """List the servers matching every LOOKUP (all servers without one).

    A LOOKUP is FIELD=VALUE (exact) or FIELD__OP=VALUE with OP one of iexact,
    icontains, iregex (case-insensitive search) or in (comma-separated values);
    integer and date fields also take gt, gte, lt and lte. FIELD: name group,
    the built-in fields (ip component dc environment type state tags
    description) and those inventory/fields.yaml declares. A lookup on a list
    (tags) holds when any item matches. Several lookups must all hold.

    \b
    Example:
      gitinv query state=active dc__in=fra1,ams1
      gitinv query tags=pci name__iregex='^web-' --format csv
    """
    from gitinv.commands import query as command

    _exit(command.run(repo=obj.repo, lookups=list(lookups), fmt=fmt, rev=rev))


@cli.command()
@click.argument("kind", type=Registry("gitinv.exports", "KINDS"), metavar="KIND")
@click.option(
    "--format",
    "fmt",
    type=Registry("gitinv.exports", "FORMATS"),
    help="ansible: json (dynamic-inventory JSON) or yaml (a static inventory file; the "
    "default when the output file ends in .yml or .yaml). Each other kind has one format.",
)
@click.option(
    "--include-decommissioned",
    is_flag=True,
    help="ansible, ssh-config, hosts, octodns: keep decommissioned servers (left out by default).",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    metavar="N",
    help="prometheus: the port of every target (default: exports.prometheus.port of "
    "settings.yaml, else 9100).",
)
@click.option(
    "--state",
    "states",
    metavar="STATE",
    multiple=True,
    help="prometheus: only servers in this state (repeatable; default: active).",
)
@click.option("--domain", metavar="D", help="hosts: add NAME.D to each line.")
@click.option("--zone", metavar="ZONE", help="octodns: the zone of the A/AAAA records (required).")
@click.option(
    "--reverse",
    is_flag=True,
    help="octodns: also the PTR zones of the datacenters' prefixes, one file a zone "
    "(needs --output DIR).",
)
@rev_option("Export this git revision instead of the working tree.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write to this file instead of standard output (octodns: or into this folder).",
)
@pass_ctx
def export(
    obj: Context,
    kind: str,
    fmt: str | None,
    include_decommissioned: bool,
    port: int | None,
    states: tuple[str, ...],
    domain: str | None,
    zone: str | None,
    reverse: bool,
    rev: str | None,
    output: Path | None,
) -> None:
    """Write every server in the form another tool reads.

    KIND is one of: ansible (Ansible inventory), csv, json, prometheus (file-based
    service discovery), ssh-config (OpenSSH client configuration), hosts
    (/etc/hosts lines), octodns (an octoDNS zone). The order is the servers' names;
    refuses (exit 1) when the inventory is invalid.

    \b
    Example:
      gitinv export ansible -o inventory.yml
      gitinv export prometheus --state active --state maintenance -o targets.json
      gitinv export ssh-config -o ~/.ssh/inventory.conf
      gitinv export hosts --domain example.com
      gitinv export octodns --zone example.com --reverse -o zones/
    """
    from gitinv.commands import export as command

    _exit(
        command.run(
            repo=obj.repo,
            kind=kind,
            fmt=fmt,
            include_decommissioned=include_decommissioned,
            port=port,
            states=states,
            domain=domain,
            zone=zone,
            reverse=reverse,
            rev=rev,
            output=output,
        )
    )


@cli.group()
def ip() -> None:
    """Addresses: the next free ones of a datacenter or a network.

    \b
    Example:
      gitinv ip next fra1
    """


@ip.command("next", short_help="The lowest free addresses of a datacenter or a network.")
@click.argument("target", metavar="DC|CIDR")
@click.option(
    "--count",
    type=click.IntRange(1, 65536),
    metavar="N",
    default=1,
    show_default=True,
    help="How many addresses.",
)
@format_option(
    "gitinv.ipnext",
    help='text: one address a line; json: {"target", "networks", "addresses"}.',
)
@pass_ctx
def ip_next(obj: Context, target: str, count: int, fmt: str) -> None:
    """Print the lowest free addresses of a datacenter's prefixes or of a network.

    Free: not the network's network or broadcast address (IPv4) or its
    subnet-router anycast address (IPv6, the all-zero host), not used by a server
    on the main branch, not claimed by an open request (with a code-host token,
    the requests it lists as open; without one, the remote's branches not merged
    yet, fetched first; and local request/* branches not pushed). IPv4 prefixes
    come before IPv6 ones. Exits 1 when fewer than --count are free.

    \b
    Example:
      gitinv ip next fra1
      gitinv ip next 10.1.4.0/24 --count 3
    """
    from gitinv.commands import ip as command

    _exit(command.run(repo=obj.repo, target=target, count=count, fmt=fmt))


@cli.command("import")
@click.argument("kind", type=click.Choice(["csv"]), metavar="csv")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--group", metavar="G", help="Group of the rows whose group cell is empty.")
@click.option(
    "--request",
    is_flag=True,
    help="Open a change request (branch request/import/<file>) instead of writing files.",
)
@click.option("--comment", metavar="TEXT", help="With --request: why (required).")
@click.option("--reviewer", metavar="HANDLE", help="With --request: who should review.")
@click.option("--push", is_flag=True, help="With --request: push the branch.")
@pass_ctx
def import_(
    obj: Context,
    kind: str,
    file: Path,
    group: str | None,
    request: bool,
    comment: str | None,
    reviewer: str | None,
    push: bool,
) -> None:
    """Create server files from a CSV file: all of them, or none.

    Columns: the export's (name group component ip dc environment type state
    tags description, then the fields of fields.yaml), or NetBox's name
    primary_ip site role status tags description. Every row is checked
    together with the inventory first; each bad row is reported with its row
    number (the header is row 1) and validate's codes, and then nothing is
    written. With --request the rows are checked against the main branch and
    go to a change-request branch, as `gitinv request` makes them.

    \b
    Example:
      gitinv import csv new-servers.csv --group web
      gitinv import csv netbox.csv --group data --request --comment "Move from NetBox"
    """
    from gitinv.commands import import_csv as command

    _exit(
        command.run(
            repo=obj.repo,
            file=file,
            group=group,
            request=request,
            comment=comment,
            reviewer=reviewer,
            push=push,
        )
    )


@cli.command()
@rev_option("Build this git revision (default: the main branch, origin's copy first).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Write the site here (default: _site/ in the repository).",
)
@pass_ctx
def build(obj: Context, rev: str | None, out: Path | None) -> None:
    """Build the static dashboard and JSON API of a revision into _site/.

    Reads the inventory from git objects (no checkout), refuses an invalid one with
    its findings (exit 1), then writes into a temporary folder and swaps it in: a
    failed build leaves the previous site untouched. The same revision always gives
    the same bytes. Needs the full history (not a shallow clone); keeps the history
    it works out in the cache's folder, and the next build walks only the commits
    since.

    \b
    Example:
      gitinv build
      gitinv build --rev v2026.01 --out /tmp/site
    """
    from gitinv.commands import build as command

    _exit(command.run(repo=obj.repo, rev=rev, out=out))


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1 (0 picks a free one).",
)
@rev_option("Serve this revision (default: the main branch).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Build into this folder (default: _site/ in the repository).",
)
@click.option(
    "--demo",
    "use_demo",
    is_flag=True,
    help="Serve a temporary copy of the inventory with a made-up history of a team's "
    "pull requests (the checkout and its history are left alone).",
)
@click.option("--no-watch", is_flag=True, help="Do not rebuild when the main branch moves.")
@pass_ctx
def serve(
    obj: Context, port: int, rev: str | None, out: Path | None, use_demo: bool, no_watch: bool
) -> None:
    """Build the site and serve it on http://127.0.0.1:PORT/ until Ctrl-C.

    Rebuilds whenever the main branch points at a new commit (after a fetch or a
    pull; after a local merge where main has no remote copy); an invalid revision
    keeps the last good site online.

    \b
    Example:
      gitinv serve
      gitinv serve --demo --port 8080
    """
    from gitinv.commands import serve as command

    _exit(
        command.run(
            repo=obj.repo, port=port, rev=rev, out=out, use_demo=use_demo, watch=not no_watch
        )
    )


def _exit(code: int) -> None:
    sys.exit(code)


def main(argv: list[str] | None = None) -> Any:
    """Entry point: the one place expected errors become messages and exit codes."""
    if sys.stdout is None:  # started with standard output closed (`>&-`)
        click.echo("gitinv: error: cannot write the output: standard output is closed", err=True)
        sys.exit(2)
    # Pydantic plugins (entry points of other installed packages) would look at every
    # one of gitinv's validations; finding them reads every package's metadata, a
    # twentieth of a warm `validate`. An explicit setting of the variable is kept.
    ours = "PYDANTIC_DISABLE_PLUGINS" not in os.environ
    if ours:
        os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
    # Before the interpreter's last passes of the cyclic collector, which would walk
    # every object the command made (once, however often main is called).
    atexit.unregister(collector.at_exit)
    atexit.register(collector.at_exit)
    try:
        try:
            result = cli.main(args=argv, prog_name="gitinv", standalone_mode=False)
        finally:
            if ours:  # as it was, for a caller in the same process
                os.environ.pop("PYDANTIC_DISABLE_PLUGINS", None)
            sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
        return result
    except click.exceptions.Abort:
        click.echo("gitinv: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except GitinvError as exc:
        click.echo(f"gitinv: error: {one_line(exc.message, keep=chr(10))}", err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:
        if not _output_failed(exc):
            raise _internal_error() from None
        _output_lost(OutputError(exc))
    except OutputError as exc:
        _output_lost(exc)
    except Exception:
        raise _internal_error() from None


def _output_lost(exc: OutputError) -> None:
    # Later writes, and Python's own flush at exit, go nowhere instead of failing again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    click.echo(f"gitinv: error: cannot write the output: {exc.reason}", err=True)
    sys.exit(2)


def _output_failed(exc: OSError) -> bool:
    """Whether `exc` comes from writing standard output (a full disk, a closed pipe):
    every other file gitinv reads or writes names itself in its error (a filename), or
    becomes a GitinvError that names it."""
    if isinstance(exc, BrokenPipeError):
        return True
    full = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)
    return exc.errno in full and exc.filename is None


def _internal_error() -> SystemExit:
    traceback.print_exc()
    click.echo(
        "gitinv: internal error: this is a bug; please report it with the output above",
        err=True,
    )
    return SystemExit(3)
