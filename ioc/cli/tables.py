"""Tables that fit the terminal: numbers are never cut, text folds inside its column (nothing is lost), and a table
with more columns than the width holds is printed as several, each repeating the key columns (a code, its name)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table

#: What one column costs beside its text: a space either side and the rule on its right (the first rule: 1 more).
COLUMN_FRAME = 3
#: The narrowest a folding text column gets while the others need room (its longest word, when shorter).
TEXT_MIN = 10


@dataclass(frozen=True)
class Column:
    """A column of cells already formatted: ``numeric`` ones are right-aligned and never narrower than their widest
    cell; ``key`` ones are repeated in every part when a table has to be split."""

    header: str
    numeric: bool = False
    key: bool = False


def fitted_tables(title: str, columns: list[Column], rows: list[list[str]], width: int) -> list[Table]:
    """``rows`` (formatted cells, one per column) as one table ``width`` wide or less, or as several when the
    columns' least widths do not fit together; each part repeats the key columns and says which part it is."""
    needs = [_least_width(column, [row[index] for row in rows]) for index, column in enumerate(columns)]
    keys = [index for index, column in enumerate(columns) if column.key]
    others = [index for index, column in enumerate(columns) if not column.key]
    base = 1 + sum(needs[index] + COLUMN_FRAME for index in keys)
    parts: list[list[int]] = []
    for index in others:
        used = base + sum(needs[i] + COLUMN_FRAME for i in parts[-1]) if parts else width + 1
        if not parts or used + needs[index] + COLUMN_FRAME > width:
            parts.append([])
        parts[-1].append(index)
    tables = []
    for number, part in enumerate(parts or [[]], start=1):
        chosen = keys + part
        title_of_part = f"{title} ({number}/{len(parts)})" if len(parts) > 1 else title
        tables.append(
            _table(title_of_part, [columns[i] for i in chosen], [[r[i] for i in chosen] for r in rows], width)
        )
    return tables


def _least_width(column: Column, cells: list[str]) -> int:
    """A number's column is as wide as its widest number (and its header's longest word); text may fold."""
    longest_word = max((len(word) for word in column.header.split()), default=1)
    if column.numeric:
        return max([longest_word, *(len(cell) for cell in cells)])
    return min(_natural_width(column, cells), max(TEXT_MIN, min(longest_word, 20)))


def _natural_width(column: Column, cells: list[str]) -> int:
    return max([len(column.header), *(len(line) for cell in cells for line in cell.splitlines() or [""])])


def _table(title: str, columns: list[Column], rows: list[list[str]], width: int) -> Table:
    """One table whose columns have fixed widths: the least each needs, then what is left shared up to their
    natural widths, among the text columns first (the narrowest first), then among the numbers' headers."""
    cells = [[row[index] for row in rows] for index in range(len(columns))]
    widths = [_least_width(column, column_cells) for column, column_cells in zip(columns, cells, strict=True)]
    naturals = [_natural_width(column, column_cells) for column, column_cells in zip(columns, cells, strict=True)]
    left = width - 1 - sum(w + COLUMN_FRAME for w in widths)
    for numeric in (False, True):
        growing = sorted((i for i, c in enumerate(columns) if c.numeric is numeric), key=lambda i: naturals[i])
        for position, index in enumerate(growing):
            extra = max(0, min(left // (len(growing) - position), naturals[index] - widths[index]))
            widths[index] += extra
            left -= extra
    table = Table(title=title)
    for column, column_width in zip(columns, widths, strict=True):
        table.add_column(
            column.header, justify="right" if column.numeric else "left", width=column_width, overflow="fold"
        )
    for row in rows:
        table.add_row(*row)
    return table
