"""Collecting: collector configurations, kinds found by entry point, and the runner that loads their pages."""
