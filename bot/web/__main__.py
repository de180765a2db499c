"""`python -m bot.web` (or `sote-web`): serve the resident web chat page and the team API (/team/api)."""
from bot.log_format import configure_logging
from bot.log_redaction import install_log_redaction
from bot.settings import Settings
from bot.web.app import create_app


def main() -> None:
    configure_logging()  # JSON lines with ASSISTANT_LOG_FORMAT=json
    install_log_redaction()
    settings = Settings.from_env()
    print(f"Web chat: http://localhost:{settings.webchat_port}/", flush=True)
    print(f"Team API: http://localhost:{settings.webchat_port}/team/api (description: /team/api/openapi.json)",
          flush=True)
    app = create_app(settings)
    app.ctx.runtime.warm_up()
    app.run(host=settings.webchat_host, port=settings.webchat_port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
