"""Reading a product catalogue CSV: valid rows, and each bad row with its line number and reason."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from app.catalog.product_input import FIELDS, ProductInvalid, ProductValues, validate_product

REQUIRED_COLUMNS = ("external_id", "title", "url")
MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str


@dataclass(slots=True)
class ParsedCatalogue:
    rows: list[ProductValues] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class CatalogueFileInvalid(ValueError):
    """The whole file is unusable (encoding, header): nothing can be imported."""


def _header(names: list[str]) -> list[str]:
    columns = [name.strip().lower() for name in names]
    if missing := [name for name in REQUIRED_COLUMNS if name not in columns]:
        raise CatalogueFileInvalid(f"line 1: missing column(s) {', '.join(missing)}")
    if unknown := [name for name in columns if name not in FIELDS]:
        raise CatalogueFileInvalid(f"line 1: unknown column(s) {', '.join(unknown)}; expected {', '.join(FIELDS)}")
    if len(set(columns)) != len(columns):
        raise CatalogueFileInvalid("line 1: a column appears twice")
    return columns


def parse_catalogue(data: bytes) -> ParsedCatalogue:
    """Parse the CSV (UTF-8, header row first). Raises CatalogueFileInvalid when no row can be read."""
    if len(data) > MAX_BYTES:
        raise CatalogueFileInvalid(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogueFileInvalid(f"the file is not UTF-8 text (byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        columns = _header(next(reader))
    except StopIteration:
        raise CatalogueFileInvalid("the file is empty") from None
    parsed = ParsedCatalogue()
    first_line: dict[str, int] = {}
    line = reader.line_num
    try:
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            _read_row(parsed, first_line, columns, cells, start)
    except csv.Error as exc:
        parsed.errors.append(RowError(line + 1, f"unreadable CSV ({exc}); the rest of the file was skipped"))
    return parsed


def _read_row(
    parsed: ParsedCatalogue, first_line: dict[str, int], columns: list[str], cells: list[str], line: int
) -> None:
    if len(cells) != len(columns):
        parsed.errors.append(RowError(line, f"has {len(cells)} values for {len(columns)} columns"))
        return
    try:
        product = validate_product(dict(zip(columns, cells, strict=True)))
    except ProductInvalid as exc:
        parsed.errors.append(RowError(line, str(exc)))
        return
    if product.external_id in first_line:
        parsed.errors.append(
            RowError(line, f"external_id: '{product.external_id}' already on line {first_line[product.external_id]}")
        )
        return
    first_line[product.external_id] = line
    parsed.rows.append(product)
