"""Bulk import: many rows through ``/api/batch``, with every failed row reported.

A batch is one transaction, so a row that fails rolls its whole chunk back. The server names the
failing request; that row is set aside with its error and the rest of the chunk is sent again,
until the chunk goes through. Every input row ends up either created or in ``report.failed``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Callable

from ._batch import BatchBuilder
from ._calls import Flow
from ._exceptions import BadRequestError

__all__ = ["FailedRow", "ImportReport", "import_records"]


@dataclass
class FailedRow:
    """A row the server refused: its position in the input, the row, and the server's answer."""

    index: int
    row: Mapping[str, Any]
    status: int
    message: str
    data: dict[str, Any]

    def __str__(self) -> str:
        fields = ", ".join(f"{key}: {value.get('code', value)}" for key, value in self.data.items()
                           if isinstance(value, dict))  # fmt: skip
        return f"row {self.index}: {self.status} {self.message}" + (f" ({fields})" if fields else "")


@dataclass
class ImportReport:
    """How an import went; ``progress`` callbacks get this object after every chunk.

    Only counts and the failures are kept, so importing a huge file takes constant memory.
    """

    processed: int = 0
    created: int = 0
    failed: list[FailedRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        lines = [f"{self.processed} rows: {self.created} imported, {len(self.failed)} failed"]
        lines.extend(f"  {failure}" for failure in self.failed)
        return "\n".join(lines)


def _chunks(rows: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[tuple[int, Mapping[str, Any]]]]:
    numbered = enumerate(rows)
    while True:
        chunk = list(itertools.islice(numbered, size))
        if not chunk:
            return
        yield chunk


def _failed_positions(error: BadRequestError) -> dict[int, dict[str, Any]]:
    """``{position in the batch: inner error envelope}`` from a failed batch's ``data.requests``."""
    requests = error.data.get("requests")
    if not isinstance(requests, dict):
        return {}
    failed: dict[int, dict[str, Any]] = {}
    for key, value in requests.items():
        if str(key).isdigit() and isinstance(value, dict):
            response = value.get("response")
            failed[int(key)] = response if isinstance(response, dict) else value
    return failed


def import_records(
    collection: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    chunk: int = 50,
    upsert: bool = False,
    progress: Callable[[ImportReport], None] | None = None,
) -> Flow[ImportReport]:
    """Create (or, with ``upsert``, create-or-update by ``id``) every row; rows are read lazily."""
    if chunk < 1:
        raise ValueError("chunk must be at least 1")
    report = ImportReport()
    for numbered in _chunks(rows, chunk):
        pending = numbered
        while pending:
            builder = BatchBuilder()
            target = builder.collection(collection)
            for _, row in pending:
                (target.upsert if upsert else target.create)(row)
            try:
                answers = yield from builder.flow()
            except BadRequestError as error:
                failed = _failed_positions(error)
                if not failed:
                    raise  # the batch itself was refused (too big, malformed): not a row's fault
                for position, envelope in sorted(failed.items()):
                    index, row = pending[position]
                    details = envelope.get("data")
                    report.failed.append(FailedRow(
                        index=index, row=row, status=int(envelope.get("status", 400)),
                        message=str(envelope.get("message", error.message)),
                        data=details if isinstance(details, dict) else {},
                    ))  # fmt: skip
                pending = [item for position, item in enumerate(pending) if position not in failed]
                continue
            report.created += len(answers)
            pending = []
        report.processed += len(numbered)
        report.failed.sort(key=lambda failure: failure.index)
        if progress is not None:
            progress(report)
    return report
