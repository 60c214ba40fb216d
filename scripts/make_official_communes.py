"""Make ``ioc/reference/communes.csv``, the official commune table, from the commune code crosswalk.

    .venv/bin/python scripts/make_official_communes.py ../shared/data/geo/commune_code_crosswalk.csv

Each commune gets its official code and name (the statistics office's registry, Decision 19/2025/QĐ-TTg, as
``vietnam-provinces`` 2026.2.3 carries them) and the code and name it has in ``vietnam-provinces`` 2025.10.1 (the
draft decision's), kept for mapping. The division type is the 2025.10.1 unit's, which must be the first word of the
official name. See ``ioc/reference/README.md`` for the provenance.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from vietnam_provinces import Ward

OUTPUT = Path(__file__).resolve().parents[1] / "ioc" / "reference" / "communes.csv"
COLUMNS = ("province_code", "code", "name", "division_type", "draft_code", "draft_name")
#: Corrections to the official names as the crosswalk gives them (a lower-case division type).
NAME_FIXES = {"xã Bắc Sơn": "Xã Bắc Sơn"}


def official_rows(crosswalk: Path) -> list[dict[str, str]]:
    """The table's rows, ordered by province and official code; checked against ``vietnam-provinces`` 2025.10.1."""
    wards = {int(ward.code): ward for ward in Ward.iter_all()}
    rows = []
    with crosswalk.open(encoding="utf-8", newline="") as handle:
        for line in csv.DictReader(handle):
            if line["vp_2026_2_3_code"] != line["code_official_nso"]:
                raise SystemExit(f"official code {line['code_official_nso']}: 2026.2.3 has {line['vp_2026_2_3_code']}")
            draft = wards[int(line["vp_2025_10_1_code"])]
            if draft.name != line["vp_2025_10_1_name"] or draft.province_code != int(line["province_code"]):
                raise SystemExit(f"draft code {draft.code}: the crosswalk and vietnam-provinces disagree")
            name = " ".join(line["vp_2026_2_3_name"].split())
            name = NAME_FIXES.get(name, name)
            division_type = draft.division_type.value
            if not name.lower().startswith(division_type + " "):
                raise SystemExit(f"official code {line['code_official_nso']}: {name!r} is not a {division_type}")
            rows.append(
                {
                    "province_code": f"{int(line['province_code']):02d}",
                    "code": f"{int(line['code_official_nso']):05d}",
                    "name": name,
                    "division_type": division_type,
                    "draft_code": f"{draft.code:05d}",
                    "draft_name": draft.name,
                }
            )
    if len(wards) != len(rows) or len({row["draft_code"] for row in rows}) != len(rows):
        raise SystemExit("the crosswalk does not map every commune of vietnam-provinces 2025.10.1 once")
    if len({row["code"] for row in rows}) != len(rows):
        raise SystemExit("two communes share an official code")
    return sorted(rows, key=lambda row: (row["province_code"], row["code"]))


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit(__doc__)
    rows = official_rows(Path(argv[0]))
    with OUTPUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} communes to {OUTPUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
