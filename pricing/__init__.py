"""Qt-free pricing engine: catalog, model matching and cost math.

The store uses :class:`PricingEngine` (``cells`` for bulk pricing, ``explain`` for
one call); the GUI editor uses :class:`UserCatalog`.
"""

from pricing.catalog import Catalog, ModelEntry, PriceVersion, Rates
from pricing.cells import CostFlag, RateCell, describe_flags, flags_for_call, select_cell
from pricing.engine import PricingEngine
from pricing.errors import PricingError, PricingFileError, PricingValidationError
from pricing.explain import BucketCost, CostExplanation, Usage
from pricing.matching import Match
from pricing.user_catalog import UserCatalog
from pricing.user_layer import default_user_file, user_config_dir

__all__ = [
    "BucketCost",
    "Catalog",
    "CostExplanation",
    "CostFlag",
    "Match",
    "ModelEntry",
    "PriceVersion",
    "PricingEngine",
    "PricingError",
    "PricingFileError",
    "PricingValidationError",
    "RateCell",
    "Rates",
    "Usage",
    "UserCatalog",
    "default_user_file",
    "describe_flags",
    "flags_for_call",
    "select_cell",
    "user_config_dir",
]
