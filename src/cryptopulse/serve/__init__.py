"""Serving: marts exported from the warehouse back to the lake (and, later, a dashboard)."""
