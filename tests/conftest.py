"""Shared fixtures: Voikko, vectors, the real library and its index are built once per run."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.nlu.finnish import FinnishAnalyzer
from bot.nlu.retrieval import GuidanceIndex
from bot.nlu.vectors import WordVectors
from guidance_library.loader import load_library
from guidance_library.models import GuidanceLibrary

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEVSET = PROJECT_DIR / "bench" / "devset.yml"


@pytest.fixture(scope="session")
def analyzer() -> FinnishAnalyzer:
    return FinnishAnalyzer()


@pytest.fixture(scope="session")
def vectors() -> WordVectors:
    return WordVectors()


@pytest.fixture(scope="session")
def library() -> GuidanceLibrary:
    return load_library()


@pytest.fixture(scope="session")
def index(library: GuidanceLibrary, analyzer: FinnishAnalyzer, vectors: WordVectors) -> GuidanceIndex:
    return GuidanceIndex(library, analyzer, vectors)


@pytest.fixture(scope="session")
def devset() -> dict:
    return yaml.safe_load(DEVSET.read_text(encoding="utf-8"))
