"""Fixtures of the site tests live in sitefixtures.py and browserfixtures.py,
importable by the tests too."""

from __future__ import annotations

from tests.site.browserfixtures import browser, page
from tests.site.sitefixtures import _own_cache, _quiet_git, built_site, history_repo

__all__ = ["_own_cache", "_quiet_git", "browser", "built_site", "history_repo", "page"]
