"""Records as JSON text, fast: constant fragments escaped once, times formatted through lookup tables.

A well-formed record is one f-string; a malformed one (rare) goes through ``json`` and ``malformed.corrupt``. Keys
follow the contract's table order.
"""

from __future__ import annotations

import json
from functools import cache

import numpy as np

from ioc.simulator.generate import MALFORMED_KINDS, Dossiers
from ioc.simulator.lifecycle import ABSENT
from ioc.simulator.malformed import corrupt
from ioc.simulator.names import name_table
from ioc.simulator.state import States, states_at
from ioc.simulator.work_calendar import DAY, FIRST_DAY, LAST_DAY, day_number
from ioc.simulator.world import World

PAYMENT_TEXT = np.array(["null", "0", "1"], dtype=object)


def _json(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


@cache
def _time_tables() -> tuple[int, np.ndarray, np.ndarray]:
    """(first day number, '"yyyyMMdd' per day, 'HHmmss"' per second of the day)."""
    first = day_number(FIRST_DAY)
    days = np.arange(first, day_number(LAST_DAY) + 1).astype("datetime64[D]").astype(str)
    day_text = np.array(['"' + d.replace("-", "") for d in days], dtype=object)
    seconds = np.arange(DAY)
    second_text = np.array(
        [
            f"{h:02d}{m:02d}{s:02d}" + '"'
            for h, m, s in zip(seconds // 3600, seconds // 60 % 60, seconds % 60, strict=True)
        ],
        dtype=object,
    )
    return first, day_text, second_text


def time_texts(times: np.ndarray, nullable: bool = False) -> np.ndarray:
    """Quoted ``yyyyMMddHHmmss`` texts of ``times`` (``null`` where absent, if ``nullable``)."""
    first, day_text, second_text = _time_tables()
    absent = times == ABSENT
    safe = np.where(absent, first * DAY, times)
    days, seconds = np.divmod(safe, DAY)
    texts = day_text[days - first] + second_text[seconds]
    return np.where(absent, "null", texts) if nullable else texts


class Renderer:
    """Turns rows of day batches into the JSON text the API serves."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.procedure_text = [
            f'"MaTTHC":{_json(p.code)},"TenTTHC":{_json(p.name)},'
            f'"MaLinhVuc":{_json(p.field_code)},"TenLinhVuc":{_json(p.field_name)}'
            for p in world.procedures
        ]
        self.agency_text = [
            f'"MaCoQuan":{_json(code)},"MaDVHC":{_json(unit)}'
            for code, unit in zip(world.agency_codes, world.agency_units, strict=True)
        ]
        self.names = [_json(name) for name in name_table().names]

    def code_prefixes(self, days: np.ndarray) -> np.ndarray:
        """``H<province>-<yymmdd>-`` for each day (MaHoSo without its rank)."""
        first, day_text, _ = _time_tables()
        unique, inverse = np.unique(days, return_inverse=True)
        prefixes = np.array(
            [f"H{self.world.province}-{day_text[d - first][3:]}-" for d in unique.tolist()], dtype=object
        )
        return prefixes[inverse]

    def render(self, dossiers: Dossiers, now: int) -> list[bytes]:
        """UTF-8 JSON of each dossier (all existing at ``now``), in their order."""
        state = states_at(dossiers, now)
        texts = self._fast(dossiers, state)
        malformed = dossiers.malformed
        for position in np.flatnonzero(malformed >= 0).tolist():
            kind = MALFORMED_KINDS[malformed[position]]
            variant = int(dossiers.variant[position])
            record = corrupt(json.loads(texts[position]), kind, variant, self.world.other_province)
            texts[position] = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        return [text.encode("utf-8") for text in texts]

    def _fast(self, dossiers: Dossiers, state: States) -> list[str]:
        procedure_text, agency_text, names = self.procedure_text, self.agency_text, self.names
        columns = zip(
            self.code_prefixes(dossiers.origin).tolist(),
            dossiers.rank.tolist(),
            dossiers.procedure.tolist(),
            dossiers.channel.tolist(),
            dossiers.name.tolist(),
            dossiers.applicant_type.tolist(),
            dossiers.agency.tolist(),
            time_texts(state.received).tolist(),
            time_texts(state.due).tolist(),
            state.status.tolist(),
            time_texts(state.finished, nullable=True).tolist(),
            time_texts(state.returned, nullable=True).tolist(),
            PAYMENT_TEXT[dossiers.online_payment + 1].tolist(),
            dossiers.digitised.tolist(),
            time_texts(state.updated).tolist(),
            strict=True,
        )
        return [
            f'{{"MaHoSo":"{prefix}{rank:06d}",{procedure_text[procedure]},"KenhThucHien":{channel},'
            f'"ChuHoSo":{names[name]},"LoaiDoiTuong":{kind},{agency_text[agency]},"NgayTiepNhan":{received},'
            f'"NgayHenTra":{due},"TrangThaiHoSo":{status},"NgayKetThucXuLy":{finished},"NgayTra":{returned},'
            f'"ThanhToanTrucTuyen":{payment},"SoHoa":{digitised},"NgayCapNhat":{updated}}}'
            for (
                prefix,
                rank,
                procedure,
                channel,
                name,
                kind,
                agency,
                received,
                due,
                status,
                finished,
                returned,
                payment,
                digitised,
                updated,
            ) in columns
        ]
