"""The catalog shipped inside the package (``pricing/data/catalog.json``)."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources

from pricing.catalog import ORIGIN_BUNDLED, Catalog, ModelEntry
from pricing.catalog_json import catalog_from_document, entry_to_dict, load_json_text

BUNDLED_NAME = "pricing/data/catalog.json"


def bundled_text() -> str:
    return resources.files("pricing").joinpath("data", "catalog.json").read_text(encoding="utf-8")


@cache
def bundled_catalog() -> Catalog:
    """The bundled catalog, parsed once; a broken bundled file is a bug and raises."""
    document = load_json_text(bundled_text(), BUNDLED_NAME)
    catalog, _ = catalog_from_document(document, origin=ORIGIN_BUNDLED, name=BUNDLED_NAME)
    return catalog


def entry_fingerprint(entry: ModelEntry) -> str:
    """Short stable hash of an entry's content (to notice changes under an override)."""
    data = entry_to_dict(entry)
    data.pop("based_on", None)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
