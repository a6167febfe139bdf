"""Every git operation gitinv needs, as small named functions over GitPython.

Nothing else in the package imports `git`. Functions take the repository root
and plain values and return plain values (str, bytes, dataclasses), so callers
never hold a GitPython object. Bulk reads go through one git process each:
`read_blobs` streams any number of objects through one `git cat-file --batch`
(`read_blobs_within` asks their sizes first, and leaves those too large unread),
`spawn` starts a process for the streaming readers of gitlog.py (the whole
first-parent log in one `git log`). Commits are built in a temporary index, so
the user's working tree, index and current branch are never touched.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple, NoReturn

from gitinv.errors import GitinvError

ZERO = "0" * 40


class GitError(GitinvError):
    """A git command that failed: `command` (e.g. "push") and git's own words, `detail`.

    Its message is git's; a command that must not show git's message raw (`request`)
    catches it and says what happened in its own terms."""

    def __init__(self, command: str, detail: str) -> None:
        super().__init__(f"git {command} failed: {detail}")
        self.command = command
        self.detail = detail

    def __reduce__(self) -> tuple[type[Exception], tuple[object, ...]]:
        # Raised in a forked worker, it crosses back to the parent pickled.
        return GitError, (self.command, self.detail)


@dataclass(frozen=True, slots=True)
class FileChange:
    """One path changed between two trees; a side that does not exist is None."""

    path: str
    old: str | None
    new: str | None
    old_mode: str = ""
    new_mode: str = ""


class TreeEntry(NamedTuple):
    """One entry of `ls_tree` (a tuple: 100,000 of them are made in a build's first
    tenth of a second, where a frozen dataclass took three times as long)."""

    mode: str
    kind: str  # blob, tree, commit
    sha: str
    size: int  # -1 where git gives none
    path: str


@dataclass(frozen=True, slots=True)
class Signature:
    name: str
    email: str


def open_repo(root: Path) -> Any:
    # GitPython is imported where it is used, never at the top: it is a fifth of
    # gitinv's start-up, and a validate that finds everything in its cache calls no git
    # command through it. (A use of `git.` outside such a function fails `make lint`.)
    import git

    try:
        return git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitinvError(
            f"{root} is not a git repository; run `git init` or pass -C PATH"
        ) from None


@contextmanager
def _open(root: Path) -> Iterator[Any]:
    repo = open_repo(root)
    try:
        yield repo
    finally:
        repo.close()


def _run(
    root: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    ok: tuple[int, ...] = (0,),
) -> tuple[int, bytes, str]:
    """Run one git command in `root`; raise GitinvError unless its status is in `ok`."""
    with _open(root) as repo:
        full_env = {**os.environ, **env} if env else None
        proc = repo.git.execute(
            ["git", *args],
            as_process=True,
            istream=subprocess.PIPE if stdin is not None else None,
            env=full_env,
        )
        out, err = proc.proc.communicate(stdin)
        status = proc.proc.returncode
    message = err.decode("utf-8", "replace").strip()
    if status not in ok:
        raise GitError(args[0], message or f"exit status {status}")
    return status, out, message


@dataclass
class Spawned:
    """A running git process with piped output (and input when asked)."""

    handle: Any  # GitPython's AutoInterrupt: the process lives while this is referenced
    what: str

    @property
    def proc(self) -> subprocess.Popen[bytes]:
        popen: subprocess.Popen[bytes] = self.handle.proc
        return popen

    def finish(self) -> None:
        """Wait for it to end, its output read (its pipes closed); GitinvError when it
        failed."""
        err = self.proc.stderr.read() if self.proc.stderr else b""
        self.proc.wait()
        self._close_pipes()
        if self.proc.returncode != 0:
            message = (
                err.decode("utf-8", "replace").strip() or f"exit status {self.proc.returncode}"
            )
            raise GitError(self.what, message)

    def stop(self) -> None:
        """End it if it still runs, and close its pipes: for a reader that leaves early."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_pipes()

    def _close_pipes(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if pipe is not None and not pipe.closed:
                with contextlib.suppress(OSError):  # what stdin held for a git that ended
                    pipe.close()


def spawn(
    root: Path, *args: str, stdin: bool = False, config: Mapping[str, str] | None = None
) -> Spawned:
    """Start a git process for a streaming reader (see gitlog.py); `config`: `-c` settings."""
    options = [o for k, v in (config or {}).items() for o in ("-c", f"{k}={v}")]
    with _open(root) as repo:
        handle = repo.git.execute(
            ["git", *options, *args], as_process=True, istream=subprocess.PIPE if stdin else None
        )
    return Spawned(handle, args[0])


def _text(
    root: Path, *args: str, env: Mapping[str, str] | None = None, stdin: bytes | None = None
) -> str:
    return _run(root, *args, env=env, stdin=stdin)[1].decode("utf-8", "surrogateescape").strip()


def resolve_commit(root: Path, rev: str) -> str:
    """The full commit id `rev` names, or a clear error."""
    sha = try_rev_parse(root, rev)
    if sha is None:
        raise GitinvError(
            f"unknown revision `{rev}`; name a branch, tag or commit that exists here "
            "(`git log --oneline` lists them)"
        )
    return sha


rev_parse = resolve_commit


def try_rev_parse(root: Path, rev: str) -> str | None:
    if rev.startswith("-"):
        return None
    status, out, _ = _run(
        root,
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        f"{rev}^{{commit}}",
        ok=(0, 1, 128),
    )
    return out.decode().strip() if status == 0 else None


def committer_date(root: Path, rev: str) -> str:
    """The committer date of a commit, ISO 8601 with the committer's offset."""
    return _text(root, "log", "-1", "--format=%cI", rev, "--")


def is_shallow(root: Path) -> bool:
    return _text(root, "rev-parse", "--is-shallow-repository") == "true"


def ref_exists(root: Path, ref: str) -> bool:
    status, _, _ = _run(root, "show-ref", "--verify", "--quiet", ref, ok=(0, 1))
    return status == 0


def symbolic_target(root: Path, ref: str) -> str | None:
    """The ref a symbolic ref points at (`refs/remotes/origin/HEAD` gives
    `refs/remotes/origin/main`), or None when it is not one or does not exist."""
    return _plain(root, "symbolic-ref", "-q", ref)


def object_at(root: Path, rev: str, path: str) -> str | None:
    """The id of what `rev` holds at `path` (a tree or a blob), or None."""
    return _plain(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}:{path}")


def _plain(root: Path, *args: str, env: Mapping[str, str] | None = None) -> str | None:
    """The output of a git command run as a plain process, not through GitPython: a
    validate that finds everything in its cache should not pay for loading it. None
    when git fails (or cannot start). `env` is added to the environment."""
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=root,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
            env={**os.environ, **env} if env else None,
        )
    except OSError:
        return None
    found = proc.stdout.decode("utf-8", "surrogateescape").strip()
    return found if proc.returncode == 0 and found else None


