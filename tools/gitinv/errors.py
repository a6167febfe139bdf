"""The one fatal-error type: expected problems that end a command with a message."""

from __future__ import annotations


class GitinvError(Exception):
    """An expected failure (no inventory, unknown revision, bad argument).

    `cli.main` catches it once, prints the message and exits with `exit_code`:
    1 when the inventory or the change is invalid, 2 for usage errors.
    """

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

    def __reduce__(self) -> tuple[type[Exception], tuple[object, ...]]:
        # Raised in a forked worker, it crosses back to the parent pickled, whole.
        return type(self), (self.message, self.exit_code)
