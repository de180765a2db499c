"""Web app factory: one `WebRuntime` on `app.ctx` and one blueprint per door (residents, the
operators' /health and /metrics, strong identification, the team API, the professionals' console,
the management view; the local test identity provider only in development and tests). Each door
is a module of plain handlers and a route list (`bot/web/routes.py`)."""
from __future__ import annotations

import logging

from sanic import Blueprint, Sanic

from bot.metrics import set_process
from bot.settings import Settings
from bot.web.console import CONSOLE
from bot.web.delivery_task import schedule_delivery
from bot.web.identification import IDENTIFICATION
from bot.web.management import MANAGEMENT
from bot.web.operations import OPERATIONS, install_operations
from bot.web.own_space import OWN_SPACE
from bot.web.relay_client import Relay
from bot.web.resident import RESIDENT
from bot.web.retention_task import schedule_retention
from bot.web.routes import door_blueprint
from bot.web.runtime import StoreSource, WebRuntime, install_runtime
from bot.web.team_api import TEAM_API
from bot.web.team_errors import MAX_BODY_BYTES, AppErrorHandler
from bot.web.test_idp import TEST_IDP, TestIdentityProvider
from bot.web.trusted_proxy import ProxiedRequest
from bot.web.trusted_proxy import install as install_proxy_trust

logger = logging.getLogger(__name__)


def create_app(settings: Settings, name: str = "sote_opastaja_web", team_stores: StoreSource | None = None,
               relay: Relay | None = None) -> Sanic:
    """Build the web app for these settings.

    `team_stores` (tests): the staff doors' stores, or a function giving them; by default they are
    built on the app's one database engine when first used. `relay` (tests): the console's way to
    the Rasa server; by default the HTTP relay client.
    """
    app = Sanic(name, error_handler=AppErrorHandler(), request_class=ProxiedRequest)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES  # no door takes uploads
    app.ctx.settings = settings  # its trusted_proxies decide request.scheme (bot/web/trusted_proxy.py)
    set_process("web")
    runtime = WebRuntime(settings, team_stores, relay)
    install_runtime(app, runtime)
    install_proxy_trust(app)
    install_operations(app)
    schedule_retention(app, settings)
    schedule_delivery(app)  # the notification outbox, when a sender is configured (ASSISTANT_SMTP_*, ...)
    doors = [RESIDENT, OPERATIONS, TEAM_API, CONSOLE, MANAGEMENT, IDENTIFICATION, OWN_SPACE]
    if runtime.saml is not None and runtime.saml.test_idp_config is not None:
        logger.warning("identification: the LOCAL TEST IDENTITY PROVIDER is on at /test-idp (never in production)")
        app.ctx.test_idp = TestIdentityProvider(runtime.saml.test_idp_config)
        doors.append(TEST_IDP)
    app.blueprint(Blueprint.group(*(door_blueprint(door) for door in doors)))
    return app
