"""Documentation generated from the models, kept current in README.md by a test."""

from __future__ import annotations

from gitinv import fields, lookups

# Where the server's path holds each of its two path fields.
PATH_FIELDS = ((fields.NAME, "the file stem"), (fields.GROUP, "the folder"))

DECLARED_NOTE = (
    "Fields an inventory declares in `inventory/fields.yaml` come after these, in the "
    "order they are declared (see [Adding your own fields](#adding-your-own-fields))."
)


def field_table(declared: fields.FieldSet = fields.BUILTIN) -> str:
    """The README's table of a server's fields: the path's, the built-in ones, then
    those `declared` in fields.yaml (the note on fields.yaml when there are none)."""
    rows = ["| field | type | required | rule |", "| --- | --- | --- | --- |"]
    for field, where in PATH_FIELDS:
        rows.append(f"| ({field.name}) | {where} | yes | {field.description} |")
    for field in declared:
        required = "yes" if field.required else "no"
        rule = field.description or "Declared in fields.yaml."
        if field.unique and not field.builtin:
            rule = f"{rule} Unique across all servers."
        rows.append(f"| `{field.name}` | {field.type_text()} | {required} | {rule} |")
    if not declared.declared:
        rows += ["", DECLARED_NOTE]
    return "\n".join(rows) + "\n"


def lookup_table() -> str:
    """The README's table of query lookups, from the one table of lookups.py."""
    rows = ["| lookup | fields | holds when |", "| --- | --- | --- |"]
    for lookup in lookups.LOOKUPS:
        kinds = "all" if lookups.ALL in lookup.kinds else ", ".join(lookup.kinds)
        rows.append(f"| `FIELD__{lookup.name}=VALUE` | {kinds} | {lookup.meaning} |")
    return "\n".join(rows) + "\n"
