"""Matching a source's unit names (the national portal's) to IOC's communes and agencies, never by guess.

A name is normalised as ``domain/indicators.md`` says: Unicode NFC, whitespace collapsed, without a leading "UBND"
and without a trailing "- Tỉnh …" (or "- Thành phố …"). Case and diacritics are kept in the normalised name (what an
admin sees and what ``name_alias`` stores), and two names are the same when their normalised forms are equal ignoring
case only (:func:`name_key`): "UBND xã Lâm Thao - Tỉnh Phú Thọ" is "Xã Lâm Thao", but "Xa Lam Thao" is not, since
diacritics tell Vietnamese names apart ("Lâm" and "Lam" are different names) while capitals never do. A key that
fits more than one of IOC's communes and agencies matches none (never guessed); an admin's mapping comes first.

An unmatched name's records wait in quarantine with :func:`unmatched_reason`; :func:`unmatched_names` lists them,
:func:`map_name` records an admin's mapping (audited), and re-processing the quarantine then loads them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update

from ioc.errors import IOCError
from ioc.units import commune_committee_code
from ioc.warehouse import audit, schema

ALIAS = schema.NameAlias.__table__
QUARANTINE = schema.Quarantine.__table__
NAME_MAX = 300
_SPACES = re.compile(r"\s+")
_COMMITTEE = re.compile(r"^UBND\s+", re.IGNORECASE)
_PROVINCE_SUFFIX = re.compile(r"\s+-\s+(Tỉnh|Thành phố)\s+[^-]+$", re.IGNORECASE)
#: How an unmatched name's reason begins; the name follows as a JSON string.
REASON_PREFIX = "unit name "
_REASON = re.compile(r'^unit name ("(?:[^"\\]|\\.)*") matches no commune or agency')


def _province_key(name: str) -> str:
    """A province's name without "Tỉnh" or "Thành phố", case ignored ("Thành phố Huế" → "huế")."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", name)).strip()
    return re.sub(r"^(Tỉnh|Thành phố)\s+", "", text, flags=re.IGNORECASE).casefold()


def named_province(name: str) -> str | None:
    """The province a name's trailing "- Tỉnh …" names (as :func:`_province_key` writes it), or None."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", name)).strip()
    match = _PROVINCE_SUFFIX.search(text)
    return _province_key(match.group(0).split("-", 1)[1]) if match else None


def normalised(name: str) -> str:
    """The name without "UBND" and the trailing "- Tỉnh …", whitespace collapsed; case and diacritics kept."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", name)).strip()
    text = _PROVINCE_SUFFIX.sub("", text)
    return _COMMITTEE.sub("", text).strip()


def name_key(name: str) -> str:
    """What two names must share to be the same: the normalised name, case ignored (diacritics never)."""
    return normalised(name).casefold()


def unmatched_reason(name: str) -> str:
    """The quarantine reason of a record whose unit name matches nothing (one line, says what to do)."""
    return (
        f"{REASON_PREFIX}{json.dumps(name[:NAME_MAX], ensure_ascii=False)} matches no commune or agency of the "
        "province: map it on the admin page Names or with `ioc collector map-name`"
    )


def name_in_reason(reason: str) -> str | None:
    """The source's name in an :func:`unmatched_reason`, else None."""
    match = _REASON.match(reason)
    return json.loads(match.group(1)) if match else None


@dataclass(frozen=True)
class NameMatcher:
    """Names → (unit code, agency code): an admin's aliases first, then IOC's communes and agencies by key."""

    by_key: Mapping[str, tuple[str, str]]
    aliases: Mapping[str, tuple[str, str]]
    #: The province's name as :func:`_province_key` writes it: a name ending "- Tỉnh <another>" matches nothing.
    province: str = ""

    def match(self, name: str) -> tuple[str, str] | None:
        key = name_key(name)
        if key in self.aliases:
            return self.aliases[key]
        elsewhere = named_province(name)
        if elsewhere is not None and self.province and elsewhere != self.province:
            return None
        return self.by_key.get(key)


