"""IOC's core: settings, official units, the warehouse, KPIs, the scheduler and the source simulator. No Dash here."""

__version__ = "0.1.0"
