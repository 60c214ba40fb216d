"""Saving an explorer view keeps only what makes a valid view, as the explorer writes it."""

from __future__ import annotations

from layouts.wall_view import normalised_query


def test_a_saved_view_keeps_only_a_valid_explorer_query():
    address = "http://127.0.0.1:8050/explore?kpi=online_rate&by=unit&channel=2&agency=<script>&preset=nope&x=1"
    assert normalised_query(address) == "channel=2&by=unit&kpi=online_rate"  # in the explorer's order
    assert (
        normalised_query("?preset=custom&from=2026-11-01&to=2026-11-30")
        == "preset=custom&from=2026-11-01&to=2026-11-30"
    )
    assert normalised_query("preset=custom&from=2026-11-30&to=2026-11-01") == ""  # a range ending before it starts
    assert normalised_query("kpi=" + "x" * 10000) == ""
