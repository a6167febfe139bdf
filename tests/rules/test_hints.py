"""A hint says how to fix the problem: the allowed values, the YAML for a list."""

from __future__ import annotations

import pytest

from tests.conftest import GitRepo, gitinv

SERVER = "inventory/servers/web/web01.yaml"


def _validate(repo: GitRepo, old: str, new: str) -> list[str]:
    text = (repo.path / SERVER).read_text()
    assert old in text
    repo.write(SERVER, text.replace(old, new))
    result = gitinv("-C", str(repo.path), "validate")
    assert result.returncode == 1
    return [line.removeprefix(f"{SERVER}:") for line in result.stdout.splitlines()[:-1]]


@pytest.mark.parametrize("typed", ["no", "yes", "1"])
def test_a_state_yaml_reads_otherwise_lists_the_states(inv_repo: GitRepo, typed: str) -> None:
    (line,) = _validate(inv_repo, "state: active", f"state: {typed}")
    assert "quoting it would not help" in line
    assert line.endswith(
        "use one of `planned`, `active`, `maintenance`, `offline` or `decommissioned`"
    )
    assert "quote it" not in line


def test_a_text_field_yaml_reads_otherwise_says_to_quote(inv_repo: GitRepo) -> None:
    (line,) = _validate(inv_repo, "description: Public web frontend", "description: 2024-01-02")
    assert line.endswith('quote it ("2024-01-02") if you mean the text')


def test_a_misspelt_state_names_the_closest(inv_repo: GitRepo) -> None:
    (line,) = _validate(inv_repo, "state: active", "state: activ")
    assert line.endswith("`offline` or `decommissioned` (did you mean `active`?)")


def test_tags_written_as_text_show_the_block_list(inv_repo: GitRepo) -> None:
    lines = _validate(inv_repo, "tags:\n  - frontend\n", "tags: frontend, backup\n")
    assert lines == [
        "7:7: bad-type: `tags` must be a list, not text (`frontend, backup`); write one entry "
        "a line below the key, indented two spaces: `tags:` then `  - frontend` `  - backup`"
    ]


def test_a_list_item_that_needs_quotes_is_shown_quoted(inv_repo: GitRepo) -> None:
    groups = "inventory/groups.yaml"
    text = (inv_repo.path / groups).read_text()
    inv_repo.write(groups, text.replace('moderators:\n    - "@acme/web-leads"', "moderators: x"))
    result = gitinv("-C", str(inv_repo.path), "validate")
    assert "`moderators:` then `  - x`" in result.stdout
    inv_repo.write(groups, text.replace('moderators:\n    - "@acme/web-leads"', "moderators: 10"))
    result = gitinv("-C", str(inv_repo.path), "validate")
    assert '`moderators:` then `  - "10"`' in result.stdout


def test_an_unknown_reference_names_the_closest_entry(inv_repo: GitRepo) -> None:
    (line,) = _validate(inv_repo, "component: nginx", "component: ngnix")
    assert line.endswith(
        "`component: ngnix` is not in components.yaml; did you mean `nginx`? "
        "(or add `ngnix` to components.yaml)"
    )


def test_an_unknown_reference_lists_a_small_catalog(inv_repo: GitRepo) -> None:
    (line,) = _validate(inv_repo, "dc: dc4", "dc: fra1")
    assert "use one of `dc4` or `dc6`, or add `fra1` to datacenters.yaml" in line


def test_an_ip_outside_its_datacenter_names_a_few_prefixes_of_its_version(
    inv_repo: GitRepo,
) -> None:
    """However many prefixes a datacenter has, the message names five, of the IP's
    version, and counts the rest."""
    dcs = "inventory/datacenters.yaml"
    many = "".join(f"    - 10.{n}.0.0/16\n" for n in range(9))
    inv_repo.write(dcs, (inv_repo.path / dcs).read_text().replace("    - 10.0.0.0/16\n", many))
    (line,) = _validate(inv_repo, "ip: 10.0.0.1", "ip: 10.99.0.1")
    assert line.endswith(
        "ip-outside-dc: IP 10.99.0.1 is outside datacenter `dc4`'s IPv4 prefixes (10.0.0.0/16, "
        "10.1.0.0/16, 10.2.0.0/16, 10.3.0.0/16, 10.4.0.0/16, and 4 more); fix the IP or the dc"
    )
    (line,) = _validate(inv_repo, "ip: 10.99.0.1", "ip: 2001:db8::9")
    assert line.endswith(
        "is outside datacenter `dc4`'s prefixes, none of them IPv6; fix the IP or the dc"
    )


def test_close_matches_are_looked_for_within_bounds(inv_repo: GitRepo) -> None:
    """In a catalog of thousands, the close matches come from the entries that start as
    the value does; in a file of many unknown entries, the first ten get them, the
    rest the short hint: a branch cannot make the hints take minutes."""
    tags = (inv_repo.path / "inventory/tags.yaml").read_text()
    inv_repo.write(
        "inventory/tags.yaml",
        tags + "".join(f"t{n:04}:\n  description: tag {n}\n" for n in range(2000)),
    )
    unknown = ["t0001x", *(f"u{n:02}" for n in range(11))]
    lines = _validate(inv_repo, "  - frontend\n", "".join(f"  - {tag}\n" for tag in unknown))
    assert len(lines) == 12
    assert "`tags: t0001x` is not in tags.yaml; did you mean `t0001`," in lines[0]
    assert "did you mean" not in lines[1]  # no entry starts with `u`
    assert lines[11].endswith("`tags: u10` is not in tags.yaml; use an existing entry or add "
                              "`u10` to tags.yaml")  # fmt: skip
