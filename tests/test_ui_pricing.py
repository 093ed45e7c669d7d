"""The pricing editor: edits re-price the open data, are saved safely, and can be undone."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from PySide6.QtCore import Qt

from desktop.store.dataset import Filters
from desktop.store.pricer import PricingSpec
from desktop.store.session import OpenRequest
from desktop.ui.add_model_dialog import AddModelDialog
from desktop.ui.catalog_model import COLUMN_KEYS, CatalogModel
from desktop.ui.context import AppContext
from desktop.ui.pricing_editor import PricingEditor
from pricing.user_catalog import UserCatalog
from pricing.user_layer import default_user_file
from tests.helpers import TEST_CATALOG, call, write_jsonl

MINI = "openai/gpt-4.1-mini"  # test catalog: input 0.4, output 1.6, cache read 0.1 per 1M


@dataclass
class Env:
    ctx: AppContext
    editor: PricingEditor
    user_file: Path

    def totals(self):
        dataset = self.ctx.session.dataset
        return dataset.totals(dataset.mask(self.ctx.state.effective_filters()))

    def stored_costs(self, model: str) -> list[float | None]:
        rows = self.ctx.session.dataset.read().execute(
            "SELECT cost_usd FROM calls WHERE model = ? ORDER BY id", (model,)
        )
        return [r[0] for r in rows]

    def frame_costs(self, model: str) -> list[float]:
        dataset = self.ctx.session.dataset
        mask = dataset.mask(Filters(where=(("model", (model,)),)))
        return dataset.frame.num("cost_usd")[mask].tolist()

    def file_rates(self, entry_id: str, version: int = -1) -> dict[str, str]:
        document = orjson.loads(self.user_file.read_bytes())
        entry = next(m for m in document["models"] if m["id"] == entry_id)
        return entry["versions"][version]["rates"]


CALLS = [
    call("2026-07-01T10:00:00Z", input_tokens=1000, output_tokens=100),
    call("2026-07-01T10:01:00Z", input_tokens=1000, output_tokens=100),
    call(
        "2026-07-01T10:02:00Z",
        "claude-sonnet-4-5-20250929",
        provider="anthropic",
        input_tokens=10_000,
        output_tokens=1_000,
    ),
    call("2026-07-01T10:03:00Z", "gpt-4.2-mini", input_tokens=2000, output_tokens=500),
    call(
        "2026-06-15T00:00:00Z",
        "priced-later",
        provider="example",
        input_tokens=1000,
        output_tokens=100,
    ),
    call(
        "2026-07-15T00:00:00Z",
        "priced-later",
        provider="example",
        input_tokens=1000,
        output_tokens=100,
    ),
]
# per 1M tokens: gpt-4.1-mini 2 x (1,000 x 0.4 + 100 x 1.6) = 1,120; sonnet 10,000 x 3 +
# 1,000 x 15 = 45,000; priced-later 1,000 x 1 + 100 x 2 = 1,200 before July, x10 after
BEFORE = (1_120 + 45_000 + 1_200 + 12_000) / 1e6


def _open(ctx: AppContext, qtbot, paths: tuple[Path, ...], spec: PricingSpec) -> None:
    with qtbot.waitSignal(ctx.session.loaded, timeout=60_000):
        ctx.session.open(OpenRequest(paths, spec))


@pytest.fixture
def env(tmp_path: Path, qtbot):
    user_file = default_user_file()  # the test's own config dir
    user_file.parent.mkdir(parents=True, exist_ok=True)
    user_file.write_bytes(TEST_CATALOG.read_bytes())
    log = write_jsonl(tmp_path / "calls.jsonl", CALLS)
    ctx = AppContext.create()
    editor = PricingEditor(ctx)
    qtbot.addWidget(editor)
    editor.resize(1400, 900)
    _open(ctx, qtbot, (log,), PricingSpec())
    qtbot.waitUntil(lambda: editor.data_checked, timeout=30_000)
    yield Env(ctx, editor, user_file)
    ctx.session.shutdown()
    ctx.tasks.wait()


def _cell(editor: PricingEditor, entry_id: str, key: str):
    row = editor.catalog_model.row_of(entry_id)
    source = editor.catalog_model.index(row, COLUMN_KEYS.index(key))
    return editor.proxy.mapFromSource(source)


def _type_rate(env: Env, qtbot, entry_id: str, key: str, text: str) -> None:
    """Edit a rate cell as the table's editor does (setData on the view's model)."""
    with qtbot.waitSignal(env.ctx.session.data_changed, timeout=30_000):
        assert env.editor.proxy.setData(_cell(env.editor, entry_id, key), text) is False


def test_the_open_data_is_priced_as_expected(env: Env) -> None:
    totals = env.totals()
    assert totals.cost_usd == pytest.approx(BEFORE, rel=1e-12)
    assert totals.unpriced_calls == 1


def test_editing_a_price_reprices_everything_and_saves_the_file(env: Env, qtbot) -> None:
    _type_rate(env, qtbot, MINI, "input", "1.0")
    # gpt-4.1-mini: 2 x (1,000 x 1.0 + 100 x 1.6) = 2,320 instead of 1,120 (per 1M tokens)
    assert env.totals().cost_usd == pytest.approx(BEFORE + (2_320 - 1_120) / 1e6, rel=1e-12)
    assert env.frame_costs("gpt-4.1-mini") == pytest.approx([1160e-6, 1160e-6], rel=1e-12)
    assert env.file_rates(MINI)["input"] == "1"
    qtbot.waitUntil(lambda: env.stored_costs("gpt-4.1-mini") == pytest.approx([1160e-6] * 2))
    assert env.ctx.session.wait_for_writes()
    # the table shows it, and says the rate is yours now
    index = _cell(env.editor, MINI, "input")
    assert index.data() == "$1.00"
    assert "override" in _cell(env.editor, MINI, "origin").data()
    assert env.editor.message.text().startswith("Set input of GPT-4.1 mini (test) to $1.0: saved")


def test_blank_and_free_are_different(env: Env, qtbot) -> None:
    assert _cell(env.editor, MINI, "cache_write_5m").data() == "— (uses input)"
    _type_rate(env, qtbot, MINI, "cache_read", "0")
    assert _cell(env.editor, MINI, "cache_read").data() == "free ($0)"
    assert env.file_rates(MINI)["cache_read"] == "0"
    _type_rate(env, qtbot, MINI, "cache_read", "")
    assert _cell(env.editor, MINI, "cache_read").data() == "— (uses input)"
    assert "cache_read" not in env.file_rates(MINI)


def test_invalid_prices_are_refused_with_a_clear_message(env: Env, qtbot) -> None:
    before = env.user_file.read_bytes()
    env.editor.proxy.setData(_cell(env.editor, MINI, "input"), "-1")
    assert "must not be negative" in env.editor.message.text()
    env.editor.proxy.setData(_cell(env.editor, MINI, "output"), "abc")
    assert "is not a number" in env.editor.message.text()
    assert env.user_file.read_bytes() == before
    assert env.editor.undo_stack.count() == 0


def test_a_crash_while_saving_leaves_the_file_and_the_prices_alone(
    env: Env, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = env.user_file.read_bytes()

    def crash(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    env.editor.proxy.setData(_cell(env.editor, MINI, "input"), "1.0")
    monkeypatch.undo()
    assert env.user_file.read_bytes() == before
    assert not list(env.user_file.parent.glob(".pricing.json.*.tmp"))
    message = env.editor.message.text()
    assert "Could not save your prices" in message and "No space left on device" in message
    assert "was not changed" in message
    assert _cell(env.editor, MINI, "input").data() == "$0.40"
    assert env.editor.undo_stack.count() == 0
    assert env.totals().cost_usd == pytest.approx(BEFORE, rel=1e-12)


def test_add_a_price_for_an_unpriced_model(env: Env, qtbot) -> None:
    panel = env.editor.unpriced_panel
    assert panel.model.rowCount() == 1
    assert panel.model.index(0, 0).data() == "gpt-4.2-mini"
    assert panel.model.index(0, 2).data() == "1"
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    dialog = env.editor.active_dialog
    assert isinstance(dialog, AddModelDialog)
    assert dialog.model_edit.text() == "gpt-4.2-mini"
    assert dialog.provider_box.currentText() == "openai"
    # the nearest known model's rates, marked clearly as a guess
    assert dialog.rates.values()["input"] == "0.4"
    assert dialog.guess_note.isVisibleTo(dialog)
    assert "guess" in dialog.guess_note.text()
    dialog.rates.edits["input"].setText("0.5")
    dialog.rates.edits["output"].setText("2")
    with qtbot.waitSignal(env.ctx.session.data_changed, timeout=30_000):
        qtbot.mouseClick(
            dialog.findChild(type(panel.add_button), "submit"), Qt.MouseButton.LeftButton
        )
    # 2,000 x 0.5 + 500 x 2 = 2,000 per 1M tokens
    totals = env.totals()
    assert totals.unpriced_calls == 0
    assert totals.cost_usd == pytest.approx(BEFORE + 2_000 / 1e6, rel=1e-12)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0)
    assert "Every call" in panel.summary.text()
    document = orjson.loads(env.user_file.read_bytes())
    added = next(m for m in document["models"] if m["model"] == "gpt-4.2-mini")
    assert added["provider"] == "openai"
    assert added["versions"][0]["rates"]["input"] == "0.5"


def test_an_unchanged_guess_is_saved_as_a_guess(env: Env, qtbot) -> None:
    dialog = env.editor.add_price_for(env.editor.unpriced_panel.model.row_at(0))
    with qtbot.waitSignal(env.ctx.session.data_changed, timeout=30_000):
        dialog._try_submit()
    document = orjson.loads(env.user_file.read_bytes())
    added = next(m for m in document["models"] if m["model"] == "gpt-4.2-mini")
    assert added["versions"][0]["source"].startswith("guess: the rates of GPT-4.1 mini")


def test_undo_and_redo_save_and_reprice(env: Env, qtbot) -> None:
    editor = env.editor
    original = UserCatalog.load(env.user_file).entries
    _type_rate(env, qtbot, MINI, "input", "1.0")
    edited = env.user_file.read_bytes()
    editor.show()
    qtbot.waitExposed(editor)
    editor.activateWindow()
    editor.table.setFocus()
    qtbot.waitUntil(editor.table.hasFocus)
    with qtbot.waitSignal(env.ctx.session.data_changed, timeout=30_000):
        qtbot.keyClick(editor.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert UserCatalog.load(env.user_file).entries == original
    assert env.totals().cost_usd == pytest.approx(BEFORE, rel=1e-12)
    assert _cell(editor, MINI, "input").data() == "$0.40"
    assert editor.message.text().startswith("Undone: set input of GPT-4.1 mini (test)")
    with qtbot.waitSignal(env.ctx.session.data_changed, timeout=30_000):
        qtbot.keyClick(
            editor.table,
            Qt.Key.Key_Z,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert env.user_file.read_bytes() == edited
    assert env.totals().cost_usd == pytest.approx(BEFORE + 1_200 / 1e6, rel=1e-12)
    # QTest leaves the application believing Ctrl+Shift are still held: let go of them,
    # or later tests' selections (which read the modifiers) would extend instead of select
    qtbot.keyRelease(editor.table, Qt.Key.Key_Shift, Qt.KeyboardModifier.NoModifier)
    qtbot.keyRelease(editor.table, Qt.Key.Key_Control, Qt.KeyboardModifier.NoModifier)


def test_an_undo_that_cannot_be_saved_changes_nothing(
    env: Env, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = env.editor
    _type_rate(env, qtbot, MINI, "input", "1.0")
    edited = env.user_file.read_bytes()
    monkeypatch.setattr(os, "replace", lambda *_a, **_k: (_ for _ in ()).throw(OSError("disk")))
    editor.undo_action.trigger()
    monkeypatch.undo()
    assert env.user_file.read_bytes() == edited
    assert editor.undo_stack.index() == 1 and editor.undo_stack.canUndo()
    assert _cell(editor, MINI, "input").data() == "$1.00"
    assert "Could not save" in editor.message.text()
    with qtbot.waitSignal(env.ctx.session.data_changed, timeout=30_000):
        editor.undo_action.trigger()  # works once the disk is back
    assert env.file_rates(MINI)["input"] == "0.4"


def test_a_dated_price_change_keeps_earlier_calls(env: Env, qtbot) -> None:
    editor = env.editor
    editor.select_entry(MINI)
    dialog = editor.add_version_to_selected()
    dialog.date_edit.setDate(dialog.date_edit.date().fromString("2026-07-01", "yyyy-MM-dd"))
    assert dialog.rates.values()["input"] == "0.4"  # starts from the price in force then
    dialog.rates.edits["input"].setText("2")
    with qtbot.waitSignal(env.ctx.session.data_changed, timeout=30_000):
        dialog._try_submit()
    # both calls are on 2026-07-01 10:00, after the change: 1,000 x 2 + 100 x 1.6 = 2,160
    assert env.frame_costs("gpt-4.1-mini") == pytest.approx([2160e-6] * 2, rel=1e-12)
    assert editor.versions_model.rowCount() == 2
    assert editor.versions_model.index(1, 0).data().startswith("2026-07-01")
    # a second version on the same day is refused, with the reason in the dialog
    again = editor.add_version_to_selected()
    again.date_edit.setDate(again.date_edit.date().fromString("2026-07-01", "yyyy-MM-dd"))
    again._try_submit()
    assert again.isVisible() and "already has a price version" in again.error.text()


def test_edit_the_rate_of_an_older_version(env: Env, qtbot) -> None:
    editor = env.editor
    editor.select_entry("example/priced-later")
    first = editor.versions_model.index(0, 2)  # since launch, input
    with qtbot.waitSignal(env.ctx.session.data_changed, timeout=30_000):
        editor.versions_model.setData(first, "3")
    # June call: 1,000 x 3 + 100 x 2 = 3,200; the July call keeps the later version's price
    assert env.frame_costs("priced-later") == pytest.approx([3200e-6, 12_000e-6], rel=1e-12)
    assert env.file_rates("example/priced-later", 0)["input"] == "3"


def test_long_context_and_service_tiers(env: Env, qtbot) -> None:
    editor = env.editor
    editor.select_entry(MINI)
    dialog = editor.edit_tiers_of_selected()
    dialog.long_box.setChecked(True)
    dialog.threshold.setText("0")
    dialog._try_submit()
    assert "positive" in dialog.error.text()
    dialog.threshold.setText("500")
    dialog.tier_rates.edits["input"].setText("4")
    dialog.variants["flex"].mode.setCurrentIndex(1)
    dialog.variants["flex"].multiplier.setText("0.5")
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert titles == [
        "Long context",
        "Batch",
        "Flex",
        "Priority",
        "Fast mode",
        "US-only",
        "Other prices",
    ]
    dialog.variants["fast"].mode.setCurrentIndex(1)
    dialog.variants["fast"].multiplier.setText("2")
    # US-only inference is an uplift on whatever the tier costs: a multiplier, no rates
    us = dialog.variants["us"]
    assert [us.mode.itemText(i) for i in range(us.mode.count())] == [
        "No uplift",
        "Multiplier of the tier's price",
    ]
    assert us.rates.isHidden()
    us.mode.setCurrentIndex(1)
    us.multiplier.setText("1.1")
    with qtbot.waitSignal(env.ctx.session.data_changed, timeout=30_000):
        dialog._try_submit()
    # prompt 1,000 > 500: the whole request at the tier: 1,000 x 4 + 100 x 1.6 = 4,160
    assert env.frame_costs("gpt-4.1-mini") == pytest.approx([4160e-6] * 2, rel=1e-12)
    text = _cell(editor, MINI, "long_context").data()
    assert "> 500" in text and "$4.00" in text
    assert "flex ×0.5" in _cell(editor, MINI, "service_tiers").data()
    assert "fast ×2" in _cell(editor, MINI, "service_tiers").data()
    assert "US-only ×1.1" in _cell(editor, MINI, "service_tiers").data()


def test_add_duplicate_delete_and_revert(env: Env, qtbot) -> None:
    editor = env.editor
    editor.select_entry(MINI)
    dialog = editor.duplicate_selected()
    dialog.model_edit.setText("gpt-4.2-mini")
    dialog.id_edit.setText("openai/gpt-4.2-mini")
    with qtbot.waitSignal(env.ctx.session.data_changed, timeout=30_000):
        dialog._try_submit()
    assert env.totals().unpriced_calls == 0
    row = editor.selected_row()
    assert row is not None and row.entry.id == "openai/gpt-4.2-mini" and row.kind == "user"
    assert editor.delete_button.isEnabled() and not editor.revert_button.isEnabled()
    with qtbot.waitSignal(env.ctx.session.data_changed, timeout=30_000):
        editor.delete_selected()
    assert env.totals().unpriced_calls == 1
    # the test catalog's gpt-4.1-mini overrides the bundled price: revert brings that back
    editor.select_entry(MINI)
    assert editor.revert_button.isEnabled()
    with qtbot.waitSignal(env.ctx.session.data_changed, timeout=30_000):
        editor.revert_selected()
    row = editor.selected_row()
    assert row is not None and row.kind == "bundled"
    ids = [m["id"] for m in orjson.loads(env.user_file.read_bytes())["models"]]
    assert MINI not in ids


def test_import_a_litellm_map_with_a_preview(env: Env, qtbot, tmp_path: Path) -> None:
    price_map = tmp_path / "litellm.json"
    price_map.write_bytes(
        orjson.dumps(
            {
                "gpt-4.1-mini": {
                    "litellm_provider": "openai",
                    "mode": "chat",
                    "input_cost_per_token": 5e-7,
                    "output_cost_per_token": 1.6e-6,
                    "cache_read_input_token_cost": 1e-7,
                },
                "gpt-4.2-mini": {
                    "litellm_provider": "openai",
                    "mode": "chat",
                    "input_cost_per_token": 1e-6,
                    "output_cost_per_token": 4e-6,
                },
            }
        )
    )
    before = env.user_file.read_bytes()
    env.editor.preview_import(price_map)
    qtbot.waitUntil(lambda: env.editor.active_dialog is not None, timeout=30_000)
    dialog = env.editor.active_dialog
    rows = {
        dialog.model.index(r, 1).data(): (
            dialog.model.index(r, 0).data(),
            dialog.model.index(r, 3).data(),
        )
        for r in range(dialog.model.rowCount())
    }
    # the map has no batch price: the preview says the test catalog's one would go
    assert rows["gpt-4.1-mini"] == ("changed", "input: $0.40 → $0.50 · variants: batch ×0.5 → —")
    assert rows["gpt-4.2-mini"][0] == "added"
    assert dialog.import_button.text() == "Import 2 models"
    assert env.user_file.read_bytes() == before  # nothing written by the preview
    dialog.include_changed.setChecked(False)
    assert dialog.import_button.text() == "Import 1 model"
    dialog.include_changed.setChecked(True)
    with qtbot.waitSignal(env.ctx.session.data_changed, timeout=30_000):
        dialog.accept()
    # gpt-4.1-mini 2 x (500 + 160) = 1,320; gpt-4.2-mini 2,000 x 1 + 500 x 4 = 4,000
    totals = env.totals()
    assert totals.unpriced_calls == 0
    assert totals.cost_usd == pytest.approx(BEFORE + (1_320 - 1_120 + 4_000) / 1e6, rel=1e-9)
    assert env.editor.undo_stack.undoText().startswith("import 2 models")


def test_export_writes_our_format(env: Env, tmp_path: Path) -> None:
    target = tmp_path / "mine.json"
    assert env.editor.export(target)
    document = orjson.loads(target.read_bytes())
    assert document["format"] == "spendtrail-pricing"
    assert {m["id"] for m in document["models"]} == {
        MINI,
        "anthropic/claude-sonnet-4-5",
        "example/priced-later",
    }
    whole = tmp_path / "all.json"
    assert env.editor.export(whole, whole=True)
    assert len(orjson.loads(whole.read_bytes())["models"]) > 100


def test_explain_which_logged_names_a_price_covers(env: Env, qtbot) -> None:
    editor = env.editor
    editor.select_entry(MINI)
    assert editor.usage_model.rowCount() == 1
    assert editor.usage_model.index(0, 0).data() == "gpt-4.1-mini"
    assert editor.usage_model.index(0, 2).data() == "2"
    assert editor.usage_model.index(0, 5).data() == "exact model id 'gpt-4.1-mini'"
    assert _cell(editor, MINI, "in_data").data() == "2"


def test_an_unreadable_price_file_is_left_alone(tmp_path: Path, qtbot) -> None:
    user_file = default_user_file()
    user_file.parent.mkdir(parents=True, exist_ok=True)
    user_file.write_text("{ not json", encoding="utf-8")
    ctx = AppContext.create()
    editor = PricingEditor(ctx)
    qtbot.addWidget(editor)
    assert editor.user is None
    assert editor.banner_row.isVisibleTo(editor)
    assert "cannot be used" in editor.banner.text()
    assert not editor.add_button.isEnabled()
    row = editor.catalog_model.row_of(MINI)
    index = editor.catalog_model.index(row, COLUMN_KEYS.index("input"))
    assert not editor.catalog_model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert user_file.read_text(encoding="utf-8") == "{ not json"
    user_file.write_bytes(TEST_CATALOG.read_bytes())
    editor.reload()
    assert editor.user is not None and not editor.banner_row.isVisibleTo(editor)


def test_the_catalog_search_and_filters(env: Env) -> None:
    editor = env.editor
    editor.search.setText("sonnet 4.5")
    names = {editor.proxy.index(r, 0).data() for r in range(editor.proxy.rowCount())}
    assert "Claude Sonnet 4.5 (test)" in names
    editor.search.clear()
    editor.show_box.setCurrentIndex(1)  # your prices
    assert editor.proxy.rowCount() == 3
    editor.show_box.setCurrentIndex(3)  # used in this data
    ids = {editor.proxy.index(r, 0).data(0x0101) for r in range(editor.proxy.rowCount())}
    assert ids == {MINI, "anthropic/claude-sonnet-4-5", "example/priced-later"}


def test_models_pass_the_model_tester(env: Env, qtmodeltester) -> None:
    editor = env.editor
    qtmodeltester.check(editor.catalog_model)
    qtmodeltester.check(editor.proxy)
    editor.select_entry("example/priced-later")
    qtmodeltester.check(editor.versions_model)
    qtmodeltester.check(editor.usage_model)
    qtmodeltester.check(editor.unpriced_panel.model)
    empty = CatalogModel()
    qtmodeltester.check(empty)


def test_import_our_own_format_back(env: Env, qtbot, tmp_path: Path) -> None:
    exported = tmp_path / "mine.json"
    assert env.editor.export(exported)
    _type_rate(env, qtbot, MINI, "input", "2")
    env.editor.preview_import(exported)
    qtbot.waitUntil(lambda: env.editor.active_dialog is not None, timeout=30_000)
    dialog = env.editor.active_dialog
    assert dialog.model.rowCount() == 1  # added and changed only
    assert dialog.model.index(0, 0).data() == "changed"
    assert dialog.model.index(0, 3).data() == "input: $2.00 → $0.40"
    dialog.show_box.setCurrentIndex(4)  # everything
    assert dialog.model.rowCount() == 3
    with qtbot.waitSignal(env.ctx.session.data_changed, timeout=30_000):
        dialog.accept()
    assert env.file_rates(MINI)["input"] == "0.4"
    assert env.totals().cost_usd == pytest.approx(BEFORE, rel=1e-12)
