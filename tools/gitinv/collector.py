"""The cyclic garbage collector, held off while a command makes its objects.

Loading 100,000 servers makes millions of small objects and no cycles: each pass of
the collector would only walk them again. Held off, the collector still owes one pass
at the end, over everything made meanwhile, the moment it is turned back on; `paused`
moves what is still alive into the oldest generation instead, where it waits for a
full collection like anything long-lived (and cycles made meanwhile are still found
there). A caller's own frozen objects stay frozen: then what is alive is left where
it is. `at_exit` spares the interpreter's last passes, which walk every object to
free memory the process is about to give back.

Public API::

    with paused(): ...   # no collection inside; none owed when it ends
    at_exit()            # the process is ending: its objects are not walked again
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    enabled = gc.isenabled()
    frozen = gc.get_freeze_count()
    gc.disable()
    try:
        yield
    finally:
        # freeze then unfreeze: every tracked object into the oldest generation, with
        # the count of new objects back at zero, without walking any of them. Not when
        # the caller froze objects: unfreezing would let those go too.
        if not frozen:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


def at_exit() -> None:
    gc.freeze()
