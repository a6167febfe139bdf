"""The checks of declared values, made once a FieldSet: what each type accepts."""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Callable
from typing import Any, Protocol

from pydantic_core import SchemaError, SchemaValidator, core_schema

from gitinv import models
from gitinv.fields.field import BOOLEANS, DATE_RE, FIELDS_FILE, Field
from gitinv.loader import Document, Typed
from gitinv.report import Finding
from gitinv.schema_errors import describe


class FieldSet(Protocol):
    """What a Checker is made of: a `gitinv.fields.fieldset.FieldSet`."""

    @property
    def names(self) -> tuple[str, ...]: ...
    @property
    def builtin(self) -> tuple[Field, ...]: ...
    @property
    def declared(self) -> tuple[Field, ...]: ...
    @property
    def present(self) -> bool: ...
    @property
    def unchecked(self) -> frozenset[str]: ...
    @property
    def broken(self) -> bool: ...


_REMEMBER = 4096  # values a check keeps as known good, where values repeat
_UNSEEN = object()
# The kind of YAML scalar (`Typed`) a check accepts, by type.
_ACCEPTS = {"integer": "a number", "date": "a date", "boolean": "a boolean"}
_INTEGER = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_ZERO_LED = re.compile(r"[-+]?0[0-9]+")
_DIGITS = models.MAX_DIGITS
_FLOAT = re.compile(r"[.]|inf|nan", re.IGNORECASE)  # what YAML reads as a float, not an int


# A check of one declared value: the value as kept, or the problem (code, message, where:
# None for the value itself, else the index of a list item; `said`: what the message says
# of the value, when it names the value and says one thing of it).
class _Problem:
    __slots__ = ("code", "item", "message", "said")

    def __init__(
        self, code: str, message: str, item: int | None = None, said: str | None = None
    ) -> None:
        self.code, self.message, self.item, self.said = code, message, item, said


def _of_value(name: str, value: str, said: str) -> _Problem:
    """The value of `name` is refused for what `said` says of it: "`os`: `12` is not
    allowed; ..."."""
    return _Problem("bad-value", f"`{name}`: `{value}` {said}", said=said)


Check = Callable[[Any], Any]


def _suffix(f: Field) -> str:
    return f" ({f.description.rstrip('.')})" if f.description else ""


def _not_text(name: str, value: Any, quoted: Check | None = None) -> _Problem:
    """`value` is not text. `quoted`: the check its text would meet once quoted; when
    that one refuses it too, quoting is not offered as the fix."""
    if isinstance(value, Typed):
        after = quoted(value.text) if quoted is not None else None
        if type(after) is _Problem:
            # "`os`: `12` is not allowed; ..." said of the text: "as text it is not allowed".
            why = f"as text it {after.said}" if after.said else after.message
            return _Problem(
                "bad-type",
                f"`{name}`: `{value.text}` is read by YAML as {value.kind}, and quoting it "
                f"would not help: {why}",
            )
        return _Problem(
            "bad-type",
            f"`{name}`: `{value.text}` is read by YAML as {value.kind}, not text; "
            f'quote it ("{value.text}") if you mean the text',
        )
    return _Problem("bad-type", f"`{name}` must be text (a string), not {describe(value)}")


def _pieces(pattern: str) -> list[tuple[str, bool]]:
    """`pattern` as its pieces (an escape like `\\$`, or one character), each with
    whether it stands inside a character class."""
    out: list[tuple[str, bool]] = []
    i, first = 0, -1  # first: where the open class's characters start (-1: none open)
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append((pattern[i : i + 2], first >= 0))
            i += 2
            continue
        if first >= 0:
            if char == "]" and i > first:  # `]` first in a class (`[]a]`) is a character
                first = -1
            out.append((char, True))
        else:
            if char == "[":
                first = i + 2 if pattern[i + 1 : i + 2] == "^" else i + 1
            out.append((char, char == "["))
        i += 1
    return out


