"""Shared fixtures: Voikko, vectors, the real library and its index are built once per run."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.nlu.finnish import FinnishAnalyzer, shared_analyzer
from bot.nlu.retrieval import GuidanceIndex
from bot.nlu.vectors import WordVectors, shared_vectors
from guidance_library.loader import load_library
from guidance_library.models import GuidanceLibrary

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEVSET = PROJECT_DIR / "bench" / "devset.yml"


@pytest.fixture(scope="session")
def analyzer() -> FinnishAnalyzer:
    return shared_analyzer()  # the one the NLU components use in this process


@pytest.fixture(scope="session")
def vectors() -> WordVectors:
    return shared_vectors()


@pytest.fixture(scope="session")
def library() -> GuidanceLibrary:
    return load_library()


@pytest.fixture(scope="session")
def index(library: GuidanceLibrary, analyzer: FinnishAnalyzer, vectors: WordVectors) -> GuidanceIndex:
    return GuidanceIndex(library, analyzer, vectors)


@pytest.fixture(scope="session")
def devset() -> dict:
    return yaml.safe_load(DEVSET.read_text(encoding="utf-8"))


POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


def _postgres_reachable() -> str | None:
    """None if the PostgreSQL server answers, else the reason it does not."""
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(POSTGRES_URL, future=True, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as error:  # any failure to connect is a reason to skip, stated
        return f"PostgreSQL not reachable at 127.0.0.1:5432 (database test): {str(error).splitlines()[0]}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """A fresh, empty database: an SQLite file, or a schema of its own in PostgreSQL's `test`."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    reason = _postgres_reachable()
    if reason:
        pytest.skip(reason)
    import uuid

    import sqlalchemy

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(POSTGRES_URL, future=True)
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


TEST_PERSON_KEY_SECRET = "test-person-key-secret-" + "0" * 24  # the actions' person keys in the tests


def build_runtime(database_url: str = "sqlite://", clock=None, live=None, analyzer=None):
    """An actions runtime over the real library (or `live`) with its own database (in memory unless given),
    and a person-key secret of the tests' (nothing read from var/)."""
    from actions.runtime import Runtime, office_hours_of
    from actions.store.database import make_engine, make_session_factory
    from actions.store.tickets import TicketStore
    from bot.redaction import Redactor
    from guidance_library.emergency import load_emergency_rules
    from guidance_library.live import LiveLibrary
    from guidance_library.loader import LibrarySources

    live = live or LiveLibrary(LibrarySources(), lambda lib: lib)
    sessions = make_session_factory(make_engine(database_url))
    tickets = TicketStore(sessions, office_hours_of(live.current()), **({"clock": clock} if clock else {}))
    from bot.settings import Secret

    return Runtime(library=live, sessions=sessions, emergency=load_emergency_rules(),
                   redactor=Redactor(analyzer or FinnishAnalyzer()), tickets=tickets,
                   person_secret=Secret(TEST_PERSON_KEY_SECRET))


@pytest.fixture(scope="session")
def live_library():
    """The real library behind a LiveLibrary, loaded once per test run."""
    from guidance_library.live import LiveLibrary
    from guidance_library.loader import LibrarySources

    live = LiveLibrary(LibrarySources(), lambda lib: lib)
    live.current()
    return live
