"""The error tree: every domain error sits under one category, the HTTP layer maps categories only,
the module docstring draws the whole tree, and every code has its page in docs/problems/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import shared.errors
from functions.http import STATUS_OF_CATEGORY
from scripts.render_problems import PAGES, error_classes, every_code, render_pages
from shared.errors import CATEGORIES, CaseDeskError, FieldError, InvalidInput, NotFound


def product_errors() -> list[type[CaseDeskError]]:
    return [cls for classes in error_classes().values() for cls in classes]


def test_the_categories_are_the_direct_subclasses_and_each_has_one_status() -> None:
    direct = {
        cls for cls in CaseDeskError.__subclasses__() if cls.__module__.startswith(("shared", "functions"))
    }
    assert direct == set(CATEGORIES)
    assert set(STATUS_OF_CATEGORY) == set(CATEGORIES)
    # The HTTP layer knows the tree's categories, not the domain modules' errors.
    assert {cls.__module__ for cls in STATUS_OF_CATEGORY} == {"shared.errors"}


@pytest.mark.parametrize("error", product_errors(), ids=lambda cls: cls.__name__)
def test_every_domain_error_derives_from_exactly_one_category(error: type[CaseDeskError]) -> None:
    if error is CaseDeskError:
        return
    assert len([c for c in error.__mro__ if c in CATEGORIES]) == 1


def test_codes_are_unique_and_snake_case() -> None:
    for code, classes in error_classes().items():
        assert len(classes) == 1, (code, classes)
        assert code.replace("_", "").isalpha() and code == code.lower(), code


def test_the_module_docstring_draws_every_class_of_the_tree() -> None:
    drawn = set(re.findall(r"(?:^    |── )([A-Z]\w+)", shared.errors.__doc__ or "", re.MULTILINE))
    defined = {
        name
        for name in shared.errors.__all__
        if isinstance(getattr(shared.errors, name), type)
        and issubclass(getattr(shared.errors, name), CaseDeskError)
    }
    assert drawn == defined


def test_an_invalid_input_lists_every_field_it_was_given_or_else_itself() -> None:
    several = InvalidInput("schema", errors=[FieldError("a", "required"), FieldError("b.c", "too_long")])
    assert [e.field for e in several.field_errors] == ["a", "b.c"] and several.field == "a"
    assert InvalidInput("bad", field="version").field_errors == (FieldError("version", "invalid_input"),)
    assert InvalidInput().field_errors == (FieldError(None, "invalid_input"),)
    assert NotFound().field_errors == ()


def test_every_code_has_a_current_page_in_docs_problems() -> None:
    pages = render_pages()
    assert {f"{code}.md" for code in every_code()} <= set(pages)
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in PAGES.glob("*.md")}
    missing = sorted(set(pages) - set(on_disk))
    stale = sorted(name for name in pages if name in on_disk and on_disk[name] != pages[name])
    orphans = sorted(set(on_disk) - set(pages))
    assert (missing, stale, orphans) == ([], [], []), "run .venv/bin/python scripts/render_problems.py"


def test_the_decision_record_describes_the_shape() -> None:
    record = (
        Path(__file__).resolve().parents[2] / "docs" / "decisions" / "017-problem-shape-and-versioning.md"
    )
    text = record.read_text(encoding="utf-8")
    for member in ("type", "title", "status", "detail", "instance", "code", "errors"):
        assert f"`{member}`" in text, member
