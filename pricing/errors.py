"""Errors the pricing package raises; their messages are meant for people."""

from __future__ import annotations


class PricingError(Exception):
    """Base class for pricing errors."""


class PricingValidationError(PricingError, ValueError):
    """A price, date, threshold or id that the catalog cannot accept."""


class PricingFileError(PricingError):
    """A price file that cannot be read, parsed or recognised."""
