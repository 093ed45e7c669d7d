"""Price files we can read: our catalog JSON or a LiteLLM price map (detected)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pricing.catalog import Catalog
from pricing.catalog_json import catalog_from_document, is_catalog_document, load_json_text
from pricing.errors import PricingFileError, PricingValidationError
from pricing.litellm_import import catalog_from_litellm, is_litellm_map

FileFormat = Literal["spendtrail", "litellm"]


@dataclass(frozen=True, slots=True)
class LoadedFile:
    catalog: Catalog
    format: FileFormat
    skipped: list[str]  # entries left out, with the reason


def load_price_file(path: Path) -> LoadedFile:
    """Read and convert a price file; raises :class:`PricingFileError` with advice."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PricingFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise PricingFileError(f"{path}: is a directory, expected a JSON price file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PricingFileError(f"{path}: cannot be read ({error})") from None
    document = load_json_text(text, str(path))
    origin = f"file:{path.name}"
    if is_catalog_document(document):
        try:
            catalog, _ = catalog_from_document(document, origin=origin, name=str(path))
        except PricingValidationError as error:
            raise PricingFileError(str(error)) from None
        return LoadedFile(catalog, "spendtrail", [])
    if is_litellm_map(document):
        assert isinstance(document, dict)
        imported = catalog_from_litellm(document, name=path.name, checked=datetime.now(UTC).date())
        if not imported.catalog.entries:
            raise PricingFileError(f"{path}: a LiteLLM price map, but no entry has token prices")
        return LoadedFile(imported.catalog, "litellm", list(imported.skipped))
    raise PricingFileError(
        f"{path}: not a price file we know. Expected a Spendtrail catalog "
        '(with "format": "spendtrail-pricing") or a LiteLLM price map '
        "(model names mapping to objects with input_cost_per_token, …)"
    )