def matcher(
    province: str,
    unit_names: Mapping[str, str],
    agency_names: Mapping[str, str],
    aliases: Mapping[str, tuple[str, str]],
) -> NameMatcher:
    """A commune by its name is (commune, ""); a provincial agency is (province, agency). A commune's People's
    Committee (``UBND-<code>``) is the commune itself, not a second candidate; the province is never a child; a name
    whose trailing "- Tỉnh …" names another province matches nothing but an admin's mapping."""
    candidates: dict[str, set[tuple[str, str]]] = {}
    committees = {commune_committee_code(code) for code in unit_names}
    for code, name in unit_names.items():
        if code != province:
            candidates.setdefault(name_key(name), set()).add((code, ""))
    for code, name in agency_names.items():
        if code not in committees:
            candidates.setdefault(name_key(name), set()).add((province, code))
    unique = {key: next(iter(found)) for key, found in candidates.items() if len(found) == 1}
    aliased = {name_key(name): target for name, target in aliases.items()}
    return NameMatcher(unique, aliased, _province_key(unit_names.get(province, "")))


@dataclass(frozen=True)
class UnmatchedName:
    """A source name waiting in a collector's quarantine, and how many of its records wait."""

    name: str
    records: int


def unmatched_names(connection: Connection, collector_id: int) -> list[UnmatchedName]:
    """The names whose records wait in the collector's quarantine (not re-processed), by normalised name."""
    query = (
        select(QUARANTINE.c.reason, func.count())
        .where(
            QUARANTINE.c.collector_id == collector_id,
            QUARANTINE.c.reprocessed_at.is_(None),
            QUARANTINE.c.reason.like(f"{REASON_PREFIX}%"),
        )
        .group_by(QUARANTINE.c.reason)
    )
    counts: dict[str, int] = {}
    for reason, count in connection.execute(query):
        name = name_in_reason(reason)
        if name is not None:
            counts[normalised(name)] = counts.get(normalised(name), 0) + count
    return [UnmatchedName(name, counts[name]) for name in sorted(counts, key=str.casefold)]


def map_name(
    connection: Connection,
    collector_id: int,
    name: str,
    unit_code: str,
    agency_code: str,
    actor: str,
    now: datetime,
    source_ip: str = audit.LOCAL,
) -> str:
    """Record that the collector's source name ``name`` is (unit, agency); returns the normalised name. A name mapped
    before is mapped again. Audited. Refuses an unknown unit or agency, and the province itself (it is the parent)."""
    text = normalised(name or "")
    if not text or len(text) > NAME_MAX:
        raise IOCError(f"the source's name must be 1 to {NAME_MAX} characters", key="alias_name", max=NAME_MAX)
    unit_code, agency_code = unit_code.strip(), (agency_code or "").strip()
    unit = schema.Unit.__table__
    level = connection.execute(select(unit.c.level).where(unit.c.code == unit_code)).scalar()
    if level is None:
        raise IOCError(
            f"unit {unit_code!r} is not the province or one of its communes (see `ioc units`)",
            key="alias_unit",
            code=unit_code,
        )
    if agency_code:
        agency = schema.Agency.__table__
        if connection.execute(select(agency.c.code).where(agency.c.code == agency_code)).first() is None:
            raise IOCError(
                f"agency {agency_code!r} is not one of the province's agencies", key="alias_agency", code=agency_code
            )
    elif level == "province":
        raise IOCError(
            "a name mapped to the province needs --agency: the province itself is the source's parent",
            key="alias_province_agency",
        )
    existing = [
        row.id
        for row in connection.execute(select(ALIAS.c.id, ALIAS.c.name).where(ALIAS.c.collector_id == collector_id))
        if row.name.casefold() == text.casefold()
    ]
    values = {"name": text, "unit_code": unit_code, "agency_code": agency_code, "created_at": now, "created_by": actor}
    if existing:
        connection.execute(update(ALIAS).where(ALIAS.c.id.in_(existing)).values(**values))
    else:
        connection.execute(insert(ALIAS).values(collector_id=collector_id, **values))
    collector = schema.Collector.__table__
    target = connection.execute(select(collector.c.name).where(collector.c.id == collector_id)).scalar()
    details = {"name": text, "unit": unit_code, "agency": agency_code}
    audit.record(connection, actor, "collector.map_name", target, now, details, source_ip=source_ip)
    return text
