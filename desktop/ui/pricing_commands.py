"""Undoable price edits: each command swaps the user's whole set of entries.

An edit is validated and saved before its command is pushed, so the first
``redo`` (which ``QUndoStack.push`` calls) has nothing left to do. Undo and
redo save again; when that save fails, the command reports it
(:attr:`CatalogEditCommand.failed`) and :class:`PricingUndo` steps the stack
back so that what it shows always matches the file on disk.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtGui import QUndoCommand, QUndoStack

from pricing.catalog import ModelEntry

Entries = tuple[ModelEntry, ...]


class EditTarget(Protocol):
    def apply_entries(self, entries: Entries, select: str | None, action: str) -> bool:
        """Save these entries as the user's prices and show them; False if saving failed.

        ``action`` says what is being done, for the messages ("Undone: …")."""


class CatalogEditCommand(QUndoCommand):
    def __init__(
        self,
        target: EditTarget,
        text: str,
        before: Entries,
        after: Entries,
        select: str | None = None,
    ) -> None:
        super().__init__(text)
        self.target = target
        self.before = before
        self.after = after
        self.select = select
        self.failed = False
        self._skip = True  # already applied and saved when pushed

    def skip_next(self) -> None:
        self._skip = True

    def redo(self) -> None:
        if self._skip:
            self._skip = False
            return
        self.failed = not self.target.apply_entries(
            self.after, self.select, f"Redone: {self.text()}"
        )

    def undo(self) -> None:
        if self._skip:
            self._skip = False
            return
        self.failed = not self.target.apply_entries(
            self.before, self.select, f"Undone: {self.text()}"
        )


class PricingUndo:
    """Undo/redo over a QUndoStack that never leaves the stack ahead of the file."""

    def __init__(self, stack: QUndoStack) -> None:
        self.stack = stack

    def undo(self) -> None:
        index = self.stack.index()
        if index <= 0:
            return
        command = self.stack.command(index - 1)
        self.stack.undo()
        if isinstance(command, CatalogEditCommand) and command.failed:
            command.failed = False
            command.skip_next()
            self.stack.redo()  # back where we were: the file still holds the edit

    def redo(self) -> None:
        index = self.stack.index()
        if index >= self.stack.count():
            return
        command = self.stack.command(index)
        self.stack.redo()
        if isinstance(command, CatalogEditCommand) and command.failed:
            command.failed = False
            command.skip_next()
            self.stack.undo()
