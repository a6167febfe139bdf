"""The main branch is found one way by every command (`remote.main_branch`,
`remote.find_main`): named by settings.yaml on the remote's default branch, and read
from the remote's copy before the local branch."""

from __future__ import annotations

import json
import subprocess

from tests.conftest import gitinv, server

from .conftest import Clone, Hub

WEB02 = "inventory/servers/platform/web02.yaml"


def _push_naming_itself_main(clone: Clone, branch: str, ip: str) -> None:
    """A branch `branch` whose settings.yaml names it the main branch, and which gives
    web02 the address `ip`, pushed; the clone stays on it."""
    clone.git("checkout", "-q", "-b", branch)
    settings = clone.path / "inventory/settings.yaml"
    settings.write_text(settings.read_text() + f"branch: {branch}\n")
    clone.write(WEB02, server(ip))
    clone.commit_all(f"Name {branch} the main branch")
    clone.git("push", "-q", "origin", branch)


def _main_moves_on(hub: Hub) -> str:
    """A change merged on the code host, fetched by the moderator, whose local main
    stays behind: origin/main's new commit id."""
    req = hub.requester
    req.git("checkout", "-q", "-b", "request/update/web02")
    req.write(WEB02, server("10.1.0.22"))
    req.commit_all("Readdress web02")
    req.git("push", "-q", "origin", "request/update/web02")
    hub.merge("request/update/web02")
    mod = hub.moderator
    mod.git("reset", "-q", "--hard", "HEAD~1")  # `merge` left it at the new main
    mod.git("fetch", "-q", "origin")
    assert mod.git("rev-parse", "main") != mod.git("rev-parse", "origin/main")
    return mod.git("rev-parse", "origin/main")


def test_reading_commands_read_the_remote_main_before_a_local_one_left_behind(
    hub: Hub, tmp_path
) -> None:
    """`history`, `audit`, `build` and `diff` on a clone whose local main lags behind
    the fetched origin/main see the merged change, as `request` and `pending` do."""
    tip = _main_moves_on(hub)
    mod = hub.moderator

    shown = gitinv("history", "web02", "--format", "json", cwd=mod.path)
    assert shown.returncode == 0, shown.stderr
    assert tip in shown.stdout and "10.1.0.22" in shown.stdout

    audit = gitinv("audit", "--format", "json", cwd=mod.path)
    assert audit.returncode == 0, audit.stderr
    assert tip in audit.stdout

    site = tmp_path / "site"
    built = gitinv("build", "--out", str(site), cwd=mod.path)
    assert built.returncode == 0, built.stderr
    assert f"from origin/main at {tip[:12]}" in built.stdout
    record = json.loads((site / "api/v1/servers/web02.json").read_text())
    assert record["ip"] == "10.1.0.22"

    # A branch cut from the new main: compared with it, only its own edit shows.
    mod.git("checkout", "-q", "-b", "retire-web02", "origin/main")
    mod.write(WEB02, server("10.1.0.22", state="decommissioned"))
    diffed = gitinv("diff", cwd=mod.path)
    assert diffed.returncode == 0, diffed.stderr
    assert "active → decommissioned" in diffed.stdout
    assert "10.1.0.2 " not in diffed.stdout and "10.1.0.22" not in diffed.stdout


def test_a_checkout_naming_another_main_does_not_move_where_requests_start(hub: Hub) -> None:
    """A checkout whose own settings.yaml says `branch: self-main` (pushed as a branch
    of that name) still opens requests from the main branch settings.yaml on the
    remote's default branch names."""
    mod = hub.moderator
    _push_naming_itself_main(mod, "self-main", "10.1.0.99")
    main = mod.git("rev-parse", "origin/main")

    made = gitinv(
        "request", "update", "db01", "--set", "state=maintenance", "--comment", "Disk swap",
        cwd=mod.path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert mod.git("rev-parse", "request/update/db01~1") == main
    assert "from origin/main" in made.stdout + made.stderr


def test_a_remote_default_branch_without_an_inventory_leaves_the_name_to_the_checkout(
    hub: Hub,
) -> None:
    """The remote's default branch holds documentation, the inventory's main branch is
    `production`: the checkout's settings.yaml names it, and every command finds it."""
    mod = hub.moderator
    _push_naming_itself_main(mod, "production", "10.1.0.55")
    mod.git("checkout", "-q", "--orphan", "docs")
    mod.git("rm", "-rqf", ".")
    mod.write("README.md", "# Inventory docs\n")
    mod.commit_all("Docs")
    mod.git("push", "-q", "origin", "docs")
    git = ["git", "--git-dir", str(hub.remote)]
    subprocess.run([*git, "symbolic-ref", "HEAD", "refs/heads/docs"], check=True)
    mod.git("push", "-q", "origin", "--delete", "main")
    mod.git("fetch", "-q", "--prune", "origin")
    mod.git("remote", "set-head", "origin", "docs")
    mod.git("checkout", "-q", "production")
    mod.git("branch", "-q", "-D", "main")

    shown = gitinv("history", "web02", "--format", "json", cwd=mod.path)
    assert shown.returncode == 0, shown.stderr
    assert "10.1.0.55" in shown.stdout


def test_no_main_branch_says_where_it_looked_and_what_to_do(hub: Hub) -> None:
    mod = hub.moderator
    mod.git("checkout", "-q", "-b", "work")
    mod.git("branch", "-q", "-D", "main")
    mod.git("update-ref", "-d", "refs/remotes/origin/main")
    for args in (["history", "web02"], ["audit"], ["build"], ["diff"]):
        failed = gitinv(*args, cwd=mod.path)
        assert failed.returncode != 0 and "Traceback" not in failed.stderr, failed.stderr
        assert "no branch `main` here or on origin (`git fetch origin` brings it)" in failed.stderr
    assert "or pass --rev" in gitinv("build", cwd=mod.path).stderr
    assert "or give BASE" in gitinv("diff", cwd=mod.path).stderr
