"""Conversation tests in Rasa's own test-story format, against the trained model."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR

MODEL = PROJECT_DIR / "models" / "assistant.tar.gz"
pytestmark = pytest.mark.model


@pytest.mark.skipif(not MODEL.exists(), reason="no trained model: run scripts/train (scripts/test does)")
def test_conversation_stories_pass(tmp_path: Path):
    rasa = Path(sys.executable).parent / "rasa"
    result = subprocess.run(
        [str(rasa), "test", "core", "--model", str(MODEL), "--stories", str(PROJECT_DIR / "tests" / "conversations"),
         "--endpoints", str(PROJECT_DIR / "endpoint.yml"), "--out", str(tmp_path), "--fail-on-prediction-errors"],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=900,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "ACTION_ENDPOINT_URL": "http://localhost:1/webhook",
             "TRACKER_DB": str(tmp_path / "tracker.db")},
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8") if failed.exists() else result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, details
