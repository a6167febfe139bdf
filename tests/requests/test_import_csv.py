"""import csv: round trip with export, all-or-nothing, row-numbered problems, NetBox names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitinv import csvimport, exports, inventory
from gitinv.commands import fmt, import_csv
from tests.exports.exportfixtures import FIXTURE, git

HEADER = "name,group,component,ip,dc,environment,type,state,tags,description\n"


def files(repo: Path) -> dict[str, bytes]:
    servers = repo / "inventory" / "servers"
    return {
        p.relative_to(repo).as_posix(): p.read_bytes()
        for p in sorted(servers.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def empty_repo(tmp_path: Path) -> Path:
    """The fixture's catalogs without its servers."""
    repo = tmp_path / "empty"
    shutil.copytree(FIXTURE, repo, ignore=shutil.ignore_patterns("servers"))
    (repo / "inventory" / "servers").mkdir()
    git(repo, "init", "-q", "-b", "main")
    return repo


def test_round_trip(
    eco_repo: Path, empty_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_file = tmp_path / "servers.csv"
    csv_file.write_text(exports.servers_csv(inventory.load(eco_repo)), newline="")
    assert import_csv.run(repo=empty_repo, file=csv_file) == 0
    assert files(empty_repo) == files(eco_repo)
    out = capsys.readouterr().out
    assert out.startswith("Imported 6 server(s):\n")
    assert "  inventory/servers/web/proxy-ams.yaml\n" in out
    assert inventory.load(empty_repo).ok


def run_import(repo: Path, tmp_path: Path, text: str, **kwargs: object) -> int:
    (tmp_path / "in.csv").write_text(text)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)  # problems name the file as given
        return import_csv.run(repo=repo, file=Path("in.csv"), **kwargs)  # type: ignore[arg-type]