def git_dir(root: Path) -> Path | None:
    """The git directory of the repository holding `root` (a linked worktree's own one),
    or None outside a repository."""
    found = _plain(root, "rev-parse", "--absolute-git-dir")
    return Path(found) if found else None


def ls_tree(root: Path, commit: str, path: str = "inventory") -> list[TreeEntry]:
    """Every entry below `path` at `commit`, recursively, with blob sizes."""
    out = _run(root, "ls-tree", "-r", "-l", "-z", "--full-tree", commit, "--", path)[1]
    entries: list[TreeEntry] = []
    append = entries.append
    # Decoded at once: the fields before the tab are ASCII, and a name's bytes that are
    # not UTF-8 come out escaped as they would one record at a time (NUL ends a record).
    for record in out.decode("utf-8", "surrogateescape").split("\0"):
        if not record:
            continue
        meta, _, name = record.partition("\t")
        mode, kind, sha, size = meta.split()
        # `-` for a folder or a submodule; `BAD` for a blob git does not have, which
        # reading it then reports (a partial clone, a damaged repository).
        append(TreeEntry(mode, kind, sha, int(size) if size.isdigit() else -1, name))
    return entries


def entry_at(root: Path, commit: str, path: str) -> TreeEntry | None:
    """What `commit` holds at `path` itself (a tree, a blob, a submodule's commit), not
    what is below it; None when it holds nothing there."""
    out = _run(root, "ls-tree", "-z", "--full-tree", commit, "--", path)[1]
    for record in out.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, name = record.partition("\t")
        if name == path:
            mode, kind, sha = meta.split()
            return TreeEntry(mode, kind, sha, -1, name)
    return None


