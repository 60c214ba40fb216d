"""A kind can be given an ``httpx`` transport (``Source.transport``): here a WSGI application answering in the sync
format, reached at an address that does not resolve, so a run that succeeds used the transport and no network."""

from __future__ import annotations

import httpx
import orjson
from hostile_source import keyset_page, record
from werkzeug.wrappers import Request, Response

from ioc.collecting.runner import run_collector
from ioc.collecting.store import add_collector
from ioc.warehouse.access import transaction

RECORDS = [record(f"H46-{i:06d}", f"202503010800{i:02d}") for i in range(5)]


@Request.application
def source(request: Request) -> Response:
    """The dossier source as a WSGI application: a keyset page of five records."""
    return Response(orjson.dumps(keyset_page(RECORDS, dict(request.args))), content_type="application/json")


def test_a_run_can_use_a_transport_instead_of_the_network(warehouse):
    with transaction(warehouse) as connection:
        add_collector(connection, "wsgi", "dossier-sync", "http://source.invalid/api/hoso", actor="test")
    result = run_collector(warehouse, "wsgi", "46", transport=httpx.WSGITransport(app=source))
    assert result.status == "succeeded", result.error
    assert (result.progress.inserted, result.progress.rejected) == (5, 0)
    without = run_collector(warehouse, "wsgi", "46")
    assert without.status == "failed" and "source.invalid" in (without.error or "")
