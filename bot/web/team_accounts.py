"""`python -m bot.web.team_accounts`: create and list the team's accounts (the first admin too).

    python -m bot.web.team_accounts add maija.meikalainen --role professional --name "Maija Meikäläinen"
    python -m bot.web.team_accounts list

The password is asked twice (not echoed), or read from TEAM_ACCOUNT_PASSWORD for scripts. The
database is the one of ASSISTANT_DATABASE_URL (default var/assistant.db). Exit codes: 0 done,
1 the database cannot be reached, 2 bad input.
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Sequence

from sqlalchemy.exc import DBAPIError

from actions.store.accounts import MIN_PASSWORD_LENGTH, AccountError, AccountStore
from actions.store.database import make_engine, make_session_factory
from actions.store.models import ROLES
from bot.settings import Settings

ENV_PASSWORD = "TEAM_ACCOUNT_PASSWORD"
EXIT_UNAVAILABLE, EXIT_BAD_INPUT = 1, 2


class BadInput(Exception):
    """What the operator typed cannot be used (exit 2)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.web.team_accounts",
                                     description="Accounts of the client-guidance team API.")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create an account")
    add.add_argument("username", help="letters, digits, dots and hyphens (stored in lower case)")
    add.add_argument("--role", required=True, choices=ROLES,
                     help="professional: tickets; admin: accounts and the access log; editor: no tickets")
    add.add_argument("--name", help="display name (default: the username)")
    commands.add_parser("list", help="list the accounts")
    return parser


def _password(username: str) -> str:
    given = os.environ.get(ENV_PASSWORD)
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise BadInput(f"no terminal to ask the password: set {ENV_PASSWORD}")
    first = getpass.getpass(f"Password for {username} (at least {MIN_PASSWORD_LENGTH} characters): ")
    if getpass.getpass("The same again: ") != first:
        raise BadInput("the passwords differ")
    return first


def _store(settings: Settings) -> AccountStore:
    return AccountStore(make_session_factory(make_engine(settings.database_url)))


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    arguments = _parser().parse_args(argv)  # argparse itself exits 2 on bad usage
    settings = settings or Settings.from_env()
    try:
        if arguments.command == "add":
            password = _password(arguments.username)
            account = _store(settings).create(arguments.username, arguments.name or arguments.username,
                                              arguments.role, password)
            print(f"Created {account.role} account {account.username} ({account.display_name}).")
        else:
            accounts = _store(settings).list_accounts()
            for account in accounts:
                state = "active" if account.active else "inactive"
                print(f"{account.username:<30} {account.role:<13} {state:<9} {account.display_name}")
            if not accounts:
                print("No accounts yet: python -m bot.web.team_accounts add USERNAME --role admin")
    except AccountError as error:
        print(f"error: {error.field}: {error.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BadInput as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else "unknown reason"
        print(f"error: the database cannot be reached ({reason})", file=sys.stderr)
        return EXIT_UNAVAILABLE
    return 0


if __name__ == "__main__":
    sys.exit(main())