def read_blobs(root: Path, shas: Iterable[str]) -> dict[str, bytes]:
    """Contents of many objects through one `git cat-file --batch`; missing ones are left out."""
    wanted = list(dict.fromkeys(shas))
    if not wanted:
        return {}
    out = _run(root, "cat-file", "--batch", "--buffer", stdin="\n".join(wanted).encode() + b"\n")[1]
    answers = io.BytesIO(out)
    result: dict[str, bytes] = {}
    try:
        for sha in wanted:
            answer = read_batch_answer(answers)
            if answer is None:
                raise EOFError
            if answer[1] is not None:
                result[sha] = answer[1]
    except EOFError:
        raise GitError("cat-file", "its output ended before every answer") from None
    return result


def blob_sizes(root: Path, names: Iterable[str]) -> dict[str, int]:
    """The sizes of many objects (ids, or `REV:PATH`) through one `git cat-file
    --batch-check`, which reads no object's content; missing ones are left out."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    lines = "".join(f"{name}\n" for name in wanted).encode()
    out = _run(root, "cat-file", "--batch-check=%(objectsize)", "--buffer", stdin=lines)[1]
    answers = out.split(b"\n")
    if len(answers) < len(wanted):
        raise GitError("cat-file", "its output ended before every answer")
    # An answer is the size, or `<name> missing` (or `ambiguous`) for what git lacks.
    return {n: int(a) for n, a in zip(wanted, answers, strict=False) if a.isdigit()}


def read_blobs_within(
    root: Path, shas: Iterable[str], most: int
) -> tuple[dict[str, bytes], dict[str, int]]:
    """`read_blobs` of the objects of at most `most` bytes, and the sizes of the larger
    ones, never read: what a branch holds costs at most `most` bytes a file, however
    large its files are (their sizes come first, from one `git cat-file --batch-check`).
    Missing objects are in neither."""
    sizes = blob_sizes(root, shas)
    larger = {sha: size for sha, size in sizes.items() if size > most}
    return read_blobs(root, [sha for sha in sizes if sha not in larger]), larger


def read_batch_answer(stdout: IO[bytes]) -> tuple[bytes, bytes | None] | None:
    """One answer of `git cat-file --batch`: the name asked for and the object's content
    (None: git does not have it), or None at the end of git's output. EOFError when git
    stopped in the middle of an answer (a damaged object): what arrived is not the object."""
    header = stdout.readline().split()
    if not header:
        return None
    if len(header) == 2:  # `<name> missing`
        return header[0], None
    if len(header) != 3 or not header[2].isdigit():
        raise EOFError
    size = int(header[2])
    data = stdout.read(size)
    if len(data) != size or stdout.read(1) != b"\n":
        raise EOFError
    return header[0], data


class BlobReader:
    """One `git cat-file --batch` kept open, asked for a few objects at a time and read
    back in order: no thread, since a few objects' answers fit in the pipes."""

    _AT_ONCE = 64

    def __init__(self, root: Path) -> None:
        self._proc = spawn(root, "cat-file", "--batch", stdin=True)

    def read(self, shas: list[str]) -> list[bytes | None]:
        """Their contents, in order; None for an object git does not have. A git that
        stops answering (a damaged object) is a GitError with git's own words."""
        stdin, stdout = self._proc.proc.stdin, self._proc.proc.stdout
        assert stdin is not None and stdout is not None
        out: list[bytes | None] = []
        try:
            for start in range(0, len(shas), self._AT_ONCE):
                part = shas[start : start + self._AT_ONCE]
                stdin.write("".join(f"{sha}\n" for sha in part).encode())
                stdin.flush()
                for _ in part:
                    answer = read_batch_answer(stdout)
                    if answer is None:
                        raise EOFError
                    out.append(answer[1])
        except (OSError, EOFError):
            self._failed()
        return out

    def _failed(self) -> NoReturn:
        proc = self._proc.proc
        proc.kill()
        proc.wait()
        err = proc.stderr.read() if proc.stderr else b""
        self._proc.stop()
        detail = err.decode("utf-8", "replace").strip() or "it stopped answering"
        raise GitError("cat-file", detail)

    def close(self) -> None:
        """Let git end (it does at the end of its input, or when answers nobody will read
        meet a closed pipe), reap it and close its pipes."""
        proc = self._proc.proc
        for pipe in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                if pipe:
                    pipe.close()
        proc.wait()
        self._proc.stop()


