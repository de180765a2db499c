"""Web app factory: one blueprint per door (residents, the team API, the professionals' console, the
management view; editors later)."""
from __future__ import annotations

from sanic import Blueprint, Sanic

from bot.settings import Settings
from bot.web.console import console_blueprint
from bot.web.identification import identification_blueprints
from bot.web.management import management_blueprint
from bot.web.relay_client import Relay
from bot.web.resident import resident_blueprint
from bot.web.retention_task import schedule_retention
from bot.web.team_api import team_api_blueprint
from bot.web.team_errors import MAX_BODY_BYTES, AppErrorHandler
from bot.web.team_stores import StoreSource, store_source
from bot.web.trusted_proxy import ProxiedRequest
from bot.web.trusted_proxy import install as install_proxy_trust


def create_app(settings: Settings, name: str = "sote_opastaja_web", team_stores: StoreSource | None = None,
               relay: Relay | None = None) -> Sanic:
    """Build the web app for these settings.

    `team_stores` (tests): the team API's stores, or a function giving them; by default they are
    built from `settings.database_url` and the region profile when the team API is first used.
    `relay` (tests): the console's way to the Rasa server; by default the HTTP relay client.
    """
    app = Sanic(name, error_handler=AppErrorHandler(), request_class=ProxiedRequest)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES  # no door takes uploads
    app.ctx.settings = settings  # its trusted_proxies decide request.scheme (bot/web/trusted_proxy.py)
    install_proxy_trust(app)
    stores = store_source(settings, team_stores)
    schedule_retention(app, settings)
    app.blueprint(Blueprint.group(resident_blueprint(settings),
                                  team_api_blueprint(stores),
                                  console_blueprint(stores, settings.handoff, relay),
                                  management_blueprint(stores),
                                  *identification_blueprints(settings)))
    return app
