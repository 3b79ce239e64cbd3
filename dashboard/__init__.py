"""The admin dashboard at ``/_``: server-rendered Jinja pages over the same services as the API.

``baas.app`` mounts ``dashboard_routers()``, sets ``template_config()`` and adds
``DashboardHeadersMiddleware``; ``baas serve`` prints ``setup_link`` on the first run.
"""

from dashboard.headers import DashboardHeadersMiddleware
from dashboard.routes import dashboard_routers
from dashboard.setup import setup_link
from dashboard.templating import template_config

__all__ = ["DashboardHeadersMiddleware", "dashboard_routers", "setup_link", "template_config"]
