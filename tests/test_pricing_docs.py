"""The generated catalog page is current, and the package never needs Qt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pricing.bundled import bundled_catalog
from pricing.catalog_json import catalog_from_document, load_json_text
from pricing.listing import FORMAT_SECTION, markdown_listing

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "pricing-catalog.md"


def test_docs_listing_is_fresh() -> None:
    expected = markdown_listing(bundled_catalog())
    actual = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    assert actual == expected, (
        "docs/pricing-catalog.md is stale; regenerate it with "
        "`python -m pricing.listing > docs/pricing-catalog.md`"
    )


def test_format_example_in_the_docs_is_valid() -> None:
    example = FORMAT_SECTION.split("```json\n", 1)[1].split("```", 1)[0]
    catalog, problems = catalog_from_document(
        load_json_text(example, "example"), origin="user", name="example"
    )
    assert problems == []
    assert [v.label for v in catalog.entries[0].versions] == ["since launch", "2026-12-01"]


BLOCK_QT = """
import importlib.abc, sys

class NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in {"PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph"}:
            raise ImportError(f"pricing must not import {name}")
        return None

sys.meta_path.insert(0, NoQt())
import pkgutil, pricing
for module in pkgutil.iter_modules(pricing.__path__):
    __import__(f"pricing.{module.name}")
from pricing.cli import main
sys.exit(main(["pricing", "list", "--provider", "mistral"]))
"""


def test_package_imports_and_runs_without_qt(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_QT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"SPENDTRAIL_CONFIG_DIR": str(tmp_path), "PATH": "", "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "mistral/mistral-large-latest" in result.stdout
