"""The user's price file: location, layering, safe writes, corruption, editing, import."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pricing import CostFlag, PricingEngine, PricingFileError, PricingValidationError, Usage
from pricing.bundled import bundled_catalog
from pricing.catalog import Catalog
from pricing.user_catalog import UserCatalog
from pricing.user_layer import atomic_write, default_user_file, user_config_dir

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.fixture
def user_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "pricing.json"


# -- location ------------------------------------------------------------------------


def test_config_dir_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SPENDTRAIL_CONFIG_DIR", str(tmp_path / "cfg"))
    assert user_config_dir() == tmp_path / "cfg"
    assert default_user_file() == tmp_path / "cfg" / "pricing.json"


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG rules apply on Linux")
def test_config_dir_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SPENDTRAIL_CONFIG_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert user_config_dir() == tmp_path / "xdg" / "spendtrail"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_config_dir() == tmp_path / "home" / ".config" / "spendtrail"


def test_config_dir_macos_and_windows(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SPENDTRAIL_CONFIG_DIR", raising=False)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    monkeypatch.setattr(sys, "platform", "darwin")
    assert user_config_dir() == tmp_path / "Library" / "Application Support" / "Spendtrail"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    assert user_config_dir() == tmp_path / "Roaming" / "Spendtrail"


def test_engine_uses_the_default_user_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SPENDTRAIL_CONFIG_DIR", str(tmp_path))
    user = UserCatalog.load()
    user.add_model(
        "me/house-model", provider="ollama", model="house-model", rates={"input": 1, "output": 1}
    )
    user.save()
    assert (tmp_path / "pricing.json").exists()
    engine = PricingEngine.load()
    assert engine.match("house-model", "ollama") is not None


# -- corrupt or unreadable files --------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"format": "spendtrail-pricing",\n "models": [\n  {,}\n]}', "line 3: invalid JSON"),
        ('{"models": []}', "not a Spendtrail price file"),
        ('{"format": "spendtrail-pricing", "format_version": 9, "models": []}', "format_version 9"),
        ("\udcff", "cannot be read"),
    ],
)
def test_corrupt_user_file_is_reported_ignored_and_left_alone(
    user_file: Path, content: str, message: str
) -> None:
    user_file.parent.mkdir(parents=True)
    if content == "\udcff":
        user_file.write_bytes(b"\xff\xfe\x00garbage")
    else:
        user_file.write_text(content, encoding="utf-8")
    before = user_file.read_bytes()
    engine = PricingEngine.load(user_file=user_file)
    assert len(engine.problems) == 1
    assert message in engine.problems[0]
    assert str(user_file) in engine.problems[0]
    assert "user prices ignored; bundled prices still used" in engine.problems[0]
    assert engine.match("gpt-4o", "openai") is not None  # bundled prices still work
    with pytest.raises(PricingFileError, match="left untouched"):
        UserCatalog.load(user_file)
    assert user_file.read_bytes() == before


def test_one_bad_entry_is_skipped_the_rest_is_used(user_file: Path) -> None:
    user_file.parent.mkdir(parents=True)
    good = {
        "id": "me/a",
        "provider": "ollama",
        "model": "a",
        "versions": [{"rates": {"input": "1", "output": "1"}}],
    }
    bad = {
        **good,
        "id": "me/b",
        "model": "b",
        "versions": [{"rates": {"input": "-1", "output": "1"}}],
    }
    user_file.write_text(json.dumps({"format": "spendtrail-pricing", "models": [good, bad]}))
    engine = PricingEngine.load(user_file=user_file)
    assert engine.match("a", "ollama") is not None
    assert engine.match("b", "ollama") is None
    assert len(engine.problems) == 1
    assert "'me/b'" in engine.problems[0]


# -- atomic writes ---------------------------------------------------------------------


def test_save_keeps_a_backup(user_file: Path) -> None:
    user = UserCatalog(user_file)
    user.add_model("me/a", provider="ollama", model="a", rates={"input": 1, "output": 2})
    user.save()
    first = user_file.read_text()
    assert not user_file.with_name("pricing.json.bak").exists()
    user.set_rate("me/a", "input", "3")
    user.save()
    assert user_file.with_name("pricing.json.bak").read_text() == first
    assert '"input": "3"' in user_file.read_text()
    assert [p.name for p in user_file.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_crash_during_replace_leaves_previous_file_intact(
    user_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = UserCatalog(user_file)
    user.add_model("me/a", provider="ollama", model="a", rates={"input": 1, "output": 2})
    user.save()
    before = user_file.read_bytes()
    user.set_rate("me/a", "input", "9")
    real_replace = os.replace

    def crash(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst) == user_file:
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        user.save()
    assert user_file.read_bytes() == before
    assert [p.name for p in user_file.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_crash_while_writing_leaves_previous_file_intact(
    user_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    atomic_write(user_file, "old contents\n")

    def fail(fd: int) -> None:
        raise OSError("I/O error")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError, match="I/O error"):
        atomic_write(user_file, "new contents\n")
    monkeypatch.undo()
    assert user_file.read_text() == "old contents\n"
    assert sorted(p.name for p in user_file.parent.iterdir()) == ["pricing.json"]


# -- layering and overrides ---------------------------------------------------------


def test_user_entry_with_bundled_id_overrides_and_new_ids_add(user_file: Path) -> None:
    user = UserCatalog(user_file)
    user.set_rate("openai/gpt-4.1", "input", "1.5")  # editing a bundled model makes an override
    user.add_model(
        "me/house", provider="openai", model="house-gpt", rates={"input": 1, "output": 1}
    )
    user.save()
    engine = PricingEngine.load(user_file=user_file, now=NOW)
    explanation = engine.explain(
        "gpt-4.1", "openai", ts("2026-06-01"), None, Usage(input_tokens=1_000_000)
    )
    assert explanation.total == Decimal("1.5")
    assert explanation.origin == "user"
    assert explanation.flags & CostFlag.USER_PRICE
    assert explanation.price_id is not None
    assert explanation.price_id.startswith("user:openai/gpt-4.1@")
    match = engine.match("gpt-4.1", "openai")
    assert match is not None
    assert match.origin == "user"
    assert "bundled price unchanged since" in " ".join(match.notes)
    assert engine.match("house-gpt", "openai") is not None
    assert len([e for e in engine.catalog.entries if e.id == "openai/gpt-4.1"]) == 1


def test_a_user_model_with_a_bundled_name_wins(user_file: Path) -> None:
    user = UserCatalog(user_file)
    user.add_model(
        "me/gpt-4o-negotiated", provider="openai", model="gpt-4o", rates={"input": 1, "output": 4}
    )
    engine = PricingEngine(user.effective())
    match = engine.match("gpt-4o", "openai")
    assert match is not None
    assert match.entry_id == "me/gpt-4o-negotiated"
    assert engine.match("gpt-4o-2024-08-06", "openai").entry_id == "openai/gpt-4o-2024-08-06"  # type: ignore[union-attr]


def test_override_shows_when_the_bundled_price_changed_underneath(user_file: Path) -> None:
    user = UserCatalog(user_file)
    user.set_rate("openai/o3", "input", "1.9")
    user.save()
    bundled = bundled_catalog()
    o3 = bundled.by_id()["openai/o3"]
    newer = replace(
        o3.versions[-1], effective_from=datetime(2026, 12, 1, tzinfo=UTC), source="newer list"
    )
    moved = Catalog(
        entries=tuple(
            replace(e, versions=(*e.versions, newer)) if e.id == "openai/o3" else e
            for e in bundled.entries
        ),
        name=bundled.name,
        checked=bundled.checked,
    )
    reloaded = UserCatalog.load(user_file, bundled=moved)
    status = reloaded.override_status("openai/o3")
    assert "bundled price has changed since" in status
    assert "2026-12-01" in status
    assert reloaded.bundled_changed("openai/o3")
    assert not UserCatalog.load(user_file).bundled_changed("openai/o3")
    assert (
        UserCatalog.load(user_file)
        .override_status("openai/o3")
        .endswith("(bundled price unchanged since)")
    )


def test_revert_and_delete(user_file: Path) -> None:
    user = UserCatalog(user_file)
    user.set_rate("openai/gpt-5", "output", "9")
    assert user.is_override("openai/gpt-5")
    user.revert("openai/gpt-5")
    assert user.get("openai/gpt-5") is None
    with pytest.raises(PricingValidationError, match="not an override"):
        user.revert("openai/gpt-5")
    with pytest.raises(PricingValidationError, match="bundled model and cannot be deleted"):
        user.delete("openai/gpt-5")
    user.add_model("me/x", provider="ollama", model="x", rates={"input": 0, "output": 0})
    user.delete("me/x")
    assert user.entries == ()


# -- the editing API ------------------------------------------------------------------


def test_blank_and_zero_are_different(user_file: Path) -> None:
    user = UserCatalog(user_file)
    user.add_model(
        "me/m", provider="ollama", model="m", rates={"input": "2", "output": "4", "cache_read": "0"}
    )
    engine = PricingEngine(user.effective())
    free = engine.explain("m", "ollama", ts("2026-01-01"), None, Usage(cache_read_tokens=1_000_000))
    assert free.total == Decimal(0)
    assert not free.flags & CostFlag.ASSUMED_CACHE_READ
    user.set_rate("me/m", "cache_read", None)  # blank: falls back to the input rate
    engine = PricingEngine(user.effective())
    assumed = engine.explain(
        "m", "ollama", ts("2026-01-01"), None, Usage(cache_read_tokens=1_000_000)
    )
    assert assumed.total == Decimal(2)
    assert assumed.flags & CostFlag.ASSUMED_CACHE_READ
    user.set_rate("me/m", "cache_read", "")  # an empty field is blank too
    entry = user.get("me/m")
    assert entry is not None
    assert entry.versions[0].rates.cache_read is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda u: u.set_rate("me/m", "input", "-1"), "must not be negative"),
        (lambda u: u.set_rate("me/m", "input", None), "input rate is required"),
        (lambda u: u.set_rate("me/m", "colour", "1"), "unknown rate"),
        (lambda u: u.set_long_context("me/m", 0, rates={"input": 1}), "positive token count"),
        (lambda u: u.set_long_context("me/m", 1000, op="=>", rates={"input": 1}), "must be"),
        (lambda u: u.set_variant("me/m", "batch", multiplier="0"), "multiplier must be positive"),
        (lambda u: u.set_variant("me/m", "turbo", multiplier="2"), "is not one of"),
        (lambda u: u.add_version("me/m", "2025-13-01", {"input": 1}), "not a valid date"),
        (
            lambda u: u.add_model("me/m", provider="x", model="y", rates={"input": 1, "output": 1}),
            "already used",
        ),
        (
            lambda u: u.add_model(
                "openai/o3", provider="x", model="y", rates={"input": 1, "output": 1}
            ),
            "bundled model",
        ),
        (
            lambda u: u.add_model("", provider="x", model="y", rates={"input": 1, "output": 1}),
            "non-empty id",
        ),
        (lambda u: u.duplicate("nope", "me/n", model="n"), "no model with id"),
        (
            lambda u: u.set_rate("me/m", "input", "1", version="2030-01-01"),
            "no price version 2030-01-01",
        ),
    ],
)
def test_edits_are_validated_and_change_nothing_when_refused(
    user_file: Path, call: object, message: str
) -> None:
    user = UserCatalog(user_file)
    user.add_model("me/m", provider="ollama", model="m", rates={"input": 1, "output": 2})
    before = user.entries
    with pytest.raises(PricingValidationError, match=message):
        call(user)  # type: ignore[operator]
    assert user.entries == before


def test_add_version_keeps_earlier_calls_and_refuses_dates_before_the_earliest(
    user_file: Path,
) -> None:
    user = UserCatalog(user_file)
    user.add_model(
        "me/m",
        provider="ollama",
        model="m",
        rates={"input": 1, "output": 2},
        effective_from="2025-01-01",
    )
    user.set_long_context("me/m", 100_000, rates={"input": 3, "output": 4})
    user.set_variant("me/m", "batch", multiplier="0.5")
    user.add_version("me/m", "2026-01-01", {"input": "0.5"}, note="price cut")
    entry = user.get("me/m")
    assert entry is not None
    assert [v.label for v in entry.versions] == ["2025-01-01", "2026-01-01"]
    assert entry.versions[1].tiers == entry.versions[0].tiers  # copied from the version it follows
    assert entry.versions[1].variant("batch") is not None
    engine = PricingEngine(user.effective())
    usage = Usage(input_tokens=1000)
    assert engine.explain("m", "ollama", ts("2024-06-01"), None, usage).total == Decimal("0.001")
    assert engine.explain("m", "ollama", ts("2026-06-01"), None, usage).total == Decimal("0.0005")
    with pytest.raises(PricingValidationError, match="before the earliest price version"):
        user.add_version("me/m", "2024-06-01", {"input": 9})
    with pytest.raises(PricingValidationError, match="already has a price version"):
        user.add_version("me/m", "2026-01-01", {"input": 9})
    user.delete_version("me/m", "2026-01-01")
    assert len(user.get("me/m").versions) == 1  # type: ignore[union-attr]


def test_duplicate_and_tier_and_variant_rates(user_file: Path) -> None:
    user = UserCatalog(user_file)
    copy = user.duplicate(
        "anthropic/claude-sonnet-4-5", "me/sonnet-negotiated", model="sonnet-negotiated"
    )
    assert copy.origin == "user"
    assert len(copy.versions) == len(
        bundled_catalog().by_id()["anthropic/claude-sonnet-4-5"].versions
    )
    user.set_variant("me/sonnet-negotiated", "priority", rates={"input": "4", "output": "20"})
    user.set_long_context(
        "me/sonnet-negotiated", 150_000, op=">=", rates={"input": "5", "output": "25"}
    )
    user.save()
    engine = PricingEngine.load(user_file=user_file)
    at = engine.explain(
        "sonnet-negotiated", "anthropic", ts("2026-06-01"), None, Usage(input_tokens=150_000)
    )
    assert at.total == Decimal("0.75")
    priority = engine.explain(
        "sonnet-negotiated", "anthropic", ts("2026-06-01"), "priority", Usage(input_tokens=1000)
    )
    assert priority.total == Decimal("0.004")
    user.set_variant("me/sonnet-negotiated", "priority")  # no multiplier, no rates: removed
    assert user.get("me/sonnet-negotiated").versions[-1].variant("priority") is None  # type: ignore[union-attr]
    user.set_long_context("me/sonnet-negotiated", None)
    assert user.get("me/sonnet-negotiated").versions[-1].tiers == ()  # type: ignore[union-attr]
    user.set_names(
        "me/sonnet-negotiated", aliases=["sonnet-n"], match_rules=[("prefix", "sonnet-neg")]
    )
    engine = PricingEngine(user.effective())
    assert engine.match("sonnet-n", "anthropic") is not None
    rule = engine.match("SONNET-NEGOTIATED-v2", "anthropic")
    assert rule is not None
    assert rule.rule == "user rule prefix 'sonnet-neg'"


def test_removing_a_tier_also_removes_variant_tier_rates(user_file: Path) -> None:
    user = UserCatalog(user_file)
    user.add_model("me/m", provider="ollama", model="m", rates={"input": 1, "output": 2})
    user.set_long_context("me/m", 1000, rates={"input": 2, "output": 4})
    user.set_variant("me/m", "priority", rates={"input": 3}, tier_rates={1000: {"input": 5}})
    user.set_long_context("me/m", None)
    version = user.get("me/m").versions[0]  # type: ignore[union-attr]
    assert version.tiers == ()
    assert version.variant("priority").tier_rates == ()  # type: ignore[union-attr]


def test_user_added_model_prices_all_its_earlier_calls(user_file: Path) -> None:
    user = UserCatalog(user_file)
    user.add_model(
        "me/new",
        provider="openai",
        model="gpt-new",
        rates={"input": 1, "output": 1},
        effective_from="2026-11-01",
    )
    engine = PricingEngine(user.effective())
    assert engine.explain(
        "gpt-new", "openai", ts("2024-01-01"), None, Usage(input_tokens=1000)
    ).total == Decimal("0.001")


# -- import ---------------------------------------------------------------------------


def _litellm_map(path: Path) -> Path:
    data = {
        "sample_spec": {"input_cost_per_token": 0, "mode": "chat"},
        "gpt-4.1": {
            "input_cost_per_token": 1.5e-06,
            "output_cost_per_token": 8e-06,
            "cache_read_input_token_cost": 5e-07,
            "litellm_provider": "openai",
            "mode": "chat",
        },
        "gpt-4o-mini": {
            "input_cost_per_token": 1.5e-07,
            "output_cost_per_token": 6e-07,
            "cache_read_input_token_cost": 7.5e-08,
            "input_cost_per_token_batches": 7.5e-08,
            "output_cost_per_token_batches": 3e-07,
            "cache_read_input_token_cost_batches": 3.75e-08,
            "input_cost_per_token_priority": 2.5e-07,
            "output_cost_per_token_priority": 1e-06,
            "cache_read_input_token_cost_priority": 1.25e-07,
            "search_context_cost_per_query": {"search_context_size_medium": 0.025},
            "litellm_provider": "openai",
            "mode": "chat",
        },
        "my-private-model": {
            "input_cost_per_token": 1e-07,
            "output_cost_per_token": 2e-07,
            "litellm_provider": "openai",
            "mode": "chat",
        },
        "dall-e-3": {
            "output_cost_per_image": 0.04,
            "litellm_provider": "openai",
            "mode": "image_generation",
        },
    }
    path.write_text(json.dumps(data))
    return path


def test_import_preview_then_apply(user_file: Path, tmp_path: Path) -> None:
    source = _litellm_map(tmp_path / "map.json")
    user = UserCatalog(user_file)
    preview = user.preview_import(source)
    assert [i.entry.id for i in preview.added] == ["litellm:my-private-model"]
    assert [i.entry.id for i in preview.changed] == ["openai/gpt-4.1"]
    assert [i.entry.id for i in preview.unchanged] == ["openai/gpt-4o-mini"]
    assert any("dall-e-3" in s for s in preview.skipped)
    change = preview.changed[0].changes
    assert ("input", "2", "1.5") in [(c.what, c.old, c.new) for c in change]
    text = "\n".join(preview.lines())
    assert "1 added, 1 changed, 1 unchanged, 1 skipped" in text
    assert user.entries == ()  # a preview changes nothing
    assert user.apply_import(preview) == 2
    user.save()
    engine = PricingEngine.load(user_file=user_file, now=NOW)
    usage = Usage(input_tokens=1_000_000)
    assert engine.explain("gpt-4.1", "openai", ts("2026-06-01"), None, usage).total == Decimal(
        "1.5"
    )
    assert engine.explain(
        "my-private-model", "openai", ts("2026-06-01"), None, usage
    ).total == Decimal("0.1")
    again = UserCatalog.load(user_file).preview_import(source)
    assert again.added == ()
    assert again.changed == ()


def test_import_keeps_history_before_the_current_version(user_file: Path, tmp_path: Path) -> None:
    data = {
        "o3": {
            "input_cost_per_token": 1e-06,
            "output_cost_per_token": 4e-06,
            "litellm_provider": "openai",
            "mode": "chat",
        }
    }
    source = tmp_path / "o3.json"
    source.write_text(json.dumps(data))
    user = UserCatalog(user_file)
    user.apply_import(user.preview_import(source))
    engine = PricingEngine(user.effective())
    usage = Usage(input_tokens=100_000)
    assert engine.explain("o3", "openai", ts("2025-05-01"), None, usage).total == Decimal(1)
    assert engine.explain("o3", "openai", ts("2026-05-01"), None, usage).total == Decimal("0.1")


def test_import_our_format_by_id(user_file: Path, tmp_path: Path) -> None:
    user = UserCatalog(user_file)
    user.add_model("me/a", provider="ollama", model="a", rates={"input": 1, "output": 1})
    export = tmp_path / "export.json"
    other = UserCatalog(export)
    other.add_model("me/a", provider="ollama", model="a", rates={"input": 2, "output": 1})
    other.add_model("me/b", provider="ollama", model="b", rates={"input": 2, "output": 1})
    other.save()
    preview = user.preview_import(export)
    assert [i.entry.id for i in preview.changed] == ["me/a"]
    assert [i.entry.id for i in preview.added] == ["me/b"]
    user.apply_import(preview, include_changed=False)
    assert user.get("me/a").versions[0].rates.input == Decimal(1)  # type: ignore[union-attr]
    assert user.get("me/b") is not None


def test_import_compares_time_windows_by_what_they_charge(user_file: Path, tmp_path: Path) -> None:
    # LiteLLM writes DeepSeek V4 as peak rates plus off-peak windows, we write the
    # reverse; the same schedule must not show up as a change
    source = tmp_path / "deepseek.json"
    source.write_text(
        json.dumps(
            {
                "deepseek/deepseek-v4-flash": {
                    "input_cost_per_token": 3e-07,
                    "output_cost_per_token": 1.2e-06,
                    "input_cost_per_token_cache_hit": 6e-09,
                    "litellm_provider": "deepseek",
                    "mode": "chat",
                    "off_peak_pricing": {
                        "input_cost_per_token": 1.5e-07,
                        "output_cost_per_token": 6e-07,
                        "cache_read_input_token_cost": 3e-09,
                        "windows": [
                            {
                                "hours_utc": ["00:00-01:00", "04:00-06:00", "10:00-00:00"],
                                "weekdays": [1, 2, 3, 4, 5],
                            },
                            {"hours_utc": "00:00-00:00", "weekdays": [6, 7]},
                        ],
                    },
                }
            }
        )
    )
    preview = UserCatalog(user_file).preview_import(source)
    assert [i.entry.id for i in preview.unchanged] == ["deepseek/deepseek-v4-flash"]
    assert preview.changed == ()
