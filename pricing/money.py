"""Decimal helpers: parsing prices and showing them per 1M tokens."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from pricing.errors import PricingValidationError

MILLION = Decimal(1_000_000)


def parse_decimal(value: object, what: str) -> Decimal:
    """A finite Decimal from a JSON number, string or Decimal; ``what`` names it in errors."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise PricingValidationError(f"{what}: expected a number, got {value!r}")
    try:
        # str() first so a float such as 0.1 becomes Decimal('0.1'), not its binary expansion
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise PricingValidationError(f"{what}: {value!r} is not a number") from None
    if not number.is_finite():
        raise PricingValidationError(f"{what}: {value!r} is not a finite number")
    return number


def plain(number: Decimal) -> str:
    """A Decimal as a short plain string without exponent: 2.50 -> '2.5', 1E+1 -> '10'."""
    text = format(number.normalize(), "f")
    return text


def usd(amount: Decimal, places: int = 6) -> str:
    """A dollar amount for display, e.g. ``$0.004213``; tiny amounts keep enough digits."""
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if amount != 0 and amount < Decimal(10) ** -places:
        return f"{sign}${plain(amount)}"
    return f"{sign}${amount:.{places}f}"


def per_million(rate: Decimal) -> str:
    """A rate as people read it: ``$2.50`` or ``$0.075`` (per 1M tokens)."""
    text = plain(rate)
    if "." not in text:
        return f"${text}.00"
    whole, frac = text.split(".")
    return f"${whole}.{frac.ljust(2, '0')}"
