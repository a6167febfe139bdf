"""Shared fixtures: real git repositories in tmp_path, never the user's git config."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"

# Property tests: the same examples on every run (derandomize), no example database
# written into the checkout, and few enough examples to take seconds. A longer search
# by hand: HYPOTHESIS_PROFILE=deep.
settings.register_profile(
    "gitinv", max_examples=150, derandomize=True, database=None, deadline=None
)
settings.register_profile("deep", max_examples=20_000, database=None, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gitinv"))


def required_tool(name: str, package: str) -> str:
    """The path of a program from the system (Debian `package`): an export's consumer,
    npm.

    With GITINV_REQUIRE_TOOLS=1 (as `.ci/run` sets) a missing program fails the
    test; elsewhere the test is skipped."""
    path = shutil.which(name)
    if path is None:
        tool_unavailable(
            f"`{name}` is not installed (Debian package {package}; .ci/run installs it)"
        )
    return path


def tool_unavailable(reason: str) -> NoReturn:
    """A program a test needs cannot serve: a failure with GITINV_REQUIRE_TOOLS=1 (as
    `.ci/run` sets), elsewhere a skip."""
    if os.environ.get("GITINV_REQUIRE_TOOLS") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def server(
    ip: str,
    state: str = "active",
    component: str = "nginx",
    *,
    dc: str = "fra1",
    environment: str = "production",
    type: str | None = "vm",
    **extra: str,
) -> str:
    """A server file's text: the built-in fields in their order (`type` left out when
    None), then `extra` as written (`tags="[pci]"`, `description="'a: b'"`)."""
    text = f"component: {component}\nip: {ip}\ndc: {dc}\nenvironment: {environment}\n"
    text += f"type: {type}\n" if type is not None else ""
    text += f"state: {state}\n"
    return text + "".join(f"{key}: {value}\n" for key, value in extra.items())


@pytest.fixture(autouse=True, scope="session")
def _isolated_git(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """An empty global git config and fixed identities, so no test reads $HOME's."""
    home = tmp_path_factory.mktemp("home")
    config = home / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n")
    saved = dict(os.environ)
    # A code-host token in the caller's environment would send tests to a real host.
    for name in ("GITINV_TOKEN", "GITHUB_TOKEN", "GITLAB_TOKEN", "CI_JOB_TOKEN", "GITINV_API_URL"):
        os.environ.pop(name, None)
    os.environ.pop("GITINV_CACHE_DIR", None)  # each test repository keeps its own cache
    os.environ.update(
        {
            "HOME": str(home),
            "GIT_CONFIG_GLOBAL": str(config),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Ada Requester",
            "GIT_AUTHOR_EMAIL": "ada@example.com",
            "GIT_COMMITTER_NAME": "Ada Requester",
            "GIT_COMMITTER_EMAIL": "ada@example.com",
            "GIT_AUTHOR_DATE": "2026-01-01T12:00:00Z",
            "GIT_COMMITTER_DATE": "2026-01-01T12:00:00Z",
        }
    )
    yield
    os.environ.clear()
    os.environ.update(saved)


class GitRepo:
    """A real repository in a temporary folder: how every test makes and drives one.

    `GitRepo(path)` makes a new repository on `branch`; `bare=True` a bare one (a
    remote); `init=False` takes a folder as it is (one made by a clone, or by the code
    under test). `env` is added to each git call's environment, e.g. an identity."""

    def __init__(
        self,
        path: Path,
        *,
        branch: str = "main",
        bare: bool = False,
        init: bool = True,
        env: dict[str, str] | None = None,
    ) -> None:
        self.path = path
        self.env = dict(env or {})
        if init:
            path.mkdir(parents=True, exist_ok=True)
            self.git("init", "-q", *(["--bare"] if bare else []), "-b", branch)

    @classmethod
    def clone(
        cls,
        source: GitRepo | Path | str,
        path: Path,
        *options: str,
        env: dict[str, str] | None = None,
    ) -> GitRepo:
        """A clone of `source` (its `origin`) at `path`, with `git clone`'s `options`."""
        origin = str(source.path if isinstance(source, GitRepo) else source)
        subprocess.run(
            ["git", "clone", "-q", *options, origin, str(path)],
            check=True,
            capture_output=True,
            env={**os.environ, **(env or {})},
        )
        return cls(path, init=False, env=env)

    def git(self, *args: str, env: dict[str, str] | None = None, strip: bool = True) -> str:
        """`git -C PATH ARGS`: its output, stripped unless `strip=False`."""
        result = subprocess.run(
            ["git", "-C", str(self.path), *args],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, **self.env, **(env or {})},
        )
        return result.stdout.strip() if strip else result.stdout

    def write(self, rel: str, text: str | bytes) -> Path:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
        return target

    def remove(self, rel: str) -> None:
        (self.path / rel).unlink()

    def commit(self, message: str, *, date: str | None = None, author: str | None = None) -> str:
        env = {}
        if date:
            env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
        if author:
            name, _, email = author.partition(" <")
            env.update(GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email.rstrip(">"))
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, env=env)
        return self.git("rev-parse", "HEAD")

    def bare_remote(self, path: Path, *, name: str = "origin", push: bool = True) -> GitRepo:
        """A bare repository at `path` standing in for the remote `name`; the current
        branch pushed to it unless `push=False`."""
        remote = GitRepo(path, bare=True, branch=self.git("symbolic-ref", "--short", "HEAD"))
        self.git("remote", "add", name, str(path))
        if push:
            self.push(name, "HEAD")
        return remote

    def push(self, remote: str = "origin", *refs: str) -> None:
        self.git("push", "-q", remote, *refs)

    def copy_inventory(self, source: Path) -> None:
        shutil.copytree(source / "inventory", self.path / "inventory", dirs_exist_ok=True)

    def lose(self, rev_path: str) -> str:
        """Take the blob `REV:PATH` out of the repository, as a partial clone or a damaged
        one lacks it (its packs made loose objects first); its id."""
        sha = self.git("rev-parse", rev_path)
        objects = Path(self.git("rev-parse", "--git-path", "objects"))
        objects = objects if objects.is_absolute() else self.path / objects
        for pack in list((objects / "pack").glob("*.pack")):
            data = pack.read_bytes()
            for part in pack.parent.glob(f"{pack.stem}.*"):
                part.unlink()
            subprocess.run(
                ["git", "-C", str(self.path), "unpack-objects", "-q"], input=data, check=True
            )
        (objects / sha[:2] / sha[2:]).unlink()
        return sha


