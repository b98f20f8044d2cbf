from __future__ import annotations

import pytest

from tests.staffing.factories import Staffing


@pytest.fixture
def staffing(make) -> Staffing:  # type: ignore[no-untyped-def]
    return Staffing(make)


@pytest.fixture
def manager(api):  # type: ignore[no-untyped-def]
    """A signed-in staffing manager (platform role) with an API token."""
    return api.login(platform_role="staffing_manager")
