"""How a source's unit code (``MaDVHC``) reads as one of the province's official codes.

Two schemes, chosen per collector (option ``unit_codes``):

- ``official`` (the default): an official code of the province is read as itself. A code that is not, but is the
  draft code of one of its communes (``vietnam-provinces`` 2025.10.1), is mapped to that commune's official code.
  A draft code that is also another commune's official code (9 in the country) is read as the official one.
- ``vietnam-provinces-2025``: the source sends the draft codes throughout; every commune code is read as a draft code
  and mapped, which also resolves the 9 that collide. The province's own code is the same in both.

The caller counts what was mapped: the official code differs from the code as sent (zero-padded).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Literal

from ioc.records import InvalidRecordError

OFFICIAL = "official"
DRAFT_2025 = "vietnam-provinces-2025"
#: The values of a collector's ``unit_codes`` option.
UnitCodeScheme = Literal["official", "vietnam-provinces-2025"]


def official_unit_code(
    code: str,
    scheme: str,
    province: str,
    unit_codes: Collection[str],
    draft_codes: Mapping[str, str],
) -> str:
    """The official code for ``code`` (already zero-padded) under ``scheme``.

    ``unit_codes``: the province's official codes (the warehouse's units); ``draft_codes``: each commune's draft code →
    its official code. A code neither scheme knows is returned as it is, for :func:`ioc.records.check_dossier` to
    reject; under ``vietnam-provinces-2025`` a code that is no draft code is rejected here, with the scheme named.
    """
    if code == province:
        return code
    if scheme == DRAFT_2025:
        official = draft_codes.get(code)
        if official is None:
            raise InvalidRecordError(
                f"MaDVHC {code!r} is not the code of a commune of province {province} in vietnam-provinces 2025.10.1 "
                f"(the collector reads codes with unit_codes={DRAFT_2025})"
            )
        return official
    if code in unit_codes:
        return code
    official = draft_codes.get(code)
    return official if official is not None and official in unit_codes else code
