"""Strict YAML loading with positions.

Files are parsed by libyaml (CSafeLoader) into nodes and turned into plain data by
our own walk, so nothing is ever constructed from a tag and an alias is never
expanded. Every key and value keeps its 1-based line and column.

Every YAML file gitinv reads goes through here, from the working tree or from git
objects (`changes.parse`), so a hostile file costs the same bounded work anywhere:
at most 64 KiB, anchors and aliases refused from the event stream before anything
is composed, at most `MAX_DEPTH` levels of nesting, and a control character (which
YAML does not allow) reported at its line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from gitinv.report import Finding

MAX_BYTES = 64 * 1024
# An inventory file nests 4 levels at most (catalog → entry → list → item); libyaml
# itself stops at 1,000, deep enough to exhaust Python's stack in a recursive walk.
MAX_DEPTH = 20

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

STR_TAG = "tag:yaml.org,2002:str"
_KINDS = {
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:null": "empty (null)",
}
_MERGE_TAG = "tag:yaml.org,2002:merge"

Loc = tuple[str | int, ...]
Pos = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Typed:
    """A scalar YAML reads as something other than a string (`no`, `10`, `2024-01-02`).

    It is kept as its text, never converted, so a schema rule can reject it and the
    message can show exactly what the user wrote.
    """

    kind: str
    text: str

    def __str__(self) -> str:
        return self.text


class Document:
    """A parsed file: its value, and the 1-based line and column of every value
    (`positions`) and key (`key_positions`) by location.

    A file the fast path read keeps its lines instead and works the positions out
    from them when they are first asked for: most files are never asked (a position
    is wanted for a problem), and `value_position` finds a top-level value's without
    them."""

    __slots__ = ("_key_positions", "_lines", "_positions", "empty", "path", "value")

    def __init__(
        self,
        path: str,
        value: Any,
        positions: dict[Loc, Pos] | None = None,
        key_positions: dict[Loc, Pos] | None = None,
        *,
        empty: bool = False,  # no document at all (read as {} where empty is allowed)
        lines: list[str] | None = None,
    ) -> None:
        self.path = path
        self.value = value
        self._positions = {} if positions is None else positions
        self._key_positions = {} if key_positions is None else key_positions
        self.empty = empty
        self._lines = lines

    def __repr__(self) -> str:
        return f"Document({self.path!r}, {self.value!r})"

    @property
    def positions(self) -> dict[Loc, Pos]:
        if self._lines is not None:
            self._place()
        return self._positions

    @property
    def key_positions(self) -> dict[Loc, Pos]:
        if self._lines is not None:
            self._place()
        return self._key_positions

    def position(self, loc: Loc) -> Pos:
        """The position of `loc`'s value, or of its nearest parent that has one."""
        positions = self.positions
        while loc:
            pos = positions.get(loc)
            if pos is not None:
                return pos
            loc = loc[:-1]
        return positions.get((), (1, 1))

    def value_position(self, key: str) -> Pos:
        """The position of the top-level `key`'s value; KeyError when it has none."""
        lines = self._lines
        if lines is None:
            return self._positions[(key,)]
        head = f"{key}:"
        for number, line in enumerate(lines, start=1):
            if line.startswith(head):
                if line == head:  # a block list: its first item, on the next line
                    return (number + 1, 3)
                if line[len(head)] == " ":
                    return (number, len(head) + 2)
        raise KeyError(key)

    def _place(self) -> None:
        """The positions of a fast-path file, from the lines it was read from: what
        libyaml's marks give for these shapes (see `fast_load`)."""
        lines, self._lines = self._lines, None
        assert lines is not None
        positions, keys = self._positions, self._key_positions
        key, items = "", 0
        for number, line in enumerate(lines, start=1):
            if line[:4] == "  - ":
                if not items:
                    positions[(key,)] = (number, 3)
                positions[(key, items)] = (number, 5)
                items += 1
                continue
            key, colon, _ = line.partition(": ")
            if not colon:
                key = line[:-1]
            keys[(key,)] = (number, 1)
            items = 0
            if colon:
                positions[(key,)] = (number, len(key) + 3)


