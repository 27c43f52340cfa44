"""Every write the collateral and cash-flow business knows by name (one module per area)."""
