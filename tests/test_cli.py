"""The command-line wiring: formats, exit codes, no traceback for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitinv.cli import cli
from tests.conftest import CASES, ROOT, build_case


def gitinv(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "gitinv", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    return build_case(CASES / "invalid" / "bad-type-state-no", tmp_path)


def test_example_inventory_is_valid() -> None:
    result = gitinv("-C", str(ROOT), "validate")
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("ok: ")


def test_text_format(broken: Path) -> None:
    result = gitinv("validate", cwd=broken / "inventory" / "servers")  # found from a subfolder
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith("inventory/servers/") and ": bad-type: " in first
    assert "quoting it would not help: use one of `planned`, `active`" in first
    assert "Traceback" not in result.stderr


def test_json_format(broken: Path) -> None:
    result = gitinv("-C", str(broken), "validate", "--format", "json")
    doc = json.loads(result.stdout)
    assert result.returncode == 1 and doc["ok"] is False
    assert set(doc) == {"ok", "servers", "errors"}
    assert set(doc["errors"][0]) == {"file", "line", "column", "code", "message"}
    assert doc["errors"][0]["code"] == "bad-type"
    assert result.stderr == ""


def test_github_format_writes_annotations_and_summary(broken: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    result = gitinv(
        "-C",
        str(broken),
        "validate",
        "--format",
        "github",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.returncode == 1
    line = result.stdout.splitlines()[0]
    assert line.startswith("::error file=inventory/servers/") and ",title=bad-type::" in line
    assert "| `bad-type` |" in summary.read_text()


def test_github_annotations_are_capped_and_escaped() -> None:
    from gitinv.report import Finding, render

    findings = [
        Finding(f"inventory/a,{i}.yaml", 1, 1, "bad-value", "50% off\nnext") for i in range(12)
    ]
    out = render(findings, "github").splitlines()
    assert sum(1 for line in out if line.startswith("::error")) == 10
    assert (
        out[0] == "::error file=inventory/a%2C0.yaml,line=1,col=1,title=bad-value::50%25 off%0Anext"
    )
    assert out[10].startswith("::notice::2 more")


def test_no_inventory_is_exit_2(tmp_path: Path) -> None:
    result = gitinv("validate", cwd=tmp_path)
    assert result.returncode == 2
    assert "no inventory found" in result.stderr and "Traceback" not in result.stderr


def test_unknown_revision_is_exit_2() -> None:
    result = gitinv("-C", str(ROOT), "validate", "--rev", "does-not-exist")
    assert result.returncode == 2
    assert "unknown revision `does-not-exist`" in result.stderr


def test_bad_option_is_exit_2() -> None:
    result = CliRunner().invoke(cli, ["validate", "--format", "xml"])
    assert result.exit_code == 2 and "xml" in result.output


def test_every_command_has_help_with_an_example() -> None:
    for name in cli.commands:
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example" in result.output, f"`gitinv {name} --help` has no example"


def test_main_in_process_leaves_environment_and_collector_as_they_were(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import gc
    import os

    from gitinv.cli import main

    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    frozen, enabled = gc.get_freeze_count(), gc.isenabled()
    with pytest.raises(SystemExit) as end:
        main(["-C", str(ROOT), "validate", "--no-cache"])
    assert end.value.code == 0, capsys.readouterr()
    assert "PYDANTIC_DISABLE_PLUGINS" not in os.environ
    # Nothing newly frozen (a frozen object freed meanwhile leaves the count lower).
    assert gc.get_freeze_count() <= frozen
    assert gc.isenabled() == enabled


def test_pydantic_plugins_of_other_packages_are_not_loaded(tmp_path: Path) -> None:
    """An installed package's pydantic plugin is not asked to look at gitinv's
    validations, unless the environment names which plugins to leave out."""
    import os

    site = tmp_path / "site"
    (site / "fakeplugin-1.0.dist-info").mkdir(parents=True)
    (site / "fakeplugin-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fakeplugin\nVersion: 1.0\n"
    )
    (site / "fakeplugin-1.0.dist-info" / "entry_points.txt").write_text(
        "[pydantic]\nfake = fakeplugin:plugin\n"
    )
    marker = tmp_path / "loaded"
    (site / "fakeplugin.py").write_text(
        "from pathlib import Path\n"
        "class Plugin:\n"
        "    def new_schema_validator(self, *args, **kwargs):\n"
        f"        Path({str(marker)!r}).write_text('asked')\n"
        "        return None, None, None\n"
        "plugin = Plugin()\n"
    )
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    for setting, loaded in ((None, False), ("other", True)):
        marker.unlink(missing_ok=True)
        run_env = {**env, "PYTHONPATH": path}
        if setting is not None:
            run_env["PYDANTIC_DISABLE_PLUGINS"] = setting
        done = subprocess.run(
            [sys.executable, "-m", "gitinv", "-C", str(ROOT), "validate", "--no-cache"],
            capture_output=True,
            text=True,
            env=run_env,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert marker.exists() == loaded, setting
