"""YAML scalars written one at a time, for exports that write 100,000s of records.

Dumping a whole document through PyYAML builds a node for every value first
(a gigabyte and most of a minute for an Ansible inventory of 100,000 servers);
writing the lines here and only the unusual scalars through libyaml's emitter gives
the same data in a fraction of that.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import yaml

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
# Plain in block and flow context alike: no blank, no indicator, no `: ` or ` #`.
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")
_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"


@functools.lru_cache(maxsize=65536)
def scalar(value: str | None) -> str:
    """`value` as a one-line YAML scalar that reads back as exactly this string (or null):
    plain where YAML would read it as text, else double-quoted with escapes."""
    if value is None:
        return "null"
    if _PLAIN.fullmatch(value):
        tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
        if tag == _STR:
            return value
    text: str = yaml.dump(
        value,
        Dumper=_DUMPER,
        default_style='"',
        allow_unicode=True,
        width=1 << 20,  # never folded: a file holds at most 64 KiB
    )
    return text.removesuffix("\n...\n").rstrip("\n")


def flow_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(scalar(v) for v in values) + "]"


def value(item: str | bool | int | Sequence[str] | None) -> str:
    """A host variable: text, a list of text, or a declared integer or boolean."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    return flow_list(item) if isinstance(item, list | tuple) else scalar(item)
