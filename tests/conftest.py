"""Shared fixtures: project paths, ../shared (skip when absent), Prefect's test harness."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dyadflow.runtime import configure_prefect

PROJECT_DIR = Path(__file__).resolve().parents[1]
SHARED_DIR = PROJECT_DIR.parent / "shared"

configure_prefect()
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))


@pytest.fixture(scope="session")
def project_dir() -> Path:
    return PROJECT_DIR


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared, or skip the test when it is absent."""
    if not SHARED_DIR.is_dir():
        pytest.skip("../shared is not present")
    return SHARED_DIR


@pytest.fixture(scope="session")
def prefect_harness():
    """One embedded Prefect server (temporary database) for all flow tests."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def schemas_dir() -> Path:
    return PROJECT_DIR / "schemas"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return PROJECT_DIR / "seeds"


@pytest.fixture(scope="session")
def fiction_lexicon():  # type: ignore[no-untyped-def]
    """The FICTIONAL lexicon of tests/fixtures/lexicon (golden records run on it, so editing the real
    seeds never breaks them)."""
    from dyadflow.lexicon import load_lexicon

    return load_lexicon(PROJECT_DIR / "tests" / "fixtures" / "lexicon", PROJECT_DIR / "schemas")


@pytest.fixture(scope="session")
def fiction_nlp(fiction_lexicon):  # type: ignore[no-untyped-def]
    """The spaCy pipeline built for the fictional lexicon (needs the English model)."""
    from dyadflow.nlp import build_nlp

    return build_nlp(fiction_lexicon)
