"""Which subscribers may see one record: all their questions answered by one SQL statement.

For an event, each group of subscribers that must get the same answer asks "does the list/view
rule, ANDed with the topic's ``filter``, match this record for us?" — and, for auth collections,
"may we manage it?" (email visibility). The caller decides the groups (``delivery.py``): a rule and
filter without ``@request`` give the same answer to every non-superuser, so a thousand guests or
users on ``posts/*`` ask once. The questions become boolean columns of a single ``SELECT`` over the
record as a one-row derived table (the committed state the event carries, or the row as it was
before a delete), chunked at ``MAX_COLUMNS``; constant answers (``""`` and locked rules,
superusers) never reach the database. Stored identities are re-checked in the same statement: one
whose record changed its ``tokenKey`` (a password change) no longer counts.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, false, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import False_, True_
from sqlalchemy.sql.expression import FromClause

from baas.auth.identity import Identity
from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.records.caller import Caller
from baas.records.visibility import rule_condition
from baas.records.writing import candidate_table
from baas.rules import Compiler, RuleError, RuleForbiddenError

__all__ = ["MAX_COLUMNS", "AccessBatch", "Verdict", "identity_key"]

MAX_COLUMNS = 200


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    can_manage: bool = False


def identity_key(identity: Identity | None) -> tuple[str, str] | None:
    return None if identity is None else (identity.collection.id, identity.id)


class AccessBatch:
    """Collects the questions about one record, then answers them with as few queries as possible."""

    def __init__(self, schema: Schema, collection: Collection, row: Mapping[str, Any]) -> None:
        self.schema = schema
        self.collection = collection
        self.table: FromClause = candidate_table(collection, row)
        self._manage_rule = collection.auth_options.get("manageRule") if collection.is_auth else None
        self._personal: dict[tuple[str, str], bool] = {}
        self._pending: dict[Hashable, ColumnElement[Any]] = {}
        self._answers: dict[Hashable, bool] = {}

    def personal(self, rule_name: str, filter_text: str) -> bool:
        """Whether the answer depends on who asks (beyond being a superuser): ``@request`` is used."""
        key = (rule_name, filter_text)
        found = self._personal.get(key)
        if found is None:
            texts = (self.collection.rules[rule_name], filter_text, self._manage_rule)
            found = self._personal[key] = any(text and "@request" in text for text in texts)
        return found

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    # ----- questions ------------------------------------------------------------------------------

    def ask(self, key: Hashable, caller: Caller, rule_name: str, filter_text: str) -> None:
        """Register, under ``key``, "may ``caller`` see the record" and "may it manage it"."""
        if ("allowed", key) in self._answers or ("allowed", key) in self._pending:
            return
        self._put(("allowed", key), self._allowed(caller, rule_name, filter_text))
        if self.collection.is_auth and not caller.is_superuser:
            self._put(
                ("manage", key), rule_condition(self.collection, self.schema, caller, self._manage_rule, self.table)
            )

    def ask_valid(self, identity: Identity) -> Hashable:
        """Register "is this stored identity still the record's current one" (same ``tokenKey``)."""
        key = ("valid", identity.collection.id, identity.id, identity.record.get("tokenKey"))
        if key not in self._answers and key not in self._pending:
            collection = self.schema.find(identity.collection.id)
            if collection is None or not collection.is_auth:
                self._answers[key] = False
            else:
                table = collection.table
                self._pending[key] = exists(
                    select(literal(1))
                    .select_from(table)
                    .where(table.c.id == literal(identity.id), table.c["tokenKey"] == literal(key[3]))
                )
        return key

    def _put(self, key: Hashable, condition: ColumnElement[Any]) -> None:
        if isinstance(condition, True_ | False_):
            self._answers[key] = isinstance(condition, True_)
        else:
            self._pending[key] = condition

    def _allowed(self, caller: Caller, rule_name: str, filter_text: str) -> ColumnElement[bool]:
        rule = self.collection.rules[rule_name]
        if rule is None and not caller.is_superuser:
            return false()
        try:
            compiler = Compiler(self.collection, self.schema, caller.request_info(), table=self.table)
            if rule and not caller.is_superuser:
                compiler.add_rule(rule)
            if filter_text:
                # A filter the caller may not use (or cannot parse) matches nothing, as in PocketBase.
                compiler.add_filter(filter_text, client=True)
            return compiler.where()
        except (RuleError, RuleForbiddenError):
            return false()

    # ----- answers --------------------------------------------------------------------------------

    async def run(self, connection: AsyncConnection) -> None:
        """Answer every pending question (one statement per ``MAX_COLUMNS`` questions)."""
        pending = list(self._pending.items())
        self._pending.clear()
        for start in range(0, len(pending), MAX_COLUMNS):
            chunk = pending[start : start + MAX_COLUMNS]
            columns = [condition.label(f"q{index}") for index, (_key, condition) in enumerate(chunk)]
            row = (await connection.execute(select(*columns).select_from(self.table))).first()
            for index, (key, _condition) in enumerate(chunk):
                self._answers[key] = bool(row[index]) if row is not None else False

    def verdict(self, key: Hashable) -> Verdict:
        return Verdict(self._answers.get(("allowed", key), False), self._answers.get(("manage", key), False))

    def is_valid(self, key: Hashable) -> bool:
        return self._answers.get(key, False)
