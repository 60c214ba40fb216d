"""Reference data shipped with IOC (read through importlib.resources); a province may override it in its data folder."""
