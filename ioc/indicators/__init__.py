"""Indicators beyond dossiers (``domain/indicators.md``): the model, the catalogue, loading and reading values."""
