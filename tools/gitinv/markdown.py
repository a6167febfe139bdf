"""Markdown for pull-request comments and job summaries: the one escaper every
markdown output uses, so a value shows as the text it is.

    markdown.text("@acme/admins fixed #12 *now*")  # no mention, no link, no emphasis
    markdown.code("inventory/servers/web/web01.yaml")  # a code span no value can leave

GitHub (and GitLab) turn `@name` into a mention that notifies people and `#12`
into a link, after the markdown is parsed, and so do their autolinks with a bare
`https://...` or `www.`: a backslash does not stop them, an empty HTML comment
between two of their characters does (and shows nothing).
"""

from __future__ import annotations

import html
import re

from gitinv.printable import one_line

_SPECIAL = re.compile(r"[\\`*_\[\]~|]")
# `@user`, `@org/team`, `#12`, GitLab's `!12`, `%12`, `$12`, `~12` and `&12` (escaped by
# then): a mention or a reference once rendered; `https:`, `ftp:` before `//` and `www`
# before `.`, wherever they are (`_www.` is linked too): an autolink (an e-mail address
# is one too, and its `@` is caught).
_LIVE = re.compile(r"@(?=[\w-])|[#!%$~](?=\d)|&amp;(?=\d)|(?i:(?:https?|ftp):(?=//)|www(?=\.))")


def text(value: str) -> str:
    """`value` as inline markdown (a table cell, a list item, a heading): no HTML, no
    link, no emphasis, no table break, no mention or reference; a line break as <br>."""
    escaped = html.escape(one_line(value, keep="\n"), quote=False)
    escaped = _LIVE.sub(lambda m: m[0] + "<!-- -->", escaped)
    escaped = _SPECIAL.sub(lambda m: "&#96;" if m[0] == "`" else "\\" + m[0], escaped)
    return escaped.replace("\n", "<br>")


def code(value: str, *, cell: bool = True) -> str:
    """`value` as a code span no value can leave (a longer fence than any backtick run in
    it); mentions and references do not work inside code. In a table `cell` a pipe is
    escaped (it would end the cell); elsewhere (`cell=False`: a heading, a sentence) the
    backslash would show."""
    inner = one_line(value)
    if cell:
        inner = inner.replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall("`+", inner)), default=0) + 1)
    return f"{fence} {inner} {fence}"
