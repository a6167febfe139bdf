"""A server's fields, built-in and declared: the one place that knows them.

The built-in fields come from the pydantic `models.Server` (names, order, types,
descriptions); an inventory may declare more in `inventory/fields.yaml`, each
checked like a catalog entry against `models.FieldSpec`. Whatever lists, checks,
orders, shows, exports or parses a server's fields asks a `FieldSet`.

Public API::

    fields = BUILTIN                           # an inventory without fields.yaml
    fields, findings = parse(data)             # fields.yaml's bytes
    fields = for_worktree(root)                # the working tree's (GitinvError when bad)
    fields = for_revision(root, rev)           # a revision's, its right declarations
    fields.names / .builtin / .declared / .columns / fields["cpu"] / "cpu" in fields
    field.kind / .required / .unique / .description / .lookups / .type_text()
    field.json_schema() / .cell(value) / .parse_cell(text)
    declared, findings = fields.check_declared(doc)   # all but SERVER_MODEL's keys
    values, findings = fields.read_server(doc)        # both: what passed, every problem
    values, findings = fields.validate_server(doc)    # the values only when valid
    fields.duplicates(servers, where)          # `unique` across all servers
    fields.server_schema() / fields.row(name, group, values)
"""

from gitinv.fields.field import (
    FIELDS_FILE,
    GROUP,
    NAME,
    ORDER_LOOKUPS,
    TEXT_LOOKUPS,
    Field,
    Kind,
)
from gitinv.fields.fieldset import BUILTIN, SERVER_MODEL, FieldSet
from gitinv.fields.file import RESERVED, for_revision, for_worktree, parse

__all__ = [
    "BUILTIN",
    "FIELDS_FILE",
    "GROUP",
    "NAME",
    "ORDER_LOOKUPS",
    "RESERVED",
    "SERVER_MODEL",
    "TEXT_LOOKUPS",
    "Field",
    "FieldSet",
    "Kind",
    "for_revision",
    "for_worktree",
    "parse",
]
