"""Spendtrail: where did the money go? An offline viewer for LLM API call logs."""

__version__ = "0.1.0"
