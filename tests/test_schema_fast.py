"""The compiled fast path (schema.fast_validator) never passes what jsonschema refuses,
so findings are jsonschema's either way."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai import schema as schemas

CATALOGUES = Path(__file__).resolve().parent.parent / "catalogues"


def _item_schemas() -> list[tuple[str, dict]]:
    out = [("_record", yaml.safe_load((CATALOGUES / "_record.yml").read_text("utf-8")))]
    for path in sorted(CATALOGUES.glob("[!_]*.yml")):
        for item in yaml.safe_load(path.read_text("utf-8"))["items"]:
            out.append((f"{path.stem}/{item['id']}", item["schema"]))
    return out


SCHEMAS = _item_schemas()


def _names(schema, found=None) -> set:
    """Every property name and enum value in a schema: the values hostile data is made of."""
    found = set() if found is None else found
    if isinstance(schema, dict):
        for k, v in schema.items():
            if k == "properties" and isinstance(v, dict):
                found.update(v)
            if k in ("enum",) and isinstance(v, list):
                found.update(x for x in v if isinstance(x, str))
            _names(v, found)
    elif isinstance(schema, list):
        for v in schema:
            _names(v, found)
    return found


TRICKY = [
    True, False, None, 0, 1, -1, 1.0, 0.5, -0.01, 10**20, math.inf, -math.inf, math.nan, "", "x", "是", "否",
    "2014-01-01", "2014-02-30", "2014-13-01", "２０１４-01-01", "2014-01", "2014-Q1", "2014", "0374", "１２３",
    "411099********1234", "13812345678", "a\u200bb", " ", "有效", "失效", "废止", "主动公开", "月", [], {},
]


def values(names: list[str]):
    leaves = st.sampled_from(TRICKY + names) | st.integers(-5, 10**6) | st.floats(allow_nan=True) | st.text(max_size=8)
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(names) if names else st.text(max_size=3), inner, max_size=8),
        max_leaves=30,
    )


@pytest.mark.parametrize("name,schema", SCHEMAS, ids=[n for n, _ in SCHEMAS])
def test_the_real_catalogue_schemas_get_a_fast_path(name, schema):
    assert (schemas.fast_validator(schema) is not None) == (name != "government/annual-report"), name  # its enum is of numbers


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
@pytest.mark.parametrize("name,schema", SCHEMAS, ids=[n for n, _ in SCHEMAS])
def test_fast_passes_only_what_jsonschema_passes(name, schema, data):
    names = sorted(_names(schema))
    instance = data.draw(st.dictionaries(st.sampled_from(names) if names else st.text(max_size=3), values(names), max_size=12))
    fast = schemas.fast_validator(schema)
    try:
        fast(instance)
        passed = True
    except Exception:
        passed = False
    if passed:
        assert list(schemas.make_validator(schema).iter_errors(instance)) == [], (name, instance)


@pytest.mark.parametrize(
    "schema,instance",
    [
        ({"type": "object", "properties": {"p": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}}}, {"p": "２０１４-01"}),
        ({"type": "object", "properties": {"d": {"type": "string", "format": "date"}}}, {"d": "2014-02-30"}),
        ({"type": "object", "properties": {"v": {"enum": ["1", "2"]}}}, {"v": 1}),
        ({"type": "object", "properties": {"n": {"type": "number"}}}, {"n": True}),
        ({"type": "object", "properties": {"n": {"type": "integer"}}}, {"n": False}),
        ({"type": "object", "additionalProperties": False, "properties": {"a": {}}}, {1: "x"}),
    ],
)
def test_what_jsonschema_refuses_the_fast_path_refuses(schema, instance):
    assert list(schemas.make_validator(schema).iter_errors(instance))
    fast = schemas.fast_validator(schema)
    with pytest.raises(Exception):  # noqa: B017 - any refusal hands the record to jsonschema
        fast(instance)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "prefixItems": [{"type": "string"}]},  # 2020-12 only: fastjsonschema would ignore it
        {"type": "object", "properties": {"v": {"enum": [1, 2]}}},  # Python's == takes True for 1
        {"type": "object", "properties": {"v": {"$ref": "#/$defs/x"}}, "$defs": {"x": {"type": "string"}}},
        {"type": "array", "uniqueItems": True},
    ],
)
def test_schemas_beyond_the_safe_keywords_keep_to_jsonschema(schema):
    assert schemas.fast_validator(schema) is None