def schema_match(pattern: str) -> Callable[[str], bool]:
    """Whether a text matches `pattern` as a JSON Schema (an editor's check) reads it:
    anywhere in the text, and a `$` the end of the text (Python's `$` also matches before
    a last newline: `^[a-z]+$` would take "web\\n").

    The match is pydantic-core's, a regular-expression engine without backtracking: its
    time grows with the text alone, whatever the pattern, where Python's `re` takes
    minutes over `^(a+)+$` and 30 characters. Raises `PatternError` for what that engine
    does not have (a look-around, a back-reference)."""
    try:
        validator = SchemaValidator(core_schema.str_schema(pattern=pattern))
    except SchemaError as exc:
        said = [line.strip() for line in str(exc).splitlines() if line.strip().startswith("error:")]
        raise PatternError(said[0].removeprefix("error:").strip() if said else str(exc)) from None
    return validator.isinstance_python


class PatternError(ValueError):
    """A pattern the matcher cannot run: what its engine said."""


# After `(?`, what only Python's regular expressions have: inline flags, a comment, a
# named group `(?P<`, an atomic group `(?>`, a conditional `(?(`.
_PYTHON_GROUPS = frozenset("aiLmsuxP#->(")


def python_only(pattern: str) -> str | None:
    """The first piece of `pattern` (outside a character class) that a JSON Schema's
    regular expression does not have, or None."""
    pieces = _pieces(pattern)
    for n, (piece, inside) in enumerate(pieces):
        if inside:
            continue
        if piece in ("\\A", "\\Z"):
            return piece
        opened = "".join(p for p, _ in pieces[n + 1 : n + 3])  # `(?i`: "?i"
        if piece == "(" and opened[:1] == "?" and opened[1:] in _PYTHON_GROUPS:
            return f"({opened}"
    return None


def _string_check(f: Field) -> Check:
    name, pattern, longest = f.name, f.pattern, f.max_length
    matches = schema_match(pattern) if pattern is not None else None

    def check(value: Any) -> Any:
        if type(value) is not str:
            return _not_text(name, value, check)
        if longest is not None and len(value) > longest:
            return _Problem(
                "bad-value",
                f"`{name}` is {len(value)} characters long; at most {longest} are allowed",
            )
        if matches is not None and not matches(value):
            return _of_value(name, value, f"does not match the pattern `{pattern}`{_suffix(f)}")
        return value

    return check


def _not_integer(name: str, value: Any) -> _Problem:
    text = value.text if isinstance(value, Typed) else value if isinstance(value, str) else ""
    length = len(text.lstrip("+-"))
    if length > _DIGITS and _INTEGER.fullmatch(text):
        return _Problem(
            "bad-value",
            f"`{name}` is a number of {length} digits; a whole number here has at most {_DIGITS}",
        )
    if isinstance(value, Typed) and value.kind == "a number" and not _FLOAT.search(value.text):
        return _Problem(
            "bad-value",
            f"`{name}`: write `{value.text}` as a plain decimal number "
            "(YAML readers disagree on what this form means)",
        )
    plain, what = "", describe(value)
    if isinstance(value, Typed) and value.kind == "a number":
        what = f"a decimal number (`{value.text}`)"  # `1.0`, `1e3`, `.inf`
        plain = "; write a whole number, without a point or an exponent"
    elif isinstance(value, str) and _INTEGER.fullmatch(value):
        plain = f"; write {value} without quotes"
    elif isinstance(value, str) and _ZERO_LED.fullmatch(value):
        # `08` and `09` are text to YAML 1.1, not numbers (no octal digit 8 or 9).
        sign, digits = value[0] if value[0] in "+-" else "", value.lstrip("+-")
        plain = f"; write it without the leading zero ({sign}{digits.lstrip('0') or '0'})"
    return _Problem("bad-type", f"`{name}` must be a whole number, not {what}{plain}")


