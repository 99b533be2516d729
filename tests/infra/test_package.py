"""The deployment package: the files `azd deploy` (and Core Tools' `func azure functionapp
publish`) upload, built here the way each tool reads .funcignore, and checked for what must be in
it (the app, its run-time data files, the built frontend, the report fonts) and what must not
(tests, benchmarks, scripts, end-to-end tests, local environments, azd state, infrastructure).

* azd: .gitignore rules (Microsoft Learn, "Configure service packaging file exclusions"); with a
  .funcignore present it adds no default exclusions. Modelled with pathspec's GitIgnoreSpec.
* Core Tools: ``GitIgnoreParser`` (azure-functions-core-tools, src/Azure.Functions.Cli/Common/
  GitIgnoreParser.cs, a port of codemix/gitignore-parser): each pattern becomes a regex anchored
  at the start of the relative path only, ``**`` → ``.+``, ``*`` → ``[^/]+``; a path is denied if
  a pattern matches and no ``!`` pattern does. Modelled by :func:`core_tools_denies`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from functools import cache

import pathspec

from tests.infra import iac

FUNCIGNORE = iac.ROOT / ".funcignore"
Denies = Callable[[str], bool]

# Top-level entries of the package, and nothing else.
PACKAGE_ROOTS = {"function_app.py", "host.json", "requirements.txt", "functions", "shared", "web/dist"}
# Must be packaged whether or not they exist in this checkout: the built frontend (the prepackage
# hook builds it), and the PDF report fonts (issue 17 embeds DejaVu Sans with its licence, from
# shared/reports/fonts/: shared/reports/render.py). test_every_font_in_the_tree_is_packaged catches
# a font put anywhere else, test_the_report_fonts_are_in_the_real_package their absence.
MUST_SHIP = [
    "function_app.py",
    "host.json",
    "requirements.txt",
    "functions/web.py",
    "shared/i18n/de.json",
    "shared/identity/legal/terms-2026-11.de.md",
    "shared/identity/common-passwords.txt.gz",
    "web/dist/index.html",
    "web/dist/assets/index-abc123.js",
    "shared/reports/fonts/DejaVuSans.ttf",
    "shared/reports/fonts/DejaVuSans-Bold.ttf",
    "shared/reports/fonts/LICENSE",
]
MUST_NOT_SHIP = [
    "tests/infra/test_package.py",
    "tests/conftest.py",
    "bench/bench_load.py",
    "bench/results/latest.json",
    "scripts/render_access.py",
    "web/e2e/documents.mjs",
    "web/src/app.tsx",
    "web/node_modules/preact/package.json",
    "web/package.json",
    "web/vite.config.ts",
    "web/index.html",
    "node_modules/.bin/x",
    ".azure/casedesk-prod/.env",
    ".azure/config.json",
    ".venv/bin/python",
    ".venv-iac/bin/checkov",
    ".git/HEAD",
    ".gitignore",
    ".funcignore",
    "local.settings.json",
    "local.settings.sample.json",
    ".data/store.sqlite",
    "test-artifacts/shot.png",
    "docs/infra.md",
    "infra/main.bicep",
    "infra/hooks/keyvault-mode.sh",
    "azure.yaml",
    "Makefile",
    "README.md",
    "pyproject.toml",
    "requirements-dev.txt",
    "requirements-iac.txt",
    "devhost/wsgi.py",
    "__pycache__/function_app.cpython-311.pyc",
    "shared/__pycache__/config.cpython-311.pyc",
    "functions/http/__pycache__/routing.cpython-311.pyc",
    ".pytest_cache/v/cache/nodeids",
    ".mypy_cache/3.11/x.json",
]
FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2")
# Never searched for fonts or runtime files: dependencies and tool state, not our sources.
NOT_OURS = {".git", ".venv", ".venv-iac", "node_modules", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


def _lines() -> list[str]:
    return FUNCIGNORE.read_text(encoding="utf-8").splitlines()


@cache
def azd_denies() -> Denies:
    spec = pathspec.GitIgnoreSpec.from_lines(_lines())
    return lambda path: bool(spec.match_file(path))


def _core_tools_regex(pattern: str) -> str:
    escaped = re.sub(r"[\-\[\]/{}()+?.\\^$|]", lambda m: "\\" + m.group(0), pattern)
    return escaped.replace("**", "(.+)").replace("*", "([^\\/]+)")


@cache
def core_tools_denies() -> Denies:
    positive: list[str] = []
    negative: list[str] = []
    for raw in _lines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        target = negative if line.startswith("!") else positive
        line = line.removeprefix("!").removeprefix("/")
        target.append(_core_tools_regex(line))
    pos = re.compile("^((" + ")|(".join(positive) + "))") if positive else re.compile("$^")
    neg = re.compile("^((" + ")|(".join(negative) + "))") if negative else re.compile("$^")
    return lambda path: bool(pos.match(path)) and not neg.match(path)


def build_package(denies: Denies, *, directories_as: Callable[[str], str]) -> set[str]:
    """Walk the project like the tool: a directory the rules exclude is not entered (for azd, as
    in git, nothing below it can come back; for Core Tools, every path below it matches too)."""
    files: set[str] = set()
    for root, dirs, names in os.walk(iac.ROOT):
        rel = os.path.relpath(root, iac.ROOT)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        dirs[:] = [d for d in dirs if not denies(directories_as(prefix + d))]
        files |= {prefix + n for n in names if not denies(prefix + n)}
    return files


@cache
def azd_package() -> frozenset[str]:
    return frozenset(build_package(azd_denies(), directories_as=lambda d: d + "/"))


@cache
def core_tools_package() -> frozenset[str]:
    return frozenset(build_package(core_tools_denies(), directories_as=lambda d: d))


def _ours() -> Iterator[str]:
    """Every file of the project tree except dependencies and tool state."""
    for root, dirs, names in os.walk(iac.ROOT):
        dirs[:] = [d for d in dirs if d not in NOT_OURS]
        rel = os.path.relpath(root, iac.ROOT)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        yield from (prefix + n for n in names)


def test_both_tools_build_the_same_package() -> None:
    assert azd_package() == core_tools_package(), sorted(azd_package() ^ core_tools_package())


def test_package_holds_the_app_and_nothing_else() -> None:
    package = azd_package()
    roots = {"web/dist" if p.startswith("web/dist/") else p.split("/")[0] for p in package}
    assert roots <= PACKAGE_ROOTS, sorted(roots - PACKAGE_ROOTS)
    assert {"function_app.py", "host.json", "requirements.txt", "functions", "shared"} <= roots
    for path in package:
        assert "__pycache__" not in path and not path.endswith(".pyc"), path


def test_everything_the_app_reads_at_run_time_is_packaged() -> None:
    """Every file of functions/ and shared/ (code, catalogs, legal texts, the password list,
    fonts) ships; the frontend ships as built, if this checkout has built it."""
    wanted = {p for p in _ours() if p.startswith(("functions/", "shared/")) and "__pycache__" not in p}
    assert wanted and wanted <= azd_package(), sorted(wanted - azd_package())
    built = {p for p in _ours() if p.startswith("web/dist/")}
    assert built <= azd_package()


def test_required_paths_ship_and_stray_ones_do_not() -> None:
    for denies in (azd_denies(), core_tools_denies()):
        shipped = [p for p in MUST_SHIP if denies(p)]
        assert shipped == [], f"excluded but needed: {shipped}"
        stray = [p for p in MUST_NOT_SHIP if not denies(p)]
        assert stray == [], f"would be deployed: {stray}"


def test_every_font_in_the_tree_is_packaged() -> None:
    """Wherever the report fonts end up, they must ship: a font outside functions/ and shared/
    (say fonts/ at the root) is reported here, and no rule may exclude font files by type."""
    fonts = [p for p in _ours() if p.lower().endswith(FONT_SUFFIXES)]
    assert [f for f in fonts if f not in azd_package()] == []
    for name in ("shared/fonts/x.otf", "shared/reports/x.woff2", "functions/assets/fonts/x.ttf"):
        assert not azd_denies()(name) and not core_tools_denies()(name), name


def test_the_report_fonts_are_in_the_real_package() -> None:
    """The fonts the PDF report embeds exist in this checkout and ship (not only "are not
    excluded"): a report without them fails at run time, in production only."""
    from shared.reports import render

    fonts = {f"shared/reports/fonts/{name}" for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE")}
    assert render.FONTS == iac.ROOT / "shared" / "reports" / "fonts"
    assert fonts <= azd_package() and fonts <= core_tools_package(), sorted(fonts - azd_package())
