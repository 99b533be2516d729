"""The item registry (shared/item_types.py) is the one place an item type is declared: this
walks it and checks that every type has everything the rest of the product expects of it —
its item routes and sharing routes, access rows on its route parameter, its names in EN and DE,
the hooks the purge and the export call — and that nothing else keeps its own list of types."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

import function_app
from shared.access.items import ITEM_PARAMS as ACCESS_PARAMS
from shared.access.items import ITEM_TYPES as ACCESS_TYPES
from shared.access.table import TABLE
from shared.i18n import translate
from shared.item_types import REGISTRY, ItemType, hooks
from shared.sharing import ITEM_TYPES as SHARING_TYPES

ROOT = Path(__file__).resolve().parents[2]
KINDS = list(REGISTRY.values())


def _http_routes() -> dict[str, tuple[str, object]]:
    """function name → (route, permission) of every HTTP function of the app."""
    # get_functions() remembers the names it has seen and refuses a second walk of the same app:
    # start from a clean slate, and leave one for the next test that walks it.
    function_app.app.functions_bindings = None
    try:
        found = {}
        for fn in function_app.app.get_functions():
            trigger = fn.get_trigger()
            if type(trigger).__name__ == "HttpTrigger":
                user = fn.get_user_function()
                found[fn.get_function_name()] = (
                    str(trigger.route),
                    getattr(user, "casedesk_permission", None),
                )
        return found
    finally:
        function_app.app.functions_bindings = None


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_type_has_its_item_and_sharing_routes(kind: ItemType) -> None:
    routes = _http_routes()
    one = f"api/cases/{{caseId}}/{kind.segment}/{{{kind.route_param}}}"
    assert any(route == one for route, _ in routes.values()), f"no route reads one {kind.name}"
    assert routes[f"{kind.name}_access"][0] == one + "/access"
    assert routes[f"{kind.name}_grant"][0] == one + "/grants/{userId}"
    assert routes[f"{kind.name}_revoke"][0] == one + "/grants/{userId}"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_item_route_is_guarded_by_an_item_relation(kind: ItemType) -> None:
    """A route naming one item must decide on that item (owner or shared-with), never on the case
    alone: items are private by default."""
    for route, permission in _http_routes().values():
        if "{" + kind.route_param + "}" in route and not route.endswith("/access") and "grants" not in route:
            relations = {g.relation for g in TABLE[permission]}  # type: ignore[index]
            assert relations <= {"item_owner", "item_viewer"}, (route, relations)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
@pytest.mark.parametrize("language", ["en", "de"])
def test_every_type_has_its_names_in_both_languages(kind: ItemType, language: str) -> None:
    for form in ("one", "many"):
        key = f"{kind.catalog_key}.{form}"
        assert translate(key, language) != key, f"{key} missing in {language}"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_type_module_has_the_hooks_the_purge_and_the_export_call(kind: ItemType) -> None:
    module = hooks(kind)
    for name, parameters in (
        ("views_of", ["ports", "items", "user_id"]),
        ("purge_case", ["ports", "case_id"]),
        ("export_owned", ["ports", "case_id", "user_id"]),
    ):
        hook = getattr(module, name, None)
        assert callable(hook), f"{kind.module} has no {name}"
        assert list(inspect.signature(hook).parameters) == parameters, f"{kind.module}.{name}"


def test_the_access_check_sharing_and_the_web_app_read_the_registry() -> None:
    assert ACCESS_TYPES == SHARING_TYPES == frozenset(REGISTRY)
    assert {kind.route_param: kind.name for kind in KINDS} == ACCESS_PARAMS
    rendered = json.loads((ROOT / "web" / "src" / "lib" / "item-types.json").read_text(encoding="utf-8"))
    assert rendered == [{"name": k.name, "segment": k.segment} for k in KINDS], "run: make docs"
