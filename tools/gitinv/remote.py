"""The code host side: the main branch's name, the remote, and the host's web URLs."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from gitinv import git
from gitinv.errors import GitinvError
from gitinv.forge import config as forge_config
from gitinv.layout import INVENTORY, SETTINGS_FILE
from gitinv.settings import branch_of, read_settings, settings_of


def default_remote(root: Path) -> str | None:
    """`origin` when there is one, else the only remote, else None."""
    names = git.remotes(root)
    if "origin" in names:
        return "origin"
    return names[0] if len(names) == 1 else None


def main_branch(root: Path, remote: str | None = None) -> str:
    """The main branch's name, the one way every command finds it: `branch:` of
    settings.yaml on the remote's default branch (`origin/HEAD`, which `git clone`
    sets), which no branch under review can change. Where there is no remote default
    branch, or it holds no inventory (the remote's default is another branch), the
    working tree's settings.yaml names it. A settings.yaml that is absent or does not
    read names the default, "main". `remote`: another than the default remote.

    A branch naming itself the main branch in its own settings.yaml would otherwise be
    compared with itself by `diff` and `report` and show no change at all, or have
    `request` start from it."""
    remote = remote or default_remote(root)
    target = git.symbolic_target(root, f"refs/remotes/{remote}/HEAD") if remote else None
    if target is None or git.object_at(root, target, INVENTORY) is None:
        return branch_of(read_settings(root))
    data = git.read_blob(root, target, SETTINGS_FILE)
    return branch_of(settings_of(data) if data is not None else {})


def find_main(root: Path, remote: str | None, main: str) -> str | None:
    """Where the main branch is, the one way every command finds it: the remote's copy
    (as last fetched) when there is one, else the local branch; None when neither is.
    The code host's main is what requests merge into and what was approved; a local
    main can lag behind it or carry commits no one approved."""
    if remote and git.ref_exists(root, f"refs/remotes/{remote}/{main}"):
        return f"refs/remotes/{remote}/{main}"
    if git.ref_exists(root, f"refs/heads/{main}"):
        return f"refs/heads/{main}"
    return None


def main_ref(
    root: Path, remote: str | None = None, main: str | None = None, *, instead: str = ""
) -> str:
    """`find_main` on `remote` (default: the default remote) of the branch named `main`
    (default: `main_branch`), or an error that says where it was looked for, how it is
    named and what to do; `instead`: what else the command can be given (", or pass
    --rev")."""
    remote = remote or default_remote(root)
    main = main or main_branch(root, remote)
    found = find_main(root, remote, main)
    if found is None:
        where = f"here or on {remote} (`git fetch {remote}` brings it)" if remote else "here"
        raise GitinvError(
            f"no branch `{main}` {where}; `branch:` in inventory/settings.yaml names the "
            f"main branch{instead}"
        )
    return found


def short_ref(ref: str) -> str:
    """`refs/remotes/origin/main` as `origin/main`, `refs/heads/main` as `main`."""
    return ref.removeprefix("refs/remotes/").removeprefix("refs/heads/")


def repository_url(root: Path, remote: str | None) -> str | None:
    """The code host URL: `repository:` in settings.yaml, else derived from the remote
    (https://HOST/PATH, without the user name or token a CI checkout puts in it) when
    it is on a known code host."""
    found = read_settings(root)
    configured = found.get("repository")
    if isinstance(configured, str) and configured:
        return configured.rstrip("/")
    url = git.remote_url(root, remote) if remote else None
    web = forge_config.web_url(url) if url else None
    return web if web and forge_config.forge_of(found, url) else None


def compare_url(
    repository: str, main: str, branch: str, forge: forge_config.Kind = "github"
) -> str:
    """The page that opens a pull request (GitHub) or merge request (GitLab) from
    `branch` into `main`."""
    if forge == "gitlab":
        return (
            f"{repository}/-/merge_requests/new?merge_request%5Bsource_branch%5D="
            f"{quote(branch, safe='')}&merge_request%5Btarget_branch%5D={quote(main, safe='')}"
        )
    return f"{repository}/compare/{main}...{branch}?expand=1"


def open_request_line(root: Path, repository: str, main: str, branch: str) -> str:
    """What `request --push` prints: the page that opens the request on the code host."""
    forge = forge_config.kind(root) or "github"
    return f"open the {forge_config.NOUNS[forge]}: {compare_url(repository, main, branch, forge)}\n"
