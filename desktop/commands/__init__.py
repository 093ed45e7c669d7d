"""Headless commands (Qt-free)."""
