"""Qt-free analyses over an opened dataset: conversations, pricing coverage, turn text."""