def read_blob(root: Path, rev: str, path: str, most: int | None = None) -> bytes | None:
    """One file of a revision, or None when it does not exist there; with `most`, at most
    its first `most` bytes (git streams a blob out: the rest is never read)."""
    if most is None:
        status, out, _ = _run(root, "cat-file", "blob", f"{rev}:{path}", ok=(0, 1, 128))
        return out if status == 0 else None
    reader = spawn(root, "cat-file", "blob", f"{rev}:{path}")
    try:
        stdout = reader.proc.stdout
        assert stdout is not None
        data = stdout.read(most)
        if len(data) == most:
            return data  # enough: git is stopped below, whatever it had left
        reader.proc.wait()
        return data if reader.proc.returncode == 0 else None
    finally:
        reader.stop()


def author_of(commit: bytes) -> Signature | None:
    """The author of a raw commit object."""
    for line in commit.split(b"\n"):
        if not line:
            break
        if line.startswith(b"author "):
            name, _, rest = line[7:].decode("utf-8", "replace").partition(" <")
            return Signature(name, rest.partition(">")[0])
    return None


def message_of(commit: bytes) -> str:
    """The message of a raw commit object (what follows its headers)."""
    _, _, message = commit.partition(b"\n\n")
    return message.decode("utf-8", "replace")


def commit_message(root: Path, rev: str) -> str:
    return _text(root, "log", "-1", "--format=%B", rev, "--")


def commit_parents(root: Path, rev: str) -> list[str]:
    return _text(root, "log", "-1", "--format=%P", rev, "--").split()


def parse_raw(tokens: list[bytes], i: int, files: list[FileChange]) -> int:
    """Parse `--raw -z` records starting at tokens[i]; return the index after them."""
    while i + 1 < len(tokens) and tokens[i].lstrip(b"\n").startswith(b":"):
        old_mode, new_mode, old, new, _status = tokens[i].lstrip(b"\n")[1:].decode().split()
        path = tokens[i + 1].decode("utf-8", "surrogateescape")
        files.append(
            FileChange(
                path, None if old == ZERO else old, None if new == ZERO else new, old_mode, new_mode
            )
        )
        i += 2
    return i


def diff_tree(
    root: Path, base: str, head: str, prefix: str | None = "inventory"
) -> list[FileChange]:
    """Paths under `prefix` (None: every path) that differ between two commits or trees
    (no rename detection)."""
    where = () if prefix is None else (prefix,)
    out = _run(
        root, "diff-tree", "-r", "-z", "--no-renames", "--no-abbrev", base, head, "--", *where
    )[1]
    files: list[FileChange] = []
    parse_raw(out.split(b"\0"), 0, files)
    return files


def diff_trees(
    root: Path, pairs: list[tuple[str, str]], prefix: str = "inventory"
) -> list[list[FileChange]]:
    """`diff_tree` for many pairs of tree ids at once, through one `git diff-tree --stdin`."""
    if not pairs:
        return []
    lines = "".join(f"{a} {b}\n" for a, b in pairs).encode()
    out = _run(
        root,
        "diff-tree",
        "--stdin",
        "-r",
        "-z",
        "--no-renames",
        "--no-abbrev",
        "--",
        prefix,
        stdin=lines,
    )[1]
    results: list[list[FileChange]] = []
    tokens = out.split(b"\0")
    i = 0
    while i < len(tokens):
        *headers, rest = tokens[i].split(b"\n")
        for _ in headers:  # each echoed "TREE TREE" line opens the next pair's changes
            results.append([])
        if rest.startswith(b":") and results:
            tokens[i] = rest
            i = parse_raw(tokens, i, results[-1])
        else:
            i += 1
    return results


def tree_of(root: Path, rev: str) -> str:
    return _text(root, "rev-parse", "--verify", "--end-of-options", f"{rev}^{{tree}}")


