"""Warehouse engines by URL scheme; ``open_engine`` picks the one the settings name."""

from __future__ import annotations

from cryptopulse.core.errors import UserError
from cryptopulse.core.settings import Settings, warehouse_engine_name
from cryptopulse.warehouse.engine import WarehouseEngine


def open_engine(settings: Settings) -> WarehouseEngine:
    """The engine of ``CRYPTOPULSE_WAREHOUSE_URL`` (connects to nothing yet)."""
    name = warehouse_engine_name(settings.warehouse_url)
    if name == "duckdb":
        from cryptopulse.warehouse.engines.duckdb import DuckDBEngine

        return DuckDBEngine(settings)
    if name == "postgresql":
        try:
            from cryptopulse.warehouse.engines.postgres import PostgresEngine
        except ImportError as exc:
            raise UserError(
                "the PostgreSQL warehouse needs the `postgres` extra: "
                "pip install 'cryptopulse[postgres]'"
            ) from exc
        return PostgresEngine(settings)
    if name == "redshift":
        try:
            from cryptopulse.warehouse.engines.redshift import RedshiftEngine
        except ImportError as exc:
            raise UserError(
                "the Redshift warehouse needs the `redshift` extra: "
                "pip install 'cryptopulse[redshift]'"
            ) from exc
        return RedshiftEngine(settings)
    if name == "spark":
        try:
            from cryptopulse.warehouse.engines.spark import SparkEngine
        except ImportError as exc:
            raise UserError(
                "the Spark warehouse needs the `spark` extra (and Java 17 or newer): "
                "pip install 'cryptopulse[spark]'"
            ) from exc
        return SparkEngine(settings)
    # Settings refuse the schemes of engines not built yet; this is for settings made by hand.
    raise UserError(f"the {name} warehouse engine is not available yet")
