"""Errors and warnings a user can act on.

The CLI turns a :class:`MirscopeError` into one line on stderr and exit code 1, so every
raise site must say what was wrong, where (file, row/sample, column) and what is allowed.
"""

from __future__ import annotations


class MirscopeError(Exception):
    """Bad input or a failed step, explained in one line for the user."""


class InputError(MirscopeError):
    """A user-supplied file or value is invalid."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        row: int | str | None = None,
        column: str | None = None,
        value: object = None,
        allowed: str | None = None,
    ) -> None:
        parts = []
        if type(value).__module__ == "numpy" and hasattr(value, "item"):
            value = value.item()  # show 3, not np.int64(3)
        if path is not None:
            where = str(path)
            if row is not None:
                where += f", row {row}"
            if column is not None:
                where += f", column '{column}'"
            parts.append(where + ":")
        parts.append(message)
        if value is not None:
            parts.append(f"(got {value!r})")
        if allowed:
            parts.append(f"- allowed: {allowed}")
        super().__init__(" ".join(parts))
        self.path = path
        self.row = row
        self.column = column
        self.value = value
        self.allowed = allowed


class UsageError(InputError):
    """The command line itself is wrong (options missing or in conflict): the command
    line reports it as click does a missing option, exit code 2."""


class MirscopeWarning(UserWarning):
    """Something suspicious that does not stop the run (tests turn these into errors)."""


class NotEstimable(MirscopeError):
    """A model this cohort cannot support (too few events overall or in a fold).

    Not a user error to stop on: the run goes on and the model's tables say why it has no
    estimate, so a small cohort still gets every analysis it can support.
    """

    def __init__(self, model: str, reason: str, *, n: int = 0, events: int = 0) -> None:
        super().__init__(f"model '{model}' is not estimable: {reason}")
        self.model = model
        self.reason = reason
        self.n = n
        self.events = events
