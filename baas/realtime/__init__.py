"""Realtime: PocketBase's SSE subscriptions, filtered by the API rules, across server processes.

``Realtime`` (``service.py``) is the whole capability as the app wires it: it subscribes to record
events on the after-commit bus and to the NOTIFY channel, and serves ``routes.py``. ``broker.py``
holds the connected clients, ``subscriptions.py`` parses topics, ``access.py`` answers the rule
questions for an event in one query, ``delivery.py`` fans an event out, ``relay.py`` carries events
between processes.
"""

from baas.realtime.service import Realtime

__all__ = ["Realtime"]
