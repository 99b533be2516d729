"""The web app's component tests (web/test/*.test.tsx: Vitest, @testing-library/preact and
happy-dom) run inside ``make test`` through this wrapper: it runs ``npm test`` in web/ and fails
with Vitest's own report when any of them fails."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.fixtures.processes import ROOT

WEB = ROOT / "web"


def test_the_web_components_pass_their_tests() -> None:
    if not (WEB / "node_modules" / "vitest").is_dir():
        pytest.fail("web/node_modules has no vitest: run `make setup` (make test does this)")
    done = subprocess.run(
        ["npm", "test", "--silent", "--", "--reporter=dot"],
        cwd=WEB,
        env={**os.environ, "NO_COLOR": "1", "VITE_CONFIG_NATIVE_IGNORE_WARNING": "true"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    print(output)
    assert done.returncode == 0, f"web component tests failed (exit {done.returncode}):\n{output}"
    assert " passed" in output, output
