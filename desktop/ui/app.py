"""Starting the desktop app (and its screenshot mode)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from desktop import __version__
from desktop.store.pricer import PricingSpec
from desktop.store.session import OpenRequest
from desktop.timeutil import TimestampError, resolve_zone
from desktop.ui.main_window import MainWindow

ICON = Path(__file__).resolve().parent.parent / "resources" / "spendtrail.svg"


def make_app() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("Spendtrail")
    app.setOrganizationName("Spendtrail")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("io.github.spendtrail.Spendtrail")
    if ICON.exists():
        app.setWindowIcon(QIcon(str(ICON)))
    return app


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x", 1))
    except ValueError:
        raise SystemExit(
            f"spendtrail: error: --size must look like 1400x900, not {text!r}"
        ) from None
    return max(width, 400), max(height, 300)


def request_from(args: argparse.Namespace) -> OpenRequest | None:
    pricing = PricingSpec(file=str(args.pricing.resolve())) if args.pricing else PricingSpec()
    if args.demo:
        from desktop.commands.demo_data import demo_directory

        return OpenRequest((demo_directory(),), pricing, args.log_format)
    if args.paths:
        missing = [p for p in args.paths if not Path(p).exists()]
        if missing:
            raise SystemExit(f"spendtrail: error: no such file or folder: {missing[0]}")
        return OpenRequest(tuple(Path(p) for p in args.paths), pricing, args.log_format)
    return None


def run(args: argparse.Namespace) -> int:
    if args.screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = make_app()
    window = MainWindow()
    window.resize(*parse_size(args.size))
    state = window.ctx.state
    if args.tz:
        try:
            state.set_zone(resolve_zone(args.tz))
        except TimestampError as exc:
            print(f"spendtrail: error: {exc}", file=sys.stderr)
            return 2
    if args.by:
        state.set_group_by(tuple(c.strip() for c in args.by.split(",") if c.strip()))
    request = request_from(args)
    if request is not None:
        window.open_request(request)
    if args.view != "start":
        window.show_view(args.view)
    window.show()
    if args.screenshot is not None:
        runner = ScreenshotRunner(window, args.screenshot, args.view)
        app.exec()
        return runner.exit_code
    return app.exec()


class ScreenshotRunner(QObject):
    """Waits until the data is loaded and every view is idle, saves the window, quits."""

    def __init__(self, window: MainWindow, path: Path, view: str, timeout: float = 600) -> None:
        super().__init__(window)
        self.window = window
        self.path = path
        self.view = view
        self.deadline = time.monotonic() + timeout
        self.exit_code = 1
        self.idle_polls = 0
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._poll)
        self.timer.start()
        self.failed = ""
        window.ctx.session.load_failed.connect(self._failed)

    def _failed(self, message: str) -> None:
        self.failed = message

    def _busy(self) -> bool:
        session = self.window.ctx.session
        if session.loading:
            return True
        if session.request is not None and session.dataset is None and not self.failed:
            return True
        return self.window.ctx.tasks.pending() > 0

    def _poll(self) -> None:
        if time.monotonic() > self.deadline:
            print("spendtrail: the screenshot timed out waiting for the data", file=sys.stderr)
            self._capture()
            return
        if self._busy():
            self.idle_polls = 0
            return
        if self.view != "start" and self.window.current_view_name() != self.view:
            self.window.show_view(self.view)
            self.idle_polls = 0
            return
        self.idle_polls += 1
        if self.idle_polls >= 4:
            self._capture()

    def _capture(self) -> None:
        self.timer.stop()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        ok = self.window.grab().save(str(self.path), "PNG")
        if ok and not self.failed:
            self.exit_code = 0
            print(self.path)
        elif self.failed:
            print(f"spendtrail: could not open the logs: {self.failed}", file=sys.stderr)
        else:
            print(f"spendtrail: could not write {self.path}", file=sys.stderr)
        self.window.close()
        QApplication.instance().quit()  # type: ignore[union-attr]
