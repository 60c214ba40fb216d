"""The dashboard's pages and shared components. Reads ``ioc`` only, never ``collectors``."""