class LoadError(Exception):
    """The file's problems; `partial` is what could still be read when the problems
    leave the rest intact (a duplicate key: its first occurrence is kept)."""

    def __init__(self, findings: list[Finding], partial: Document | None = None) -> None:
        super().__init__(findings)
        self.findings = findings
        self.partial = partial


def _finding(path: str, mark: Any, code: str, message: str) -> Finding:
    if mark is None:
        return Finding(path, 1, 1, code, message)
    return Finding(path, mark.line + 1, mark.column + 1, code, message)


def too_large(path: str, size: int) -> Finding:
    """Why a file of `size` bytes, over `MAX_BYTES`, is not read: a reader that knows the
    size first (a git object's) says it without reading the file."""
    return Finding(
        path,
        1,
        1,
        "bad-file",
        f"file is {size:,} bytes, over the {MAX_BYTES // 1024} KiB limit; "
        "an inventory file this large is a mistake: split or trim it",
    )


def decode(path: str, data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise LoadError([too_large(path, len(data))])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise LoadError(
            [
                Finding(
                    path,
                    line,
                    column,
                    "bad-file",
                    f"file is not UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8",
                )
            ]
        ) from None


def _feature_findings(path: str, text: str) -> list[Finding]:
    """Anchors, aliases and explicit tags, found from the event stream (no construction)."""
    found: list[Finding] = []
    try:
        for event in yaml.parse(text, Loader=_Loader):
            anchor = getattr(event, "anchor", None)
            if isinstance(event, yaml.AliasEvent):
                found.append(
                    _finding(
                        path,
                        event.start_mark,
                        "yaml-feature",
                        f"alias `*{anchor}` is not allowed; write the value out in full",
                    )
                )
            elif anchor is not None:
                found.append(
                    _finding(
                        path,
                        event.start_mark,
                        "yaml-feature",
                        f"anchor `&{anchor}` is not allowed; remove it",
                    )
                )
            tag = getattr(event, "tag", None)
            implicit = getattr(event, "implicit", True)
            explicit = implicit is False or (isinstance(implicit, tuple) and not any(implicit))
            if tag is not None and explicit and not isinstance(event, yaml.AliasEvent):
                short = tag.replace("tag:yaml.org,2002:", "!!")
                found.append(
                    _finding(
                        path,
                        event.start_mark,
                        "yaml-feature",
                        f"explicit tag `{short}` is not allowed; remove it "
                        "(quote the value if it must be text)",
                    )
                )
    except yaml.YAMLError:
        pass  # the composer reports the syntax error (or the control character) itself
    return found


def load_text(path: str, text: str, *, allow_empty: bool = False) -> Document:
    """Parse one YAML document strictly; raise LoadError with every problem found."""
    if "&" in text or "*" in text or "!" in text:
        features = _feature_findings(path, text)
        if features:
            raise LoadError(features)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.reader.ReaderError:
        raise LoadError([_control_character(path, text)]) from None
    except RecursionError:  # only without libyaml, whose composer is not recursive in Python
        raise LoadError([_too_deep(path, 1, 1)]) from None
    except yaml.composer.ComposerError as exc:
        if "single document" in f"{exc.context} {exc.problem}":
            raise LoadError(
                [
                    _finding(
                        path,
                        exc.problem_mark,
                        "yaml-feature",
                        "several documents in one file; keep one document per file "
                        "(remove the second `---`)",
                    )
                ]
            ) from None
        raise LoadError([_syntax(path, exc, text)]) from None
    except yaml.MarkedYAMLError as exc:
        raise LoadError([_syntax(path, exc, text)]) from None
    finally:
        loader.dispose()
    if node is None:
        if allow_empty:
            return Document(path, {}, {(): (1, 1)}, empty=True)
        raise LoadError(
            [
                Finding(
                    path,
                    1,
                    1,
                    "bad-file",
                    "file is empty; write the server's fields, or delete the file",
                )
            ]
        )
    doc = Document(path, None)
    findings: list[Finding] = []
    doc.value = _walk(node, (), doc, findings, 0)
    if findings:
        # Nothing past the nesting limit was read (bad-file): no partial document then.
        cut = any(f.code == "bad-file" for f in findings)
        raise LoadError(findings, None if cut else doc)
    return doc


def load_bytes(path: str, data: bytes, *, allow_empty: bool = False) -> Document:
    """`decode` and `load_text`, through the fast path when the file has its plain shape."""
    text = decode(path, data)
    return fast_load(path, text) or load_text(path, text, allow_empty=allow_empty)


# What YAML does not allow in a file, raw, even inside quotes (YAML 1.1's printable set,
# which libyaml enforces): C0 controls but tab and line ends, DEL, C1 controls but NEL,
# surrogates, U+FFFE and U+FFFF.
NOT_ALLOWED = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _control_character(path: str, text: str) -> Finding:
    found = NOT_ALLOWED.search(text)
    if found is None:  # libyaml and this pattern disagree: say so without a position
        return Finding(path, 1, 1, "bad-file", "the file holds a character YAML does not allow")
    line, column = _line_column(text, found.start())
    return Finding(
        path,
        line,
        column,
        "bad-file",
        f"control character U+{ord(found[0]):04X} is not allowed in YAML, even in quotes; "
        "remove it (inside double quotes it can be written as an escape such as \\t)",
    )


def _line_column(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of `text[index]`, counting line breaks as libyaml does."""
    before = _BREAKS.split(text[:index])
    return len(before), len(before[-1]) + 1


def _too_deep(path: str, line: int, column: int) -> Finding:
    return Finding(
        path,
        line,
        column,
        "bad-file",
        f"nested more than {MAX_DEPTH} levels deep; an inventory file needs at most 4: flatten it",
    )


def _syntax(path: str, exc: yaml.MarkedYAMLError, text: str) -> Finding:
    mark = exc.problem_mark or exc.context_mark
    if "maximum nesting depth" in (exc.problem or "") and mark is not None:
        return _too_deep(path, mark.line + 1, mark.column + 1)
    problem = exc.problem or "invalid YAML"
    context = f" {exc.context}" if exc.context else ""
    hint = _syntax_hint(exc, text)
    if hint is not None:
        mark, message = hint
        return _finding(path, mark, "yaml-syntax", f"YAML syntax error: {message}")
    return _finding(
        path,
        mark,
        "yaml-syntax",
        f"YAML syntax error: {problem}{context}; check the indentation and quotes here",
    )


_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _syntax_hint(exc: yaml.MarkedYAMLError, text: str) -> tuple[Any, str] | None:
    """Where and what to fix for the usual slips, which libyaml words for its own use."""
    problem, context = exc.problem or "", exc.context or ""
    lines = _BREAKS.split(text)  # libyaml's line breaks, so its line numbers fit
    mark = exc.problem_mark
    if mark is not None and mark.line < len(lines):
        line = lines[mark.line]
        if "\t" in line[: len(line) - len(line.lstrip(" \t")) + 1]:
            return mark, (
                "this line is indented with a tab; YAML indents with spaces only: "
                "replace the tab with spaces"
            )
    if mark is not None and "expected <document start>" in problem:
        # Entries added below the `{}` of an empty catalog (as `gitinv init` writes it).
        before = [i for i in range(min(mark.line, len(lines))) if _content(lines[i])]
        if before and lines[before[-1]].strip() in ("{}", "[]"):
            empty = lines[before[-1]].strip()
            return _Mark(before[-1], lines[before[-1]].index(empty)), (
                f"`{empty}` here is a whole, empty file, so nothing may follow it: delete "
                f"this line and keep the entries below it"
            )
    if mark is not None and problem.startswith("mapping values are not allowed"):
        return mark, (
            "a `key: value` where none can start: line this key up with the keys above it, "
            'or quote a value that holds ": " (description: "a: b")'
        )
    start = exc.context_mark
    if start is not None and start.line < len(lines):
        if "expected ':'" in problem and "simple key" in context:
            shown = lines[start.line].strip()
            return start, (
                f"`{shown}` is not `key: value`; put a colon and a space after the key "
                "(or indent it under the key it continues)"
            )
        if "end of stream" in problem and "quoted scalar" in context:
            return start, "the quote that opens here is never closed; close it on this line"
    return None


def _content(line: str) -> bool:
    """Whether a line holds YAML, not only a comment or nothing."""
    text = line.strip()
    return bool(text) and not text.startswith("#")


@dataclass(frozen=True)
class _Mark:
    """A position, as libyaml's marks give it (0-based)."""

    line: int
    column: int


def _walk(node: Any, loc: Loc, doc: Document, findings: list[Finding], depth: int) -> Any:
    mark = node.start_mark
    doc.positions[loc] = (mark.line + 1, mark.column + 1)
    if depth >= MAX_DEPTH and not isinstance(node, yaml.ScalarNode):
        findings.append(_too_deep(doc.path, mark.line + 1, mark.column + 1))
        return None
    if isinstance(node, yaml.ScalarNode):
        if node.tag == STR_TAG:
            return node.value
        if node.tag == "tag:yaml.org,2002:null":
            return None
        return Typed(_KINDS.get(node.tag, "not a string"), node.value)
    if isinstance(node, yaml.SequenceNode):
        return [
            _walk(item, (*loc, i), doc, findings, depth + 1) for i, item in enumerate(node.value)
        ]
    result: dict[Any, Any] = {}
    first: dict[Any, int] = {}
    for key_node, value_node in node.value:
        kmark = key_node.start_mark
        kpos = (kmark.line + 1, kmark.column + 1)
        if key_node.tag == _MERGE_TAG:
            findings.append(
                _finding(
                    doc.path,
                    kmark,
                    "yaml-feature",
                    "merge key `<<` is not allowed; write the keys out",
                )
            )
            continue
        if not isinstance(key_node, yaml.ScalarNode):
            findings.append(
                _finding(
                    doc.path, kmark, "bad-type", "a key must be a plain name, not a list or mapping"
                )
            )
            continue
        if key_node.tag != STR_TAG:
            kind = _KINDS.get(key_node.tag, "not a string")
            findings.append(
                _finding(
                    doc.path,
                    kmark,
                    "bad-type",
                    f"key `{key_node.value}` is read by YAML as {kind}; "
                    f'quote it ("{key_node.value}") to use it as a name',
                )
            )
            continue
        key = key_node.value
        if key in first:
            findings.append(
                _finding(
                    doc.path,
                    kmark,
                    "duplicate-key",
                    f"key `{key}` appears twice (first on line {first[key]}); "
                    "keep one and remove the other",
                )
            )
            continue
        first[key] = kpos[0]
        doc.key_positions[(*loc, key)] = kpos
        result[key] = _walk(value_node, (*loc, key), doc, findings, depth + 1)
    return result


# A fast path for the common shape of a server file (`key: value` lines and two-space
# block lists of plain ASCII scalars): the same Document libyaml would give, without
# libyaml. Anything else, or anything doubtful, returns None and takes the full path.
# Keys are lowercase names with digits and `_` (declared fields may have digits).
#
# A line is `  - SCALAR` (a list item), `KEY:` (a block list follows) or `KEY: SCALAR`.
# A plain SCALAR here neither starts with an indicator or a space nor ends with a
# space or `:`, and holds no `: ` (YAML would read a mapping) and no ` #`; the text as a
# whole has passed _FAST_REJECT, so no control character, tab or quote is left to
# consider. Only the first character of a scalar is looked at line by line; the rest
# is checked over the whole text at once, at C speed:
# - no line is empty or ends with a space (so no scalar is empty or ends with one);
# - `: ` occurs once per `KEY: SCALAR` line (so no scalar holds one);
# - a line ends with `:` once per `KEY:` line (so no scalar ends with one);
# - there are as many keys as key lines (so none is given twice), each a plain name
#   (the names seen before are known without a regular expression), and every `KEY:`
#   has items.
_FAST_KEY = re.compile(r"[a-z_][a-z0-9_]*")
_NOT_FIRST = frozenset(" -?:,[]{}#&*!|>'\"%@`")
# Besides YAML's indicators: every control character (libyaml refuses them; the full
# path reports where). A line starting `---` or `...` is neither shape. Bytes, for
# `bytes.translate` to delete: a third of the work of a regular expression's search.
_FAST_REJECT = bytes(sorted({*b"#&*!|>'\"{}%@`\\", *range(0x00, 0x0A), *range(0x0B, 0x20), 0x7F}))
_resolver = yaml.resolver.Resolver()
# Only a scalar starting with one of these can resolve to anything but a string.
_IMPLICIT_FIRST = frozenset(k for k in yaml.resolver.Resolver.yaml_implicit_resolvers if k)


_RESOLVED: dict[str, Any] = {}  # values repeat a lot (IPs' first octets, tags, states)
_KEYS: set[str] = set()  # keys seen to be plain names that YAML reads as text


def _fast_scalar(text: str) -> Any:
    # Two dots make text of anything (no implicit type has more than one): an IPv4
    # address, unique to its server, skips the resolver and the memo.
    if text[0] not in _IMPLICIT_FIRST or text.count(".") > 1:
        return text
    try:
        return _RESOLVED[text]
    except KeyError:
        pass
    tag = _resolver.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    if tag == STR_TAG:
        found: Any = text
    elif tag == "tag:yaml.org,2002:null":
        found = None
    else:
        found = Typed(_KINDS.get(tag, "not a string"), text)
    if len(_RESOLVED) < 100_000:
        _RESOLVED[text] = found
    return found


def _plain_key(key: str) -> bool:
    """A name the fast path takes as a key: `on`, `no`, `null` are not names to YAML
    (the full path says so)."""
    if key in _KEYS:
        return True
    if _FAST_KEY.fullmatch(key) is None or (key[0] in _IMPLICIT_FIRST and _fast_scalar(key) != key):
        return False
    if len(_KEYS) < 10_000:
        _KEYS.add(key)
    return True


def fast_load(path: str, text: str) -> Document | None:
    if not text.endswith("\n") or not text.isascii():
        return None
    data = text.encode()
    if (
        len(data.translate(None, _FAST_REJECT)) != len(data)
        or " \n" in text
        or "\n\n" in text
        or text[0] == "\n"
    ):
        return None
    lines = text.split("\n")
    lines.pop()
    value: dict[str, Any] = {}
    lists: list[list[Any]] = []  # the block lists, each under a `KEY:` line
    current: list[Any] | None = None  # the block list being read
    scalar, resolved = _fast_scalar, _RESOLVED  # a value seen before, without the call
    implicit, not_first = _IMPLICIT_FIRST, _NOT_FIRST
    for line in lines:
        if line[0] == " ":
            if current is None or line[:4] != "  - ":
                return None
            item = line[4:]
            first = item[0]
            if first in not_first:
                return None
            if first in implicit:
                item = resolved[item] if item in resolved else scalar(item)
            current.append(item)
            continue
        key, colon, raw = line.partition(": ")
        if colon:
            first = raw[0]
            if first in not_first:
                if raw != "[]":
                    return None
                value[key] = []
            elif first in implicit:
                value[key] = resolved[raw] if raw in resolved else scalar(raw)
            else:
                value[key] = raw
            current = None
        elif line[-1] == ":":
            current = value[line[:-1]] = []
            lists.append(current)
        else:
            return None
    pairs = len(lines) - len(lists) - sum(map(len, lists))  # the `KEY: SCALAR` lines
    if (
        len(value) != pairs + len(lists)
        or text.count(": ") != pairs
        or text.count(":\n") != len(lists)
        or not all(lists)
        or not (value.keys() <= _KEYS or all(map(_plain_key, value)))
    ):
        return None
    # The positions are worked out from the lines if a problem asks for one.
    return Document(path, value, {(): (1, 1)}, lines=lines)
