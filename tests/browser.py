"""Debian's chromium for the browser tests (book pages, JupyterLab), and what to do when it is missing."""
import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags chromium tries to reach Google's hosts at every start.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REQUIRE_ALL = os.environ.get("SEGCOURSE_REQUIRE_ALL") == "1"


def require_chromium(purpose: str) -> Path:
    """CHROMIUM if it and Playwright are installed; else skip with the reason (fail in CI, SEGCOURSE_REQUIRE_ALL=1)."""
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found (Debian: apt-get install chromium); {purpose}"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError as error:
            reason = f"playwright is not installed ({error}); `make test` installs it from requirements.txt"
    if reason:
        if REQUIRE_ALL:
            pytest.fail(reason + " [SEGCOURSE_REQUIRE_ALL=1]")
        pytest.skip(reason)
    return CHROMIUM
