from __future__ import annotations

from gitinv.cli import main

main()
