"""Web app factory: one blueprint per door (residents now; console, team API, editors later)."""
from __future__ import annotations

from sanic import Blueprint, Sanic

from bot.settings import Settings
from bot.web.resident import resident_blueprint


def create_app(settings: Settings, name: str = "sote_opastaja_web") -> Sanic:
    """Build the web app for these settings."""
    app = Sanic(name)
    app.ctx.settings = settings
    app.blueprint(Blueprint.group(resident_blueprint(settings)))
    return app