def _integer_check(f: Field) -> Check:
    name, low, high = f.name, f.minimum, f.maximum

    def check(value: Any) -> Any:
        text = value.text if type(value) is Typed and value.kind == "a number" else ""
        if text.isdigit() and (text[0] != "0" or len(text) == 1) and len(text) <= _DIGITS:
            number = int(text)  # the usual form, without the regular expression
        else:
            found = models.yaml_integer(value)
            if found is None:
                return _not_integer(name, value)
            number = found
        if low is not None and number < low:
            return _Problem("bad-value", f"`{name}` must be at least {low}, not {number}")
        if high is not None and number > high:
            return _Problem("bad-value", f"`{name}` must be at most {high}, not {number}")
        return number

    return check


def _boolean_check(f: Field) -> Check:
    name = f.name

    def check(value: Any) -> Any:
        if isinstance(value, Typed) and value.kind == "a boolean":
            known = BOOLEANS.get(value.text)
            if known is not None:
                return known
            return _Problem(
                "bad-value",
                f"`{name}`: write true or false, not `{value.text}` "
                "(a boolean to some YAML readers and text to others)",
            )
        plain = (
            f"; write {value} without quotes"
            if isinstance(value, str) and value in BOOLEANS
            else ""
        )
        return _Problem("bad-type", f"`{name}` must be true or false, not {describe(value)}{plain}")

    return check


def _date_check(f: Field) -> Check:
    name = f.name

    def check(value: Any) -> Any:
        if type(value) is Typed and value.kind == "a date":
            text = value.text
        elif type(value) is str:
            text = value
        else:
            return _Problem(
                "bad-type", f"`{name}` must be a date such as 2027-01-31, not {describe(value)}"
            )
        if not DATE_RE.fullmatch(text):
            return _Problem(
                "bad-value",
                f"`{name}`: `{text}` is not a date; write it as YYYY-MM-DD (2027-01-31)",
            )
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            return _Problem(
                "bad-value",
                f"`{name}`: `{text}` is not a day of the calendar; fix the year, the month "
                "or the day",
            )
        return text

    return check


def _enum_check(f: Field) -> Check:
    name, allowed = f.name, frozenset(f.values)
    shown = ", ".join(f.values)

    def check(value: Any) -> Any:
        if type(value) is not str:
            return _not_text(name, value, check)
        if value not in allowed:
            return _of_value(name, value, f"is not allowed; use one of {shown}")
        return value

    return check


def list_item_flaw(item: str) -> str | None:
    """What keeps a text that is not blank from being an item of a declared list (the
    JSON Schema's LIST_ITEM_PATTERN says the same), or None. A CSV cell and `--set`
    separate the items with commas and trim them: an item must come back from `export
    csv` and `import csv` as it went."""
    if "," in item:
        return (
            "holds a comma, which separates the items in a CSV cell and in --set; make it "
            "two items, or leave the comma out"
        )
    if item != item.strip():
        return "starts or ends with a space, which a CSV cell and --set leave out; remove it"
    return None


def _list_check(f: Field) -> Check:
    name, allowed = f.name, frozenset(f.values)
    shown = ", ".join(f.values)

    def _item_check(item: str) -> Any:
        if allowed and item not in allowed:
            return _of_value(name, item, f"is not allowed; use one of {shown}")
        if not item.strip():
            return _Problem("bad-value", f"`{name}`: an empty item; remove it")
        if (flaw := list_item_flaw(item)) is not None:
            return _of_value(name, item, flaw)
        return item

    def check(value: Any) -> Any:
        if type(value) is not list:
            return _Problem(
                "bad-type",
                f"`{name}` must be a list, not {describe(value)}; write each item on a line "
                f"of its own under `{name}:` as `  - item`",
            )
        seen: set[str] = set()
        for index, item in enumerate(value):
            if type(item) is not str:
                problem = _not_text(f"{name}.{index}", item, _item_check)
                problem.item = index
                return problem
            if type(known := _item_check(item)) is _Problem:
                known.item = index
                return known
            if item in seen:
                return _Problem(
                    "bad-value", f"`{name}`: `{item}` is listed twice; list each entry once", index
                )
            seen.add(item)
        return value

    return check


