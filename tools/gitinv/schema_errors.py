"""Turn pydantic validation errors into findings at the right line and column."""

from __future__ import annotations

import difflib
import functools
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError

from gitinv.canonical import scalar
from gitinv.loader import Document, Loc, Typed
from gitinv.report import Finding

_EXPECTED = {
    "string_type": "text (a string)",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
}


# Where a mapping is expected, "quote it" is no advice.
_NOT_TEXT = frozenset({"model_type", "model_attributes_type", "dict_type"})


def describe(value: Any) -> str:
    if isinstance(value, Typed):
        return f"{value.kind} (`{value.text}`)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "empty"
    return f"`{value}`"


def validate(
    model: type[BaseModel],
    data: Any,
    doc: Document,
    prefix: Loc = (),
    context: dict[str, Any] | None = None,
) -> tuple[dict[str, Any] | None, list[Finding]]:
    """Validate `data` (found at `prefix` in `doc`); the data back when valid, else findings.

    `context` reaches the models' validators (`forge`: whose handle rules apply)."""
    fields, findings = validate_fields(model, data, doc, prefix, context)
    return (None, findings) if findings else (fields, [])


def validate_fields(
    model: type[BaseModel],
    data: Any,
    doc: Document,
    prefix: Loc = (),
    context: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[Finding]]:
    """Every problem of `data` at once, and the fields that passed their own checks.

    A key with no value is reported on its own and the others are still checked,
    so `type:` left empty does not hide a date in `description`. The fields that
    passed let the rules across files (references) check them too.
    """
    if not isinstance(data, dict):
        try:
            model.model_validate(data, context=context)
        except ValidationError as err:
            return {}, [_finding(model, doc, prefix, e) for e in err.errors(include_url=False)]
        return {}, []
    empty = (
        [k for k, v in data.items() if v is None and k in model.model_fields]
        # At C speed: most files have no key without a value, and every value true (a
        # text, a list with items, a YAML number or date) is not one. Not `None in`,
        # which compares each value with None: for a number or a date, a call to Python.
        if not all(data.values())
        else []
    )
    findings = [
        Finding(
            doc.path,
            *doc.position((*prefix, key)),
            "bad-type",
            f"`{key}` has no value; give it one or remove the line",
        )
        for key in empty
    ]
    rest = {k: v for k, v in data.items() if k not in empty} if empty else data
    bad: set[Any] = set(empty)
    try:
        valid = model.model_validate(rest, context=context)
    except ValidationError as err:
        for e in err.errors(include_url=False):
            if e["type"] == "missing" and len(e["loc"]) == 1 and e["loc"][0] in bad:
                continue  # reported above as having no value
            if e["loc"]:
                bad.add(e["loc"][0])
            findings.append(_finding(model, doc, prefix, e))
    else:
        if numbers := _number_fields(model):
            # A number the model accepted is handed on as the model read it, not as YAML text.
            data = {
                k: getattr(valid, k) if k in numbers and isinstance(v, Typed) else v
                for k, v in data.items()
            }
    if not findings:
        return data, []
    return {k: v for k, v in data.items() if k not in bad and k in model.model_fields}, findings


