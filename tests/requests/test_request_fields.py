"""`gitinv request --set` on fields declared in fields.yaml: each value parsed by its
type, written in the FieldSet's order, refused with validate's findings when wrong."""

from __future__ import annotations

import pytest

from gitinv.commands import request
from gitinv.errors import GitinvError

from .conftest import Hub

DECLARED = "cpu: {type: integer, min: 1}\neol: {type: date}\nbackup: {type: boolean}\n"
DECLARED += "roles: {type: list}\nos: {type: enum, values: [debian12, rhel9]}\n"
ADD = ("component=nginx", "ip=10.1.0.3", "dc=fra1", "environment=staging", "state=planned")


@pytest.fixture
def declared(hub: Hub) -> Hub:
    mod = hub.moderator
    mod.write("inventory/fields.yaml", DECLARED)
    mod.commit_all("Declare cpu, eol, backup, roles and os")
    mod.git("push", "-q", "origin", "main")
    return hub


def _request(hub: Hub, action: str, target: str, **kw: object) -> int:
    kw.setdefault("comment", "needed for the test")
    return request.run(repo=hub.requester.path, action=action, target=target, **kw)  # type: ignore[arg-type]


def _file(hub: Hub, branch: str, path: str) -> str:
    return hub.requester.git("show", f"{branch}:inventory/servers/{path}")


def test_add_writes_declared_fields_by_type_in_order(declared: Hub) -> None:
    sets = ("os=rhel9", "roles=web, edge", "backup=true", "eol=2027-01-31", "cpu=4", *ADD)
    assert _request(declared, "add", "web03", group="platform", sets=sets) == 0
    assert _file(declared, "request/add/web03", "platform/web03.yaml").splitlines()[-8:] == [
        "state: planned",
        "cpu: 4",
        "eol: 2027-01-31",
        "backup: true",
        "roles:",
        "  - web",
        "  - edge",
        "os: rhel9",
    ]


def test_update_sets_a_declared_field_in_place(declared: Hub) -> None:
    assert _request(declared, "update", "web02", sets=("eol=2028-02-29", "cpu=2")) == 0
    text = _file(declared, "request/update/web02", "platform/web02.yaml")
    assert text.splitlines()[-2:] == ["cpu: 2", "eol: 2028-02-29"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("cpu=four", "`cpu` must be a whole number"),
        ("cpu=0", "`cpu` must be at least 1, not 0"),
        ("backup=yes", "`backup` must be true or false"),
        ("eol=2027-02-30", "`eol`: `2027-02-30` is not a day of the calendar"),
        ("os=windows", "`os`: `windows` is not allowed; use one of debian12, rhel9"),
    ],
)
def test_a_bad_declared_value_is_refused_with_the_finding(
    declared: Hub, capsys: pytest.CaptureFixture[str], value: str, message: str
) -> None:
    assert _request(declared, "update", "web02", sets=(value,)) == 1
    out = capsys.readouterr().out
    assert "inventory/servers/platform/web02.yaml:" in out and message in out
    assert "request/update/web02" not in declared.requester.git("branch", "--list")


def test_an_undeclared_field_is_a_usage_error_naming_the_fields(declared: Hub) -> None:
    with pytest.raises(GitinvError) as err:
        _request(declared, "update", "web02", sets=("rack=r1",))
    assert err.value.exit_code == 2
    assert "unknown field `rack`" in err.value.message
    assert err.value.message.endswith("description, cpu, eol, backup, roles, os")
