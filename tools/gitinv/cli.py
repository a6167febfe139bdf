"""The command line: click declarations only; each command's work is in commands/<name>.py."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any

import click

from gitinv import __version__
from gitinv.errors import GitinvError
from gitinv.repo import find_root

FORMATS = click.Choice(["text", "json", "github"])


class Context:
    def __init__(self, path: Path | None) -> None:
        self.path = path

    @property
    def repo(self) -> Path:
        return find_root(self.path)


pass_ctx = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "-C", "path", type=click.Path(file_okay=False, path_type=Path),
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
@click.option("--rev", metavar="REV", help="Check this git revision (read from git objects, no checkout).")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@pass_ctx
def validate(obj: Context, rev: str | None, fmt: str) -> None:
    """Check every inventory file: schema, references, unique names and IPs.

    Prints every problem as FILE:LINE:COL: CODE: MESSAGE; exits 1 when there is any.

    \b
    Example:
      gitinv validate
      gitinv validate --rev origin/main --format json
    """
    from gitinv.commands import validate as command

    _exit(command.run(repo=obj.repo, rev=rev, fmt=fmt))


@cli.command()
@click.option("--check", is_flag=True, help="Change nothing; exit 1 when a file is not canonical.")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@pass_ctx
def fmt(obj: Context, check: bool, files: tuple[Path, ...]) -> None:
    """Rewrite inventory files into the canonical form.

    Schema key order, block lists, sorted tags, quoting only where needed. Comments
    are kept; a file whose comments or values cannot be kept is left unchanged.
    Without FILES, every inventory file.

    \b
    Example:
      gitinv fmt
      gitinv fmt --check inventory/servers/web/web01.yaml
    """
    from gitinv.commands import fmt as command

    _exit(command.run(repo=obj.repo, files=list(files), check=check))


@cli.command()
@click.option("--check", is_flag=True, help="Change nothing; exit 1 when schema/ is out of date.")
@pass_ctx
def schema(obj: Context, check: bool) -> None:
    """Write schema/*.schema.json from the pydantic models.

    \b
    Example:
      gitinv schema
      gitinv schema --check
    """
    from gitinv.commands import schema as command

    _exit(command.run(repo=obj.repo, check=check))


def _exit(code: int) -> None:
    sys.exit(code)


def main(argv: list[str] | None = None) -> Any:
    """Entry point: the one place expected errors become messages and exit codes."""
    try:
        return cli.main(args=argv, prog_name="gitinv", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("gitinv: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except GitinvError as exc:
        click.echo(f"gitinv: error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(1)
    except Exception:
        traceback.print_exc()
        click.echo(
            "gitinv: internal error: this is a bug; please report it with the output above",
            err=True,
        )
        sys.exit(3)
