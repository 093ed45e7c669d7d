"""What every view gets: the open data, the shared view state, a task runner, settings."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, QSettings, Signal

from desktop.paths import config_dir
from desktop.store.dataset import Filters
from desktop.ui.data_session import DataSession
from desktop.ui.state import ViewState
from desktop.ui.tasks import TaskRunner


class Navigator(QObject):
    """Requests to move between views (a drill-down, a conversation to open…)."""

    show_view = Signal(str)  # view name: overview, requests, groups, conversations, pricing
    show_requests = Signal(object)  # Filters to add to the shared filters, then the requests view
    open_conversation = Signal(str, object)  # column that defines conversations, value
    select_call = Signal(int)  # a call id to select in the requests view


@dataclass
class AppContext:
    session: DataSession
    state: ViewState
    tasks: TaskRunner
    settings: QSettings
    navigator: Navigator

    @classmethod
    def create(cls, parent: QObject | None = None) -> AppContext:
        return cls(
            session=DataSession(parent),
            state=ViewState(parent),
            tasks=TaskRunner(parent),
            settings=app_settings(),
            navigator=Navigator(parent),
        )

    def drill_down(self, filters: Filters) -> None:
        self.navigator.show_requests.emit(filters)


def app_settings() -> QSettings:
    """Settings in Spendtrail's own config directory (an INI file, easy to inspect)."""
    path = config_dir() / "settings.ini"
    path.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(path), QSettings.Format.IniFormat)