@functools.cache
def _number_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of `model` that hold a whole number (`int` in their annotation)."""
    return frozenset(
        name for name, info in model.model_fields.items() if _holds_int(info.annotation)
    )


def _holds_int(annotation: Any) -> bool:
    """Whether `int` is in `annotation`, through `X | None`, `Annotated[...]` and the like."""
    return annotation is int or any(_holds_int(arg) for arg in get_args(annotation))


def _model_at(model: type[BaseModel], path: Loc) -> type[BaseModel]:
    """The nested model at `path` of `model` (settings' `exports.prometheus`), else `model`."""
    for part in path:
        info = model.model_fields.get(str(part))
        inner = info.annotation if info else None
        if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
            break
        model = inner
    return model


def _finding(model: type[BaseModel], doc: Document, prefix: Loc, e: Any) -> Finding:
    kind: str = e["type"]
    loc: Loc = (*prefix, *e["loc"])
    value = e.get("input")
    ctx = e.get("ctx") or {}
    where = f"`{'.'.join(str(p) for p in e['loc'])}`" if e["loc"] else "this"
    if kind in ("missing", "extra_forbidden"):
        model = _model_at(model, e["loc"][:-1])
    if kind == "missing":
        field = str(loc[-1])
        pos = (1, 1) if not loc[:-1] else doc.position(loc[:-1])
        info = model.model_fields.get(field)
        hint = f" ({info.description.rstrip('.')})" if info and info.description else ""
        return Finding(
            doc.path, *pos, "missing-field", f"missing required field `{field}`{hint}; add it"
        )
    if kind == "extra_forbidden":
        field = str(loc[-1])
        pos = doc.key_positions.get(loc, doc.position(loc))
        allowed = list(model.model_fields)
        close = difflib.get_close_matches(field, allowed, n=1)
        hint = f"did you mean `{close[0]}`? " if close else ""
        return Finding(
            doc.path,
            *pos,
            "unknown-field",
            f"unknown field `{field}`; {hint}allowed fields: {', '.join(allowed)}",
        )
    if kind == "empty_value":
        loc = (*loc, ctx["field"])
        return Finding(doc.path, *doc.position(loc), "bad-type", str(e["msg"]))
    if kind == "duplicate_item":
        loc = (*loc, ctx["index"])
        return Finding(doc.path, *doc.position(loc), "bad-value", str(e["msg"]))
    pos = doc.position(loc)
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = str(e["msg"]).removeprefix("Input ")
        return Finding(doc.path, *pos, "bad-value", f"{where} {bound}, not {value}")
    if kind == "int_type":
        plain = (
            f"; write {value} without quotes" if isinstance(value, str) and value.isdigit() else ""
        )
        return Finding(
            doc.path,
            *pos,
            "bad-type",
            f"{where} must be a whole number, not {describe(value)}{plain}",
        )
    fixed = _allowed(model, e["loc"])
    if kind == "list_type":
        return Finding(doc.path, *pos, "bad-type", f"{where} must be a list, {_as_list(e, value)}")
    if isinstance(value, Typed) and kind not in _NOT_TEXT:
        if fixed and value.text not in fixed:
            return Finding(
                doc.path,
                *pos,
                "bad-type",
                f"{where}: `{value.text}` is read by YAML as {value.kind}, and quoting it "
                f"would not help: use one of {_choices(fixed, value.text)}",
            )
        return Finding(
            doc.path,
            *pos,
            "bad-type",
            f"{where}: `{value.text}` is read by YAML as {value.kind}, not text; "
            f'quote it ("{value.text}") if you mean the text',
        )
    if kind in _EXPECTED:
        return Finding(
            doc.path, *pos, "bad-type", f"{where} must be {_EXPECTED[kind]}, not {describe(value)}"
        )
    if kind == "literal_error":
        if not isinstance(value, str):
            return Finding(
                doc.path, *pos, "bad-type", f"{where} must be text, not {describe(value)}"
            )
        return Finding(
            doc.path,
            *pos,
            "bad-value",
            f"{where}: `{value}` is not allowed; use one of "
            f"{_choices(fixed, value) if fixed else ctx['expected']}",
        )
    if kind == "too_short":
        return Finding(doc.path, *pos, "bad-value", f"{where} is empty; list at least one")
    if kind == "string_pattern_mismatch":
        info = model.model_fields.get(str(e["loc"][0])) if len(e["loc"]) == 1 else None
        wanted = (
            f"expected {info.description[0].lower()}{info.description[1:].rstrip('.')}"
            if info and info.description
            else f"expected the pattern {ctx.get('pattern')}"
        )
        return Finding(doc.path, *pos, "bad-value", f"{where}: `{value}` does not fit: {wanted}")
    return Finding(doc.path, *pos, "bad-value", f"{where}: {e['msg']}")


def _allowed(model: type[BaseModel], loc: Loc) -> tuple[str, ...]:
    """The values a field allows, when it is one of a fixed list (a Literal)."""
    info = model.model_fields.get(str(loc[0])) if len(loc) == 1 else None
    if info is None:
        return ()
    for candidate in (info.annotation, *get_args(info.annotation)):
        if get_origin(candidate) is Literal:
            return tuple(str(a) for a in get_args(candidate))
    return ()


def _choices(allowed: tuple[str, ...], value: str) -> str:
    """`a`, `b` or `c`, and the closest one when the value looks like a slip."""
    quoted = [f"`{a}`" for a in allowed]
    listed = f"{', '.join(quoted[:-1])} or {quoted[-1]}" if len(quoted) > 1 else quoted[0]
    close = difflib.get_close_matches(value.lower(), allowed, n=1)
    return f"{listed} (did you mean `{close[0]}`?)" if close else listed


def _as_list(e: Any, value: Any) -> str:
    """What was written instead, and the block list that says the same."""
    if isinstance(value, (str, Typed)):
        text = str(value)
        items = [item.strip() for item in text.split(",") if item.strip()] or [text]
        lines = " ".join(f"`  - {scalar(item)}`" for item in items)
        return (
            f"not text (`{text}`); write one entry a line below the key, "
            f"indented two spaces: `{e['loc'][-1]}:` then {lines}"
        )
    return f"not {describe(value)}; write one entry a line below the key, each as `  - entry`"