def forge_blob(work: Path, rev: str, path: str) -> None:
    """Other bytes of the same size for the loose object of `path` at `rev` (git does
    not check an object's hash when it reads it), so a run that reads the file reports
    a problem in it. Where the working tree holds the file's true bytes, it gets the
    other bytes too: a revision takes a blob from there when the bytes hash to its id."""
    sha = subprocess.run(
        ["git", "-C", str(work), "rev-parse", f"{rev}:{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    loose = work / ".git" / "objects" / sha[:2] / sha[2:]
    true = zlib.decompress(loose.read_bytes()).split(b"\0", 1)[1]
    other = b"-" * (len(true) - 1) + b"\n"
    loose.chmod(0o644)
    loose.write_bytes(zlib.compress(b"blob %d\0" % len(true) + other))
    on_disk = work / path
    if on_disk.is_file() and on_disk.read_bytes() == true:
        on_disk.write_bytes(other)


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


@pytest.fixture
def inv_repo(git_repo: GitRepo) -> GitRepo:
    """The cases' base inventory, committed on main."""
    git_repo.copy_inventory(CASES / "base")
    git_repo.commit("base inventory")
    return git_repo


def gitinv(
    *args: str, cwd: Path | None = None, unprivileged: bool = False, env_summary: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real command line; `unprivileged` drops root's right to read anything."""
    prefix: list[str] = []
    if unprivileged and os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: file permissions cannot be tested")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    if env_summary is not None:
        env["GITHUB_STEP_SUMMARY"] = str(env_summary)
    return subprocess.run(
        [*prefix, sys.executable, "-m", "gitinv", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
    )


def tree_state(path: Path) -> dict[str, bytes]:
    """Every file under `path` (but .git) with its bytes: to show nothing changed."""
    return {
        p.relative_to(path).as_posix(): p.read_bytes()
        for p in sorted(path.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(path).parts
    }


def build_case(case: Path, dest: Path) -> Path:
    """The base inventory, less the case's delete.txt, with the case's files over it."""
    shutil.copytree(CASES / "base" / "inventory", dest / "inventory", symlinks=True)
    delete = case / "delete.txt"
    if delete.exists():
        for line in delete.read_text().split():
            (dest / line).unlink()
    if (case / "inventory").exists():
        shutil.copytree(case / "inventory", dest / "inventory", dirs_exist_ok=True, symlinks=True)
    return dest


@pytest.fixture
def example_inventory(tmp_path: Path) -> Path:
    """A copy of the repository's example inventory."""
    shutil.copytree(ROOT / "inventory", tmp_path / "ex" / "inventory")
    return tmp_path / "ex"


@dataclass
class Measured:
    """One run of the real command line, with what it cost (itself and its git children)."""

    returncode: int
    stdout: str
    stderr: str
    cpu_seconds: float
    max_rss_mb: float
    wall_seconds: float


# Runs gitinv as its own child and writes what that child (and every process under it)
# cost. A process forked from pytest would count pytest's own memory as its peak: Linux
# keeps the peak across exec. This launcher is small, so the child's peak is gitinv's.
_LAUNCHER = """
import resource, subprocess, sys
done = subprocess.run([sys.executable, "-m", "gitinv", *sys.argv[2:]])
used = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as out:
    out.write(f"{used.ru_utime + used.ru_stime} {used.ru_maxrss}")
sys.exit(done.returncode)
"""


def run_measured(
    *args: str, cwd: Path | None = None, timeout: float = 120.0, env: dict[str, str] | None = None
) -> Measured:
    """`python -m gitinv ARGS`, with its CPU time and peak memory (gitinv's and its
    children's, git's included): a bound on CPU time holds however busy the machine is,
    unlike one on wall-clock time."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gitinv-measure-") as tmp:
        usage = Path(tmp) / "usage"
        proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(usage), *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        cpu, peak = usage.read_text().split() if usage.exists() else ("inf", "inf")
    return Measured(
        proc.returncode,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        float(cpu),
        float(peak) / 1024,  # kilobytes on Linux
        time.monotonic() - start,
    )
