"""Mail: sandboxed templates, a durable outbox drained by a background worker, SMTP delivery.

The auth flows call ``send_template`` inside their transaction; the worker (started by the app)
sends after commit. ``validate_template`` tells a collection save whether a template renders.
"""

from baas.mail.message import Message
from baas.mail.outbox import enqueue
from baas.mail.render import RenderedMail, TemplateError, render
from baas.mail.service import compose, send_template
from baas.mail.templates import TEMPLATES, validate_template
from baas.mail.worker import MailWorker

__all__ = [
    "TEMPLATES",
    "MailWorker",
    "Message",
    "RenderedMail",
    "TemplateError",
    "compose",
    "enqueue",
    "render",
    "send_template",
    "validate_template",
]
