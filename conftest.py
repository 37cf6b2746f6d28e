import pytest

from yewu.core.testing.personas import build_company


@pytest.fixture
def company(db):
    """The persona company (see yewu/core/testing/personas.py)."""
    return build_company()