def diff_worktree(root: Path, base: str, prefix: str | None = "inventory") -> list[FileChange]:
    """Tracked paths under `prefix` (None: every path) whose working-tree content differs
    from `base`.

    A path still present has `new` None and a non-zero `new_mode`: read it from disk."""
    where = () if prefix is None else (prefix,)
    out = _run(root, "diff", "--raw", "-z", "--no-renames", "--no-abbrev", base, "--", *where)[1]
    files: list[FileChange] = []
    parse_raw(out.split(b"\0"), 0, files)
    return files


def untracked(root: Path, prefix: str | None = "inventory") -> list[str]:
    """Files under `prefix` (None: anywhere) git does not track yet (ignored files left
    out)."""
    where = () if prefix is None else (prefix,)
    out = _run(root, "ls-files", "-z", "--others", "--exclude-standard", "--", *where)[1]
    return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]


def first_parent_subjects(root: Path, rev: str) -> list[tuple[str, str]]:
    """(commit id, subject) along the first-parent line of `rev`, newest first."""
    out = _run(root, "log", "--first-parent", "--format=%H%x00%s", rev, "--")[1]
    pairs = (line.split(b"\0", 1) for line in out.splitlines() if line)
    return [(sha.decode(), subject.decode("utf-8", "replace")) for sha, subject in pairs]


def on_first_parent_line(root: Path, commit: str, rev: str) -> bool:
    """Whether `commit` is `rev` or one of the commits its first parents lead back to (both
    full commit ids); False when git does not know `commit`."""
    if commit == rev:
        return True
    # The walk from `rev` along first parents stops where it reaches what `commit` can
    # reach: at `commit` itself exactly when `commit` is on that line.
    # A partial clone lacking `commit` says so instead of asking its remote for it.
    offline = {"GIT_NO_LAZY_FETCH": "1", "GIT_TERMINAL_PROMPT": "0"}
    args = ("rev-list", "--first-parent", "--parents", f"{commit}..{rev}", "--")
    found = _plain(root, *args, env=offline)
    oldest = found.rsplit("\n", 1)[-1].split() if found else []
    return len(oldest) > 1 and oldest[1] == commit


def merge_base(root: Path, a: str, b: str) -> str | None:
    status, out, _ = _run(root, "merge-base", a, b, ok=(0, 1))
    return out.decode().strip() if status == 0 else None


def is_ancestor(root: Path, ancestor: str, rev: str) -> bool:
    return _run(root, "merge-base", "--is-ancestor", ancestor, rev, ok=(0, 1))[0] == 0


def merge_tree(root: Path, ours: str, theirs: str) -> tuple[str, list[str]]:
    """Merging `theirs` into `ours` without a checkout: (tree id, the conflicted paths)."""
    status, out, _ = _run(
        root,
        "merge-tree",
        "--write-tree",
        "--no-messages",
        "--name-only",
        "-z",
        ours,
        theirs,
        ok=(0, 1),
    )
    tree, *paths = out.decode("utf-8", "surrogateescape").split("\0")
    conflicted = sorted({p for p in paths if p}) if status else []
    return tree.strip(), conflicted or (["(unknown)"] if status else [])


def common_dir(root: Path) -> Path:
    """The repository's git folder shared by all its worktrees (`.git` of the main one)."""
    return (root / _text(root, "rev-parse", "--git-common-dir")).resolve()


def remotes(root: Path) -> list[str]:
    return _text(root, "remote").split()


def remote_url(root: Path, remote: str) -> str | None:
    """The remote's URL; None without one, or outside a repository (`validate` asks for
    origin's host when settings.yaml names none: a plain process, as `git_dir`)."""
    if git_dir(root) is None:
        return None  # not the global configuration's answer
    return _plain(root, "config", "--get", f"remote.{remote}.url")


def fetch(root: Path, remote: str) -> None:
    _run(root, "fetch", "--quiet", "--prune", remote)


def branches(root: Path, pattern: str, no_merged: str | None = None) -> dict[str, str]:
    """Refs matching `pattern` (e.g. `refs/remotes/origin`) → commit id, optionally only
    those not merged into `no_merged`; symbolic refs (`origin/HEAD`) are left out."""
    args = ["for-each-ref", "--format=%(refname)%00%(objectname)%00%(symref)"]
    if no_merged:
        args.append(f"--no-merged={no_merged}")
    out = _text(root, *args, pattern)
    result = {}
    for line in out.splitlines():
        name, sha, symref = line.split("\0")
        if not symref:
            result[name] = sha
    return result


