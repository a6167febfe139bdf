"""gitinv: a server inventory kept as YAML files in git, where approval is a pull request."""

from __future__ import annotations

__version__ = "0.1.0"
