"""The admin page Names: a portal collector's unmatched names listed with the records waiting under each, and mapping
one from the form loads them, audited with the signed-in admin; a non-admin and an incomplete form change nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from ioc.collecting.runner import run_collector
from ioc.collecting.store import add_collector
from ioc.simulator import SimulatorConfig, running_simulator
from ioc.simulator.portal766 import EXTRA_UNITS
from ioc.warehouse import schema
from ioc.warehouse.access import transaction
from layouts import lookups
from layouts import warehouse as dashboard_warehouse
from layouts.access import Principal
from layouts.admin import names as page
from layouts.i18n import FOLDER, t
from tests.test_admin_settings import components

ADMIN = "quan.tri"
EXTRA = sorted(EXTRA_UNITS, key=str.casefold)


@pytest.fixture
def portal(warehouse, monkeypatch):
    """A warehouse (province 46) whose portal collector read August 2026 (and its quarter and year) from the
    simulator; an admin signed in."""
    monkeypatch.setattr(dashboard_warehouse, "_engine", warehouse)
    monkeypatch.setattr(page, "current_username", lambda: ADMIN)
    monkeypatch.setattr(page, "current_principal", lambda: Principal(ADMIN, "admin"))
    monkeypatch.setattr(page, "current_ip", lambda: "10.0.0.9")
    lookups.forget()
    with running_simulator(SimulatorConfig(seed=5)) as simulator:
        with transaction(warehouse) as connection:
            add_collector(connection, "portal", "portal-766", simulator, options={"root_department_id": "sim-46"})
        run_collector(warehouse, "portal", "46", since=date(2026, 8, 1), until=date(2026, 8, 31))
    yield warehouse
    lookups.forget()


def test_the_unmatched_names_are_listed_with_their_waiting_records(portal):
    rows, columns, summary, choices = page.show_names("portal", 0, "vi")
    assert rows == [{"name": name, "records": "18"} for name in EXTRA]
    assert [c["headerName"] for c in columns] == ["Tên chưa khớp", "Bản ghi đang chờ"]
    assert summary == "2 tên chưa khớp" and [c["value"] for c in choices] == EXTRA
    assert page.show_names(None, 0, "en")[2] == "Choose a collector to see its unmatched names."


def test_mapping_a_name_in_the_form_loads_its_records_and_is_audited(portal):
    name = EXTRA[0]
    message, color, hidden, version = page.map_chosen(1, "portal", name, "46|TTPVHCC", 3, "vi")
    assert (color, hidden, version) == ("green", False, 4)
    assert message == f'Đã ánh xạ "{name}"; 18 bản ghi đang chờ đã được nạp.'
    assert [row["name"] for row in page.show_names("portal", version, "vi")[0]] == EXTRA[1:]
    value, log = schema.IndicatorValue.__table__, schema.AuditLog.__table__
    with portal.connect() as connection:
        loaded = connection.execute(select(value.c.indicator_code).where(value.c.agency_code == "TTPVHCC")).all()
        entries = connection.execute(select(log.c.actor, log.c.target, log.c.details, log.c.source_ip)
                                     .where(log.c.action == "collector.map_name")).all()  # fmt: skip
    assert len(loaded) == 18  # six groups × August, the third quarter and 2026
    (entry,) = entries
    details = entry.details if isinstance(entry.details, dict) else json.loads(entry.details)
    assert (entry.actor, entry.target, entry.source_ip) == (ADMIN, "portal", "10.0.0.9")
    assert details == {"name": name, "unit": "46", "agency": "TTPVHCC"}


def test_a_non_admin_or_an_incomplete_form_maps_nothing(portal, monkeypatch):
    monkeypatch.setattr(page, "current_principal", lambda: Principal("phan.tich", "analyst"))
    assert page.map_chosen(1, "portal", EXTRA[0], "46|TTPVHCC", 0, "en")[:2] == ("Only admins may map names.", "red")
    monkeypatch.setattr(page, "current_principal", lambda: Principal(ADMIN, "admin"))
    assert page.map_chosen(1, "portal", EXTRA[0], None, 0, "en")[1] == "orange"
    refused = page.map_chosen(1, "portal", EXTRA[0], "46|", 0, "en")  # the province itself is the parent
    assert refused[1] == "red" and t("en", "error.alias_province_agency") in refused[0] and "--" not in refused[0]
    assert [row["name"] for row in page.show_names("portal", 0, "vi")[0]] == EXTRA


def test_the_page_keeps_the_admin_contract_in_both_languages(portal):
    for lang in ("vi", "en"):
        found = [getattr(c, "id", None) for c in components(page.layout(lang=lang))]
        ids = {i.get("grid") if isinstance(i, dict) else i for i in found} - {None}  # an export button: its grid
        assert {"admin-names-collector", "admin-names-name", "admin-names-target", "admin-names-map"} <= ids
    files = {
        lang: json.loads((FOLDER / f"admin_names.{lang}.json").read_text(encoding="utf-8")) for lang in ("vi", "en")
    }
    assert set(files["vi"]) == set(files["en"]) and all(key.startswith("admin.names.") for key in files["vi"])
    (communes, agencies) = page.targets("vi")
    assert len(communes["items"]) == 40 and {"value": "46|SYT", "label": "Sở Y tế (SYT)"} in agencies["items"]
