"""What can be wrong with a ledger (台账), at a row of the sheet and a column, in words the interface translates."""
from __future__ import annotations

from dataclasses import dataclass

from data.i18n import N_, Text

MAX_LISTED = 50


@dataclass(frozen=True)
class Problem:
    """Something wrong with a ledger at a sheet row (numbered as the spreadsheet numbers them) and, when known, a
    column (its header as written in the file); the message is a Text the interface shows translated."""

    row: int
    column: str | None
    message: Text

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}" if self.column else f"row {self.row}: {self.message}"


class LedgerError(ValueError):
    """A ledger that cannot be imported: every problem found, in sheet order; nothing was changed."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda problem: problem.row)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """The first MAX_LISTED problems, one a line, and how many more there are."""
        hidden = len(self.problems) - MAX_LISTED
        more = [Text(N_("and %(count)s more"), count=hidden)] if hidden > 0 else []
        return [str(problem) for problem in self.problems[:MAX_LISTED]] + more


def refused(row: int, template: str, column: str | None = None, **values) -> LedgerError:
    """A ledger refused for one problem (a file that cannot be read, a sheet without a header)."""
    return LedgerError([Problem(row, column, Text(template, **values))])
