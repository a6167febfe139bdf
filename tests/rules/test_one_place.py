"""Facts written once: the path layout and when two IP addresses are the same."""

from __future__ import annotations

import pytest

from gitinv import checks, ipkey, layout, query
from gitinv.errors import GitinvError


def test_server_paths_round_trip() -> None:
    path = layout.server_path("web", "web01.fra1")
    assert path == "inventory/servers/web/web01.fra1.yaml"
    assert layout.server_of(path) == ("web", "web01.fra1")
    assert layout.split_server_path(path) == ("web", "web01.fra1")
    assert layout.classify(path) == ("server", "web", "web01.fra1")
    assert layout.names_of([path, layout.server_path("db", "db02")]) == ["web01.fra1", "db02"]


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("inventory/servers/web01.yaml", "must be inventory/servers/<group>/<name>.yaml"),
        ("inventory/servers/a/b/web01.yaml", "must be inventory/servers/<group>/<name>.yaml"),
        ("inventory/servers/web/web01.yml", "must end in .yaml"),
        ("inventory/servers/web/Web01.yaml", "`Web01` is not a valid server name"),
        ("inventory/servers/Web/web01.yaml", "folder `Web` is not a valid group name"),
    ],
)
def test_misplaced_server_files_say_why(path: str, says: str) -> None:
    problem = layout.split_server_path(path)
    assert isinstance(problem, str) and says in problem


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("inventory/groups.yaml", ("groups", None, None)),
        ("inventory/settings.yaml", ("settings", None, None)),
        ("inventory/fields.yaml", ("fields", None, None)),  # compared like a catalog
        ("inventory/servers/web/web01.yml", None),
        ("inventory/other.yaml", None),
        ("schema/server.schema.json", None),
    ],
)
def test_classify_knows_catalogs_and_settings(
    path: str, kind: tuple[str, None, None] | None
) -> None:
    assert layout.classify(path) == kind


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("10.0.0.1", "::ffff:10.0.0.1"),
        ("2001:db8::1", "2001:DB8:0:0:0:0:0:1"),
        ("2001:db8::1", "2001:db8::0001"),
    ],
)
def test_one_address_however_written(a: str, b: str) -> None:
    assert ipkey.key(a) == ipkey.key(b)


def test_not_an_address() -> None:
    with pytest.raises(ValueError):
        ipkey.key("10.0.0.256")
    assert ipkey.key_or_none("web01") is None
    assert ipkey.key_or_none(10) is None
    assert ipkey.key_or_none(" 10.0.0.1 ") == (4, 0x0A000001)
    assert str(ipkey.address(ipkey.key("::ffff:10.0.0.1"))) == "10.0.0.1"


def test_query_and_the_unique_rule_agree_on_the_same_address() -> None:
    """`query ip=` finds the servers the unique-IP rule would call duplicates."""
    row = {"name": "web01", "ip": "::ffff:10.0.0.1"}
    assert query.parse_lookup("ip=10.0.0.1").matches(row)
    assert query.parse_lookup("ip__in=10.0.0.9, 10.0.0.1").matches(row)
    assert not query.parse_lookup("ip=10.0.0.2").matches(row)
    _, dup_keys = checks.clashes(["web01", "web02"], [ipkey.key("10.0.0.1"), ipkey.key(row["ip"])])
    assert dup_keys == {ipkey.key("10.0.0.1")}
    with pytest.raises(GitinvError):
        query.parse_lookup("ip__iregex=(")