def test_one_bad_row_writes_nothing(
    eco_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files(eco_repo)
    text = HEADER + (
        "new01,web,nginx,10.1.0.101,fra1,production,vm,active,,\n"
        "new02,web,nginx,10.1.0.102,fra1,production,vm,retired,,\n"
        "new03,data,redis,10.1.0.103,fra1,staging,,planned,backup,Cache\n"
    )
    assert run_import(eco_repo, tmp_path, text) == 1
    assert files(eco_repo) == before
    assert not (eco_repo / "inventory/servers/web/new01.yaml").exists()
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("in.csv: row 3 (new02): bad-value: ")
    assert err[-1] == "gitinv: 1 bad row(s) in in.csv; nothing imported"


def test_every_bad_row_reported(
    eco_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files(eco_repo)
    text = HEADER + (
        "ok01,web,nginx,10.1.0.101,fra1,production,vm,active,,\n"  # 2: fine
        "web01,web,nginx,10.1.0.102,fra1,production,vm,active,,\n"  # 3: file exists
        "db01,web,nginx,10.1.0.103,fra1,production,vm,active,,\n"  # 4: name in data
        "ok02,web,nginx,10.1.0.11,fra1,production,vm,active,,\n"  # 5: web01's IP
        "ok03,web,apache,10.1.0.104,fra1,production,vm,active,,\n"  # 6: unknown component
        "ok01,web,nginx,10.1.0.105,fra1,production,vm,active,,\n"  # 7: row 2 again
        "ok04,,nginx,10.1.0.106,fra1,production,vm,active,,\n"  # 8: no group
        "../x,web,nginx,10.1.0.107,fra1,production,vm,active,,\n"  # 9: path
        "ok05,web,nginx,10.1.0.108,fra1,production,vm,active,,,extra\n"  # 10: cells
        ",web,nginx,10.1.0.109,fra1,production,vm,active,,\n"  # 11: no name
    )
    assert run_import(eco_repo, tmp_path, text) == 1
    assert files(eco_repo) == before
    err = capsys.readouterr().err.splitlines()
    rows = [(line.split(": ")[1], line.split(": ")[2]) for line in err[:-1]]
    assert rows == [
        ("row 3 (web01)", "duplicate-name"),
        ("row 4 (db01)", "duplicate-name"),
        ("row 5 (ok02)", "duplicate-ip"),
        ("row 6 (ok03)", "unknown-ref"),
        ("row 7 (ok01)", "duplicate-name"),
        ("row 8 (ok04)", "missing-field"),
        ("row 9 (../x)", "bad-path"),
        ("row 10", "bad-file"),
        ("row 11", "missing-field"),
    ]
    assert err[-1] == "gitinv: 9 bad row(s) in in.csv; nothing imported"


def test_header_problems(
    eco_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_import(eco_repo, tmp_path, "hostname,ip,rack\nx,10.1.0.1,r1\n") == 1
    err = capsys.readouterr().err
    assert "in.csv: row 1: unknown-field: unknown column 'hostname'" in err
    assert "in.csv: row 1: unknown-field: unknown column 'rack'" in err
    assert "in.csv: row 1: missing-field: no 'name' column" in err
    assert run_import(eco_repo, tmp_path, "name,ip,primary_ip\n") == 1
    assert "columns 'ip' and 'primary_ip' both give 'ip'" in capsys.readouterr().err
    assert run_import(eco_repo, tmp_path, "") == 1
    assert "row 1: bad-file: the CSV file is empty" in capsys.readouterr().err


def test_netbox_columns(eco_repo: Path, tmp_path: Path) -> None:
    text = (
        "Name,Status,Site,Role,Primary IP,Tags,Description,Environment\n"
        'lb-ams,active,ams-2,nginx,10.2.0.50/24,"pci, frontend",Load balancer,production\n'
    )
    assert run_import(eco_repo, tmp_path, text, group="web") == 0
    assert (eco_repo / "inventory/servers/web/lb-ams.yaml").read_text() == (
        "component: nginx\nip: 10.2.0.50\ndc: ams-2\nenvironment: production\n"
        "state: active\ntags:\n  - frontend\n  - pci\ndescription: Load balancer\n"
    )
    assert inventory.load(eco_repo).ok


def test_group_column_wins_over_option(eco_repo: Path, tmp_path: Path) -> None:
    text = HEADER + (
        "n1,data,redis,10.1.0.201,fra1,staging,,planned,,\n"
        "n2,,redis,10.1.0.202,fra1,staging,,planned,,\n"
    )
    assert run_import(eco_repo, tmp_path, text, group="web") == 0
    assert (eco_repo / "inventory/servers/data/n1.yaml").exists()
    assert (eco_repo / "inventory/servers/web/n2.yaml").exists()


def test_quoting_keeps_strings(eco_repo: Path, tmp_path: Path) -> None:
    text = HEADER + 'odd,web,nginx,10.1.0.66,fra1,staging,,planned,,"yes: #1\nsecond line"\n'
    assert run_import(eco_repo, tmp_path, text) == 0
    inv = inventory.load(eco_repo)
    assert inv.ok
    assert inv.servers["odd"].fields["description"] == "yes: #1\nsecond line"
    assert fmt.run(repo=eco_repo, files=[], check=True) == 0  # written canonical


def test_round_trip_keeps_a_description_s_spaces(
    eco_repo: Path, empty_repo: Path, tmp_path: Path
) -> None:
    """Leading and trailing spaces of a description survive export csv + import csv."""
    spaced = "  indented, and a trailing space "
    path = eco_repo / "inventory/servers/web/web01.yaml"
    text = path.read_text()
    path.write_text(
        "".join(
            f'description: "{spaced}"\n' if line.startswith("description:") else line
            for line in text.splitlines(keepends=True)
        )
    )
    loaded = inventory.load(eco_repo)
    assert loaded.ok and loaded.servers["web01"].fields["description"] == spaced
    csv_file = tmp_path / "servers.csv"
    csv_file.write_text(exports.servers_csv(loaded), newline="")
    assert import_csv.run(repo=empty_repo, file=csv_file) == 0
    assert inventory.load(empty_repo).servers["web01"].fields["description"] == spaced
    assert files(empty_repo) == files(eco_repo)
    # a name or an address with spaces around it is still read without them
    assert (
        run_import(
            empty_repo, tmp_path, HEADER + " n9 ,web,nginx, 10.1.0.99 ,fra1,staging,,planned,,\n"
        )
        == 0
    )
    assert inventory.load(empty_repo).servers["n9"].fields["ip"] == "10.1.0.99"


def test_missing_and_unreadable_files(eco_repo: Path, tmp_path: Path) -> None:
    from gitinv.errors import GitinvError

    with pytest.raises(GitinvError) as err:
        import_csv.run(repo=eco_repo, file=tmp_path / "nope.csv")
    assert err.value.exit_code == 2
    latin = tmp_path / "latin.csv"
    latin.write_bytes(HEADER.encode() + "caf\xe9,web\n".encode("latin-1"))
    with pytest.raises(GitinvError) as err:
        import_csv.run(repo=eco_repo, file=latin)
    assert "not UTF-8" in str(err.value)


def test_empty_rows_are_skipped(
    eco_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_import(eco_repo, tmp_path, HEADER + ",,,\n\n") == 0
    assert "has no rows; nothing imported" in capsys.readouterr().err


def test_scalar_quoting() -> None:
    for text in ["yes", "123", "a: b", "a #b", "@x", " lead", "x\ny", "null", "[x]", "é"]:
        rendered = csvimport.server_yaml("inventory/servers/g/n.yaml", {"description": text})
        import yaml

        assert yaml.safe_load(rendered) == {"description": text}


def test_existing_problems_block_the_import(
    eco_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (eco_repo / "inventory/servers/web/web02.yaml").write_text("state: planned\n")
    text = HEADER + "n1,data,redis,10.1.0.201,fra1,staging,,planned,,\n"
    assert run_import(eco_repo, tmp_path, text) == 1
    assert not (eco_repo / "inventory/servers/data/n1.yaml").exists()
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("inventory: missing-field: inventory/servers/web/web02.yaml:1:1: ")
    assert err[-1] == (
        "gitinv: 0 bad row(s) in in.csv (and the inventory has problems of its own: "
        "see gitinv validate); nothing imported"
    )


def test_request(eco_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = HEADER + (
        "n1,web,nginx,10.1.0.201,fra1,staging,,planned,,\n"
        "n2,data,redis,10.1.0.202,fra1,staging,vm,planned,backup,Cache\n"
    )
    (tmp_path / "New Servers.csv").write_text(text)
    head = git(eco_repo, "rev-parse", "HEAD")
    code = import_csv.run(
        repo=eco_repo, file=tmp_path / "New Servers.csv", request=True, comment="Two more"
    )
    assert code == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert out.startswith("created branch request/import/new-servers from main")
    branch = "request/import/new-servers"
    assert git(eco_repo, "show", f"{branch}:inventory/servers/data/n2.yaml") == (
        "component: redis\nip: 10.1.0.202\ndc: fra1\nenvironment: staging\ntype: vm\n"
        "state: planned\ntags:\n  - backup\ndescription: Cache\n"
    )
    message = git(eco_repo, "log", "-1", "--format=%B", branch)
    assert message.startswith("Import 2 server(s) from New Servers.csv\n\nTwo more")
    # the working tree, the index and the current branch are untouched
    assert git(eco_repo, "rev-parse", "HEAD") == head
    assert git(eco_repo, "status", "--porcelain") == ""
    # the same import again: the branch holds an open request
    code = import_csv.run(
        repo=eco_repo, file=tmp_path / "New Servers.csv", request=True, comment="Again"
    )
    assert code == 1
    assert "request refused" in capsys.readouterr().err


def test_request_checks_rows_against_main(
    eco_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (eco_repo / "inventory/servers/web/web01.yaml").unlink()  # not committed
    text = HEADER + "web01,web,nginx,10.1.0.201,fra1,staging,,planned,,\n"
    assert run_import(eco_repo, tmp_path, text, request=True, comment="x") == 1
    assert "row 2 (web01): duplicate-name: inventory/servers/web/web01.yaml already exists" in (
        capsys.readouterr().err
    )
    assert "request/import/in" not in git(eco_repo, "branch", "--list")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"request": True}, "--comment is required"),
        ({"request": True, "comment": "x", "reviewer": "bob"}, "--reviewer 'bob'"),
        ({"push": True}, "--push and --reviewer go with --request"),
        ({"request": True, "comment": "x", "push": True}, "--push needs a remote"),
    ],
)
def test_request_usage_errors(
    eco_repo: Path, tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    from gitinv.errors import GitinvError

    with pytest.raises(GitinvError) as err:
        run_import(eco_repo, tmp_path, HEADER, **kwargs)
    assert err.value.exit_code == 2
    assert message in str(err.value)


def test_crlf_inside_a_quoted_cell(eco_repo: Path, tmp_path: Path) -> None:
    text = HEADER.replace("\n", "\r\n") + (
        'n1,data,redis,10.1.0.201,fra1,staging,,planned,,"two\r\nlines"\r\n'
    )
    (tmp_path / "crlf.csv").write_bytes(text.encode())
    assert import_csv.run(repo=eco_repo, file=tmp_path / "crlf.csv") == 0
    assert inventory.load(eco_repo).servers["n1"].fields["description"] == "two\r\nlines"


def test_a_failed_write_removes_what_was_written(
    eco_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gitinv.errors import GitinvError

    calls: list[str] = []
    real_open = open

    def failing_open(path: Path, *args: object, **kwargs: object) -> object:
        calls.append(str(path))
        if len(calls) == 2:
            raise OSError(28, "No space left on device", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(csvimport, "open", failing_open, raising=False)
    before = files(eco_repo)
    text = HEADER + (
        "n1,web,nginx,10.1.0.201,fra1,staging,,planned,,\n"
        "n2,web,nginx,10.1.0.202,fra1,staging,,planned,,\n"
    )
    with pytest.raises(GitinvError) as err:
        run_import(eco_repo, tmp_path, text)
    assert err.value.exit_code == 1
    assert "No space left on device; nothing imported" in str(err.value)
    assert files(eco_repo) == before


def test_unreadable_csv(eco_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gitinv.errors import GitinvError

    with pytest.raises(GitinvError) as err:
        import_csv.run(repo=eco_repo, file=tmp_path)  # a folder
    assert err.value.exit_code == 2
    huge = "x" * 200_000
    assert run_import(eco_repo, tmp_path, f"name,{huge}\n") == 1
    assert "row 1: bad-file: not a readable CSV file: field larger" in capsys.readouterr().err
    assert run_import(eco_repo, tmp_path, HEADER + f"n1,web,{huge}\n") == 1
    assert "row 2: bad-file: not a readable CSV row: field larger" in capsys.readouterr().err


def test_netbox_address_that_is_no_address(
    eco_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "name,primary_ip,site,role,status,environment\nx1,10.2.0.5/99,ams-2,nginx,active,qa\n"
    assert run_import(eco_repo, tmp_path, text, group="web") == 1
    assert "row 2 (x1): bad-value: `ip`: `10.2.0.5/99` is not" in capsys.readouterr().err
