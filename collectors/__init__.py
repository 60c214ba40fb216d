"""Collector kinds: one module per kind of source, each registered in the ``ioc.collectors`` entry-point group."""