def write_commit(
    root: Path,
    parent: str,
    files: Mapping[str, bytes | None],
    message: str,
    author: Signature | None = None,
) -> str:
    """A new commit on `parent` with `files` written (bytes) or removed (None).

    Built in a temporary index file: the working tree, the real index and every
    ref stay as they are. Returns the new commit's id (referenced by no branch yet)."""
    env: dict[str, str] = {}
    if author:
        env |= {"GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email}
    with tempfile.TemporaryDirectory(prefix="gitinv-") as tmp:
        env["GIT_INDEX_FILE"] = str(Path(tmp) / "index")
        _run(root, "read-tree", parent, env=env)
        lines = []
        for path, data in sorted(files.items()):
            if data is None:
                lines.append(f"0 {ZERO}\t{path}")
            else:
                sha = _text(root, "hash-object", "-w", "--stdin", stdin=data)
                lines.append(f"100644 {sha}\t{path}")
        _run(
            root,
            "update-index",
            "-z",
            "--index-info",
            env=env,
            stdin="".join(line + "\0" for line in lines).encode(),
        )
        tree = _text(root, "write-tree", env=env)
    return _text(
        root, "commit-tree", tree, "-p", parent, "-F", "-", env=env, stdin=message.encode()
    )


def commit_for_tree(root: Path, tree: str, parents: list[str], message: str) -> str:
    """A commit object for `tree` (e.g. a merge result), referenced by no branch."""
    args = ["commit-tree", tree]
    for parent in parents:
        args += ["-p", parent]
    return _text(root, *args, "-m", message)


def init(root: Path, branch: str = "main") -> None:
    """A new, empty repository at `root` whose first branch is `branch`."""
    import git  # see open_repo

    try:
        root.mkdir(parents=True, exist_ok=True)
        git.Repo.init(root, initial_branch=branch).close()
    except OSError as exc:
        raise GitinvError(f"cannot create {root}: {exc.strerror or exc}") from None
    except git.GitCommandError as exc:
        message = (exc.stderr or "").strip() or f"exit status {exc.status}"
        raise GitinvError(f"git init failed in {root}: {message}") from None


def fast_import(root: Path, stream: bytes) -> None:
    """Commits and refs from a `git fast-import` stream, in one git process."""
    _run(root, "fast-import", "--quiet", "--done", stdin=stream)


def read_tree(root: Path, rev: str) -> None:
    """Make the index `rev`'s tree (the working tree is left as it is)."""
    _run(root, "read-tree", rev)


def checked_out(root: Path) -> set[str]:
    """The branches (refs/heads/...) checked out in this repository's worktrees."""
    out = _text(root, "worktree", "list", "--porcelain")
    return {line[len("branch ") :] for line in out.splitlines() if line.startswith("branch ")}


def create_branch(root: Path, branch: str, sha: str, replace: str | None = None) -> None:
    """Point refs/heads/BRANCH at `sha`: a new branch, or one still at `replace`."""
    _run(root, "update-ref", f"refs/heads/{branch}", sha, replace or "")


def unmerged_count(root: Path, upstream: str, branch: str) -> int:
    """How many commits of `branch` have no equivalent change in `upstream` (`git cherry`),
    so a branch merged by squash counts as merged."""
    out = _text(root, "cherry", upstream, branch)
    return sum(1 for line in out.splitlines() if line.startswith("+"))


def push(root: Path, remote: str, branch: str, commit: str | None = None) -> None:
    """Push `commit` (default: the local branch) to the remote's branch of that name."""
    source = commit or f"refs/heads/{branch}"
    _run(root, "push", "--quiet", remote, f"{source}:refs/heads/{branch}")


def toplevel(path: Path) -> Path | None:
    """The top folder of the git work tree holding `path`, or None when there is none."""
    import git  # see open_repo

    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    try:
        top = repo.working_tree_dir
        return Path(top).resolve() if top else None
    finally:
        repo.close()


EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's id of the empty tree


def trees_of(root: Path, revs: list[str]) -> list[str]:
    """The tree ids of many revisions (commit ids or ref names) through one `git rev-parse`."""
    if not revs:
        return []
    if any(r.startswith("-") for r in revs):
        raise GitinvError(f"not a revision: {next(r for r in revs if r.startswith('-'))}")
    return _text(root, "rev-parse", *(f"{r}^{{tree}}" for r in revs)).split()


def subtree_bytes(root: Path, commit: str, path: str) -> int:
    """The total size of the trees directly below `path` at `commit` (0 if none): what
    one version of each folder costs git to hold in memory. An unknown `commit` is 0
    here: the command that needs it reports it."""
    args = ("ls-tree", "-z", "--full-tree", commit, "--", f"{path}/")
    status, listing, _ = _run(root, *args, ok=(0, 128))
    trees = [r.split()[2] for r in listing.split(b"\0") if r.split()[1:2] == [b"tree"]]
    if status != 0 or not trees:
        return 0
    lines = b"\n".join(trees) + b"\n"
    sizes = _run(root, "cat-file", "--batch-check=%(objectsize)", stdin=lines)[1]
    return sum(int(n) for n in sizes.split())


def blob_ids(root: Path, commit: str, paths: Iterable[str]) -> dict[str, str]:
    """Path → blob id at `commit` for those of `paths` that exist there, in one `ls-tree`."""
    wanted = sorted(set(paths))
    if not wanted:
        return {}
    out = _run(root, "ls-tree", "-r", "-z", "--full-tree", commit, "--", *wanted)[1]
    found: dict[str, str] = {}
    for record in out.split(b"\0"):
        if record:
            meta, _, name = record.partition(b"\t")
            found[name.decode("utf-8", "surrogateescape")] = meta.split()[2].decode()
    return found


def versions_between(
    root: Path, since: str, until: str, paths: Iterable[str]
) -> set[tuple[str, str | None]]:
    """Every (path, blob id) that a commit in `since..until` gave one of `paths` (None: the
    commit deleted it), merged side branches included, through one `git log`."""
    wanted = sorted(set(paths))
    if not wanted:
        return set()
    out = _run(
        root,
        "log",
        "--format=",
        "--raw",
        "-z",
        "--no-renames",
        "--no-abbrev",
        f"{since}..{until}",
        "--",
        *wanted,
    )[1]
    files: list[FileChange] = []
    tokens = out.split(b"\0")
    i = 0
    while i < len(tokens):
        j = parse_raw(tokens, i, files)
        i = j if j > i else i + 1
    return {(f.path, f.new) for f in files}


def fetch_refs(root: Path, remote: str, refspecs: list[str]) -> list[str]:
    """One `git fetch` of `refspecs` (SRC:DST) from `remote`; returns the sources the remote
    does not have. When some are missing, git fetches nothing: they are dropped and the
    rest fetched once more."""
    missing: list[str] = []
    specs = list(refspecs)
    while specs:
        status, _, err = _run(
            root,
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            remote,
            *specs,
            ok=(0, 1, 128),
        )
        if status == 0:
            return missing
        gone = set(re.findall(r"couldn't find remote ref (\S+)", err))
        if not gone:
            # A remote URL may carry credentials (a CI checkout's): never shown.
            said = re.sub(r"://[^/@\s]+@", "://", err) or f"exit status {status}"
            raise GitError("fetch", f"from {remote}: {said}")
        missing += sorted(gone)
        specs = [s for s in specs if s.lstrip("+").split(":", 1)[0] not in gone]
    return missing


def delete_refs(root: Path, refs: Iterable[str]) -> None:
    """Delete refs (gitinv's own bookkeeping refs, never a branch) in one `update-ref`."""
    lines = "".join(f"delete {ref}\n" for ref in refs)
    if lines:
        _run(root, "update-ref", "--stdin", stdin=lines.encode())


@dataclass(frozen=True, slots=True)
class CommitFacts:
    subject: str
    author: str
    date: str  # author date, strict ISO 8601


def commit_facts(root: Path, shas: Iterable[str]) -> dict[str, CommitFacts]:
    """Subject, author name and author date of many commits, in one `git log --no-walk`."""
    wanted = list(dict.fromkeys(shas))
    if not wanted:
        return {}
    out = _run(root, "log", "--no-walk=unsorted", "--format=%H%x00%an%x00%aI%x00%s", *wanted, "--")[
        1
    ]
    facts = {}
    for line in out.decode("utf-8", "replace").splitlines():
        sha, author, date, subject = [*line.split("\0", 3), "", "", ""][:4]
        facts[sha] = CommitFacts(subject, author, date)
    return facts
