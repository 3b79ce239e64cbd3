"""Fan one committed record event out to this process's subscribers.

Steps: keep the stored identities in step with auth-record changes (a changed ``tokenKey`` — a
password change — or a deleted record downgrades the client to a guest, as PocketBase 0.40 does);
find the topics the event concerns; group them by the answer they must get and ask each group's
question once (``access.py``); render the record once per distinct view (email visibility,
superuser, ``expand``, ``fields``) exactly as the records API renders it; queue
``{"record": ..., "action": ...}`` under each topic's full name. Per subscriber, only a dictionary
lookup and the framing remain, so the cost of an event grows with the number of distinct
(rule, auth, options) combinations, not with the number of connections.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Hashable, Mapping
from contextlib import AsyncExitStack
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from baas.auth.identity import Identity
from baas.collections.model import Collection
from baas.collections.registry import Schema
from baas.errors import ApiError
from baas.events import RecordEvent
from baas.pick import parse_fields
from baas.realtime.access import AccessBatch, identity_key
from baas.realtime.broker import Broker, Client
from baas.realtime.subscriptions import WILDCARD, Subscription
from baas.records.caller import Caller
from baas.records.expand import attach_expand, parse_expand
from baas.records.visibility import CAN_MANAGE, serialize_rows
from baas.rules import RuleError

__all__ = ["caller_for", "deliver", "refresh_identities"]

logger = logging.getLogger("baas.realtime")

Target = tuple[Client, Subscription]


def caller_for(identity: Identity | None, subscription: Subscription) -> Caller:
    """The caller a topic's rules see: the client's auth plus the topic's options."""
    return Caller(
        identity=identity, query=subscription.query, headers=subscription.headers, method="GET", context="realtime"
    )


def refresh_identities(broker: Broker, collection: Collection, event: RecordEvent) -> None:
    """Follow an auth record's change in every client signed in as that record."""
    record_id = str(event.record.get("id"))
    for client in broker.clients():
        identity = client.identity
        if identity is None or identity.collection.id != collection.id or identity.id != record_id:
            continue
        if event.action == "delete" or event.record.get("tokenKey") != identity.record.get("tokenKey"):
            client.identity = None
        else:
            client.identity = dataclasses.replace(identity, collection=collection, record=dict(event.record))


def _targets(broker: Broker, collection: Collection, record_id: str) -> list[Target]:
    keys = {collection.name, collection.id}
    return [
        (client, sub)
        for client in broker.subscribers(keys)
        for sub in client.subscriptions.values()
        if sub.collection in keys and sub.record_id in (WILDCARD, record_id)
    ]


def _group(batch: AccessBatch, targets: list[Target]) -> dict[Hashable, list[Target]]:
    """Targets by the question they ask; asks each question once."""
    groups: dict[Hashable, list[Target]] = {}
    for client, sub in targets:
        identity = client.identity
        if batch.personal(sub.rule_name, sub.filter):
            who: Hashable = (identity_key(identity), sub.options)
        else:
            who = "superuser" if identity is not None and identity.is_superuser else "other"
        key = (sub.rule_name, sub.filter, who)
        members = groups.get(key)
        if members is None:
            members = groups[key] = []
            batch.ask(key, caller_for(identity, sub), sub.rule_name, sub.filter)
        members.append((client, sub))
    return groups


class _Connection:
    """A database connection opened only if the event needs one (rules to evaluate, ``expand``)."""

    def __init__(self, engine: AsyncEngine, stack: AsyncExitStack) -> None:
        self._engine, self._stack = engine, stack
        self._connection: AsyncConnection | None = None

    async def get(self) -> AsyncConnection:
        if self._connection is None:
            self._connection = await self._stack.enter_async_context(self._engine.connect())
        return self._connection


async def _decide(connection: _Connection, batch: AccessBatch, targets: list[Target]) -> dict[Hashable, list[Target]]:
    identities = {identity_key(c.identity): c.identity for c, _ in targets if c.identity is not None}
    validity = {key: batch.ask_valid(identity) for key, identity in identities.items() if identity is not None}
    groups = _group(batch, targets)
    if batch.pending:
        await batch.run(await connection.get())
    stale = {key for key, valid in validity.items() if not batch.is_valid(valid)}
    if stale:
        for client, _sub in targets:
            if client.identity is not None and identity_key(client.identity) in stale:
                logger.info("realtime client %s: its auth token was revoked; continuing as a guest", client.id)
                client.identity = None
        groups = _group(batch, targets)
        if batch.pending:
            await batch.run(await connection.get())
    return groups


async def _render(
    connection: _Connection,
    schema: Schema,
    collection: Collection,
    event: RecordEvent,
    caller: Caller,
    can_manage: bool,
    query: Mapping[str, str],
) -> bytes:
    rows = [{**event.record, CAN_MANAGE: can_manage}]
    document = serialize_rows(collection, rows, caller)[0]
    tree = parse_expand(query.get("expand"))
    if tree is not None:
        try:
            await attach_expand(await connection.get(), schema, caller, collection, rows, [document], tree)
        except (RuleError, ApiError) as exc:
            logger.debug("realtime expand failed for %s: %s", collection.name, exc)
    try:
        picker = parse_fields(query.get("fields"))
    except ApiError:
        picker = None
    record: Any = picker.apply(document) if picker is not None else document
    payload = {"record": record, "action": event.action}
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str).encode()


async def deliver(engine: AsyncEngine, schema: Schema, broker: Broker, event: RecordEvent) -> int:
    """Queue the event for every client and topic entitled to it; returns how many messages."""
    collection = schema.find(event.collection_id)
    if collection is None or collection.id != event.collection_id:
        return 0
    if collection.is_auth:
        refresh_identities(broker, collection, event)
    record_id = str(event.record.get("id"))
    targets = _targets(broker, collection, record_id)
    if not targets:
        return 0
    sent = 0
    async with AsyncExitStack() as stack:
        connection = _Connection(engine, stack)
        batch = AccessBatch(schema, collection, event.record)
        groups = await _decide(connection, batch, targets)
        rendered: dict[Hashable, bytes] = {}
        for key, members in groups.items():
            verdict = batch.verdict(key)
            if not verdict.allowed:
                continue
            for client, sub in members:
                identity = client.identity
                superuser = identity is not None and identity.is_superuser
                owner = identity is not None and identity.collection.id == collection.id and identity.id == record_id
                expand = sub.query.get("expand", "")
                view = (
                    verdict.can_manage or superuser or owner,
                    superuser,
                    expand,
                    sub.query.get("fields", ""),
                    identity_key(identity) if expand else None,
                )
                data = rendered.get(view)
                if data is None:
                    caller = caller_for(identity, sub)
                    data = rendered[view] = await _render(
                        connection, schema, collection, event, caller, verdict.can_manage, sub.query
                    )
                sent += client.send(sub.topic, data)
    return sent
