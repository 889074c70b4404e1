"""House rules that keep the project easy to hold in one's head."""

from __future__ import annotations

from conftest import PROJECT_ROOT

#: A room (module) longer than this gets split by responsibility.
MAX_LINES = 800


def test_no_python_file_is_longer_than_800_lines():
    too_long = {
        str(path.relative_to(PROJECT_ROOT)): lines
        for folder in ("python", "bench", "models", "tests")
        for path in (PROJECT_ROOT / folder).rglob("*.py")
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert too_long == {}
