"""The read-only HTTP API other systems and open-data portals read IOC through (``/api/v1``)."""
