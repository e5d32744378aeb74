"""Rows read by column name: a SELECT's explicit column list, and where each of its columns lands.

A `Columns` is written once from names (``Columns("b.id", "s.org_id", "COUNT(*) AS recent")``, or
`Columns.of` a table alias and a model's fields) and gives both the SQL of the list (`sql`) and each
name's position in a row (`at`), so no reader counts columns and a column added to a model is read
without touching a number. A column is named as written, or by its ``AS`` alias.

Positions are worked out here, once, when a module builds its lists: the hot path's readers look
them up as they are made and then index rows with plain numbers, as fast as reading by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


class Columns:
    """The columns of a SELECT, in order: `sql` to write them, `at[name]` to find each in a row."""

    def __init__(self, *columns: str) -> None:
        self.columns = columns
        self.sql = ", ".join(columns)
        self.at: dict[str, int] = {}
        for i, column in enumerate(columns):
            name = _name(column)
            if name in self.at:
                raise ValueError(f"column {name!r} is selected twice: alias one of them")
            self.at[name] = i
        # The names a record (a model's fields) takes: without the table's alias.
        self.fields = tuple(name.rpartition(".")[2] for name in self.at)
        self._unambiguous = len(set(self.fields)) == len(self.fields)

    @classmethod
    def of(cls, table: str, fields: Iterable[str]) -> Columns:
        """`fields` of the table aliased `table`: ``Columns.of("s", Site.model_fields)``."""
        return cls(*(f"{table}.{field}" for field in fields))

    def __add__(self, other: Columns) -> Columns:
        return Columns(*self.columns, *other.columns)

    def span(self, *names: str) -> slice:
        """Where the named columns lie in a row, given in the order they are selected: a slice,
        which the hot path cuts a light row with as fast as by hand (``SiteRow._make(row[span])``)."""
        start = self.at[names[0]]
        if [self.at[name] for name in names] != list(range(start, start + len(names))):
            raise ValueError(f"{', '.join(names)} are not selected one after the other in {self.sql!r}")
        return slice(start, start + len(names))

    def record(self, row: Sequence[Any]) -> dict[str, Any]:
        """The row as `{field: value}`, each column by its name without the table's alias."""
        if not self._unambiguous:
            raise ValueError(f"the fields of {self.sql!r} are ambiguous without their tables")
        return dict(zip(self.fields, row, strict=True))


def _name(column: str) -> str:
    _, sep, alias = column.rpartition(" AS ")
    return alias.strip() if sep else column.strip()
