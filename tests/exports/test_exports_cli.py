"""The wiring of query, export and import through the installed gitinv command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

GITINV = str(Path(sys.executable).parent / "gitinv")


def gitinv(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GITINV, "-C", str(repo), *args], capture_output=True, text=True, check=False
    )


def test_query(eco_repo: Path) -> None:
    proc = gitinv(eco_repo, "query", "tags=pci", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert [line.split(",")[0] for line in proc.stdout.splitlines()] == ["name", "db01", "web01"]
    proc = gitinv(eco_repo, "query", "name__iregex=[")
    assert proc.returncode == 2
    assert proc.stderr.startswith("gitinv: error: bad regular expression in 'name__iregex=['")
    assert "Traceback" not in proc.stderr
    proc = gitinv(eco_repo, "query", "--format", "xml")
    assert proc.returncode == 2


def test_export(eco_repo: Path) -> None:
    proc = gitinv(eco_repo, "export", "ansible", "--include-decommissioned")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["state_decommissioned"] == {"hosts": ["cache-old"]}
    proc = gitinv(eco_repo, "export", "yaml")
    assert proc.returncode == 2
    assert "ansible" in proc.stderr


def test_import(eco_repo: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "new.csv"
    csv_file.write_text(
        "name,component,ip,dc,environment,state\nn1,redis,10.1.0.9,fra1,qa,active\n"
    )
    proc = gitinv(eco_repo, "import", "csv", str(csv_file), "--group", "data")
    assert proc.returncode == 1
    assert "row 2 (n1): unknown-ref:" in proc.stderr
    csv_file.write_text(csv_file.read_text().replace(",qa,", ",staging,"))
    proc = gitinv(eco_repo, "import", "csv", str(csv_file), "--group", "data")
    assert proc.returncode == 0, proc.stderr
    assert (eco_repo / "inventory/servers/data/n1.yaml").exists()
    assert gitinv(eco_repo, "validate").returncode == 0