_CHECKS: dict[str, Callable[[Field], Check]] = {
    "string": _string_check,
    "integer": _integer_check,
    "boolean": _boolean_check,
    "date": _date_check,
    "enum": _enum_check,
    "list": _list_check,
}


class Checker:
    """A FieldSet's per-server checks, made once: a tight loop over its declared fields."""

    def __init__(self, fields: FieldSet) -> None:
        declared = [f for f in fields.declared if f.name not in fields.unchecked]
        # Each check with what it accepted, by value: most values repeat from server to
        # server (owners, sizes, systems, dates), and a lookup costs a fraction of a
        # check. Text is kept by itself; YAML's other scalars by their text, for the
        # kind the check accepts (a number, a date, a boolean).
        self.checks: tuple[tuple[str, Check, dict[str, Any], dict[str, Any], str | None], ...]
        self.checks = tuple(
            (f.name, _CHECKS[f.kind](f), {}, {}, _ACCEPTS.get(f.kind)) for f in declared
        )
        self.required = tuple(f for f in declared if f.required)
        self.required_names = frozenset(f.name for f in self.required)
        # Keys left alone: the model's, and those of declarations that are wrong (or,
        # when fields.yaml cannot be read, any key at all).
        self.builtin = frozenset(f.name for f in fields.builtin)
        self.known = self.builtin | fields.unchecked | {f.name for f in declared}
        self.broken = fields.broken
        self.leaves_alone = fields.broken or bool(fields.unchecked)
        self.present = fields.present
        self.names = fields.names

    def check(self, doc: Document) -> tuple[dict[str, Any], list[Finding]]:
        value: dict[str, Any] = doc.value
        declared: dict[str, Any] = {}
        findings: list[Finding] = []
        if not (self.broken or value.keys() <= self.known):
            findings += [self._unknown(doc, key) for key in value if key not in self.known]
        get = value.get
        for name, check, texts, typed, accepts in self.checks:
            item = get(name)
            if item is not None:
                # Where the check's answer for this value is remembered, and under what.
                memo: dict[str, Any] | None
                if type(item) is str:
                    memo, seen = texts, item
                elif type(item) is Typed and item.kind == accepts:
                    memo, seen = typed, item.text
                else:
                    memo, seen = None, ""
                result = _UNSEEN if memo is None else memo.get(seen, _UNSEEN)
                if result is _UNSEEN:
                    result = check(item)
                    if type(result) is _Problem:
                        loc = (name,) if result.item is None else (name, result.item)
                        findings.append(
                            Finding(doc.path, *doc.position(loc), result.code, result.message)
                        )
                        continue
                    if memo is not None and len(memo) < _REMEMBER:
                        memo[seen] = result
                declared[name] = result
            elif name in value:
                findings.append(
                    Finding(
                        doc.path,
                        *doc.position((name,)),
                        "bad-type",
                        f"`{name}` has no value; give it one or remove the line",
                    )
                )
        if self.required_names and not self.required_names <= value.keys():
            findings += [
                Finding(
                    doc.path,
                    1,
                    1,
                    "missing-field",
                    f"missing required field `{f.name}`{_suffix(f)}; add it",
                )
                for f in self.required
                if f.name not in value
            ]
        return declared, findings

    def _unknown(self, doc: Document, key: str) -> Finding:
        close = difflib.get_close_matches(key, self.names, n=1)
        hint = f"did you mean `{close[0]}`? " if close else ""
        if self.present:
            why = (
                f"it is neither a built-in field nor declared in {FIELDS_FILE} (a field "
                "removed from there must first be removed from every server that uses it)"
            )
            fix = f"remove it from this file, or declare it (again) in {FIELDS_FILE}"
        else:
            why = "it is not a built-in field"
            fix = f"remove it, or declare it in {FIELDS_FILE} (see the README)"
        return Finding(
            doc.path,
            *doc.key_positions.get((key,), doc.position((key,))),
            "unknown-field",
            f"unknown field `{key}`: {why}; {hint}{fix}; fields: {', '.join(self.names)}",
        )
