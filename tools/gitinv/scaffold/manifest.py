"""`.gitinv/managed.json`: what `gitinv init` last wrote into the repository.

For each managed file, the SHA-256 of the text this version writes for it (what
it wrote, or offered when it left an edited file alone), taken with the pip
requirement replaced by a placeholder: changing the pin by hand is an upgrade, not
an edit. A file whose text no longer has that digest was edited by hand.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from gitinv.errors import GitinvError
from gitinv.scaffold.templates import normalized

PATH = ".gitinv/managed.json"
NOTE = (
    "Written by `gitinv init`: what it last wrote, so that `gitinv init --update` can "
    "tell a file edited by hand from one to bring up to date. Do not edit."
)


@dataclass
class Record:
    version: str
    requirement: str
    files: dict[str, str] = field(default_factory=dict)  # path -> "sha256:..."


def digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(normalized(text).encode("utf-8")).hexdigest()


def dumps(record: Record) -> str:
    doc = {
        "about": NOTE,
        "version": record.version,
        "requirement": record.requirement,
        "files": dict(sorted(record.files.items())),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def read(root: Path) -> Record | None:
    """The record, None when there is none; an unreadable one is an error naming it."""
    path = root / PATH
    if not path.exists() and not path.is_symlink():
        return None
    problem = f"{PATH} is not the record `gitinv init` writes"
    if path.is_symlink() or not path.is_file():
        raise GitinvError(f"{problem}: it is not a plain file; remove it and run the update again")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise GitinvError(f"{problem} ({exc}); restore it from git, or remove it") from None
    files = doc.get("files") if isinstance(doc, dict) else None
    if (
        not isinstance(doc, dict)
        or not isinstance(doc.get("version"), str)
        or not isinstance(doc.get("requirement"), str)
        or not isinstance(files, dict)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())
    ):
        raise GitinvError(f"{problem}; restore it from git, or remove it")
    return Record(doc["version"], doc["requirement"], dict(files))
