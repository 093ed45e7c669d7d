"""Text from the logs is shown as plain text everywhere, never as Qt rich text."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import QLabel

from desktop.store.pricer import PricingSpec
from desktop.ui.main_window import MainWindow
from tests.helpers import call, write_jsonl

MARKUP = "<b>bold</b><img src=x>"
OUR_LINKS = {"problemsLink"}  # a link we write ourselves, with only numbers in it


def test_markup_in_logs_stays_plain(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "<i>logs"
    folder.mkdir()
    write_jsonl(
        folder / "<b>calls.jsonl",
        [
            call(
                "2026-07-01T00:00:00Z",
                model=f"model {MARKUP}",
                conversation_id=f"conv {MARKUP}",
                error=f"error {MARKUP}",
                status="error",
                labels={"tenant": MARKUP, "feature": "<h1>x</h1>"},
                prompt=f"<script>alert(1)</script> {MARKUP}",
                response=MARKUP,
            ),
            call("2026-07-01T00:01:00Z", conversation_id=f"conv {MARKUP}"),
        ],
    )
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1300, 850)
    win.show()
    with qtbot.waitSignal(win.ctx.session.loaded, timeout=60000):
        win.open_paths([folder], PricingSpec())
    win.ctx.state.set_group_by(("tenant",))
    for name in win.views:
        win.show_view(name)
        qtbot.waitUntil(lambda: win.ctx.tasks.pending() == 0, timeout=30000)
    win.ctx.navigator.open_conversation.emit("conversation_id", f"conv {MARKUP}")
    qtbot.waitUntil(lambda: win.ctx.tasks.pending() == 0, timeout=30000)
    win.show_view("requests")
    qtbot.waitUntil(lambda: win.ctx.tasks.pending() == 0, timeout=30000)

    risky = [
        label
        for label in win.findChildren(QLabel)
        if label.objectName() not in OUR_LINKS
        and GuiQt.mightBeRichText(label.text())
        and label.textFormat() != Qt.TextFormat.PlainText
    ]
    assert not risky, [(label.objectName(), label.text()[:60]) for label in risky]
    shown = " ".join(label.text() for label in win.findChildren(QLabel))
    assert "<b>bold</b>" in shown  # the markup is there, as characters
    win.close()
