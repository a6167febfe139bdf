"""Text that shows as what it is, in a terminal or a CI log.

A value from a file or from git (a description, an author, a branch or file name)
may hold control characters: an escape sequence that retitles or clears a terminal,
a line break that starts a line of its own (in a GitHub Actions log, one that reads
as a workflow command), a bidirectional override that reorders what is shown, a
character that shows as nothing. Every
text output writes such characters as escapes (`\\u001b`), and breaks up `##[`,
which the Actions runner reads as a command anywhere in a line.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, the line and paragraph separators, the bidirectional marks,
# embeddings, overrides and isolates, and the characters that show as nothing: a soft
# hyphen, a zero-width space, a word joiner and the invisible operators, a byte order
# mark, the tag characters (`web\u200b01` would look like `web01`).
_UNSEEN = (
    "\x7f-\x9f\xad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    # What shows as nothing, or as a blank, in a name or a description: the joiners
    # (U+200C, U+200D), the grapheme joiner, the variation selectors, the Hangul fillers,
    # the Braille blank, the Mongolian and Khmer invisible marks, interlinear annotation.
    "\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2800\u3164\ufe00-\ufe0f\uffa0"
    "\ufff9-\ufffb\U0001d173-\U0001d17a\U000e0100-\U000e01ef"
    "\U000e0000-\U000e007f"  # the tag characters
)
CONTROL = re.compile(f"[\x00-\x1f{_UNSEEN}]")
# The same but C0 (line breaks, tabs): what a text shown as it is, in lines, must not hold.
UNSEEN = re.compile(f"[{_UNSEEN}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape(match: re.Match[str]) -> str:
    """A matched character as its escape: `\\n`, `\\u202e`, `\\U000e0041` (each read back
    as the character inside YAML's double quotes)."""
    code = ord(match[0])
    return _NAMED.get(match[0]) or (f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")


def one_line(text: str, keep: str = "") -> str:
    """`text` with line breaks and other control characters written as escapes (but
    those in `keep`), and `##[` broken up as `#\\u0023[`."""
    if keep:
        out = re.sub(CONTROL, lambda m: m[0] if m[0] in keep else escape(m), text)
    else:
        out = CONTROL.sub(escape, text)
    return out.replace("##[", "#\\u0023[") if "##[" in out else out


def undecoded(text: str) -> str:
    """`text` as decoded from a file name or from git (bytes that are not UTF-8 kept as
    surrogates) with those bytes written `\\xff`: it can then be encoded, printed and
    stored anywhere. Text that is UTF-8 comes back as it is."""
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
