"""Provinces come from vietnam-provinces, communes (official codes) from the shipped table, which maps every commune of
vietnam-provinces 2025.10.1 once; agencies from the shipped list or the data folder's override."""

from __future__ import annotations

import pytest
from vietnam_provinces import Province, Ward

from ioc.errors import IOCError
from ioc.units import (
    COMMUNE_LEVEL,
    PROVINCE_LEVEL,
    all_agencies,
    commune_committee_code,
    communes,
    draft_codes,
    official_units,
    provincial_agencies,
)


@pytest.mark.parametrize(("province", "expected"), [("46", 40), ("48", 94), ("79", 168), ("01", 126)])
def test_communes_are_those_of_vietnam_provinces_each_with_its_draft_code(province, expected):
    library = {f"{int(ward.code):05d}" for ward in Ward.iter_by_province(int(province))}
    ours = communes(province)
    assert len(ours) == expected
    assert set(draft_codes(province)) == library  # every draft code maps to one official code
    assert set(draft_codes(province).values()) == {unit.code for unit in ours}


def test_all_34_provinces_have_units():
    provinces = list(Province.iter_all())
    assert len(provinces) == 34
    total = sum(len(communes(f"{p.code:02d}")) for p in provinces)
    assert total == len(list(Ward.iter_all()))


def test_units_start_with_the_province_and_use_padded_codes():
    units = official_units("01")
    assert units[0].code == "01"
    assert units[0].level == PROVINCE_LEVEL
    assert units[0].parent_code is None
    assert all(u.level == COMMUNE_LEVEL and u.parent_code == "01" and len(u.code) == 5 for u in units[1:])
    assert "00004" in {u.code for u in units}


def test_shipped_agencies_are_complete_and_unique():
    agencies = provincial_agencies("46")
    assert 20 <= len(agencies) <= 40
    assert len({a.code for a in agencies}) == len(agencies)
    assert all(a.name and a.name_en and a.kind and a.unit_code == "46" for a in agencies)
    assert {"SNV", "STP", "SYT", "SGDDT", "SXD", "SNNMT"} <= {a.code for a in agencies}


def test_every_commune_has_a_peoples_committee():
    agencies = all_agencies("46")
    committees = [a for a in agencies if a.level == COMMUNE_LEVEL]
    assert [a.unit_code for a in committees] == [u.code for u in communes("46")]
    assert committees[0].code == commune_committee_code(committees[0].unit_code)
    assert committees[0].name.startswith("UBND ")


def test_agencies_file_in_the_data_folder_replaces_the_shipped_list(tmp_path):
    (tmp_path / "agencies.csv").write_text(
        "code,name,name_en,kind\nSXX,Sở Thử nghiệm,Test Department,department\n", encoding="utf-8"
    )
    agencies = provincial_agencies("46", tmp_path)
    assert [(a.code, a.name, a.unit_code) for a in agencies] == [("SXX", "Sở Thử nghiệm", "46")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("code,name,name_en,kind\nSXX,,Test,department\n", "line 2: missing name"),
        ("code,name,name_en,kind\nA,Một,One,department\nA,Hai,Two,department\n", "duplicate agency codes A"),
    ],
)
def test_a_bad_agencies_file_is_a_clear_error(tmp_path, content, message):
    (tmp_path / "agencies.csv").write_text(content, encoding="utf-8")
    with pytest.raises(IOCError, match=message):
        provincial_agencies("46", tmp_path)
