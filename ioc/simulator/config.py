"""The simulator's configuration, and the fault knobs that can change while it runs."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from ioc.config import TIMEZONE
from ioc.simulator.injection import Injection, parse, text_of
from ioc.units import normalise_province_code

AUTH_MODES = ("none", "apikey", "basic", "oauth2")
FAULT_KNOBS = ("error_rate", "latency_ms", "truncated_rate", "malformed_page_rate")
#: The calendar the simulator knows (its lunar new-year table covers 2015–2035).
FIRST_START = date(2015, 1, 1)
LAST_DAY = date(2035, 12, 31)
#: Dossier codes carry a six-digit rank within their day.
MAX_DAILY_VOLUME = 200_000


def local_naive(value: datetime) -> datetime:
    """``value`` as a naive Vietnam local time, to the second."""
    if value.tzinfo is not None:
        value = value.astimezone(TIMEZONE).replace(tzinfo=None)
    return value.replace(microsecond=0)


def _check_rate(name: str, value: float) -> None:
    if not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, not {value!r}")


@dataclass(frozen=True)
class SimulatorConfig:
    """Everything that shapes what the simulator serves. The same configuration serves the same bytes."""

    province: str = "46"
    seed: int = 1
    start: date = date(2023, 1, 1)
    now: datetime | None = None
    daily_volume: int = 1500
    malformed_rate: float = 0.005
    page_size_max: int = 5000
    auth: str = "none"
    api_key: str = "sim-key"
    username: str = "sim"
    password: str = "sim-pass"
    client_id: str = "sim-client"
    client_secret: str = "sim-secret"
    token_ttl_seconds: int = 3600
    error_rate: float = 0.0
    latency_ms: int = 0
    truncated_rate: float = 0.0
    malformed_page_rate: float = 0.0
    #: Injected anomalies, ``kind:scope:code:YYYY-MM-DD:days`` separated by commas (:mod:`ioc.simulator.injection`).
    anomalies: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "province", normalise_province_code(self.province))
        if isinstance(self.start, datetime):
            object.__setattr__(self, "start", self.start.date())
        if not FIRST_START <= self.start <= LAST_DAY:
            raise ValueError(f"start must be between {FIRST_START} and {LAST_DAY}, not {self.start}")
        if self.now is not None:
            now = local_naive(self.now)
            if now.date() > LAST_DAY:
                raise ValueError(f"now must be before {LAST_DAY}, not {now}")
            object.__setattr__(self, "now", now)
        if self.auth not in AUTH_MODES:
            raise ValueError(f"auth must be one of {', '.join(AUTH_MODES)}, not {self.auth!r}")
        if not 0 <= self.daily_volume <= MAX_DAILY_VOLUME:
            raise ValueError(f"daily_volume must be between 0 and {MAX_DAILY_VOLUME:,}")
        if self.page_size_max < 1 or self.token_ttl_seconds < 1 or self.latency_ms < 0:
            raise ValueError("page_size_max and token_ttl_seconds must be ≥ 1, latency_ms ≥ 0")
        for name in ("malformed_rate", "error_rate", "truncated_rate", "malformed_page_rate"):
            _check_rate(name, getattr(self, name))
        object.__setattr__(self, "anomalies", text_of(parse(self.anomalies, self.province)))

    def injections(self) -> tuple[Injection, ...]:
        """The anomalies injected into what is served."""
        return parse(self.anomalies, self.province)


@dataclass
class FaultKnobs:
    """The pull endpoint's fault knobs, changeable at run time (``POST /_sim/faults``)."""

    error_rate: float = 0.0
    latency_ms: int = 0
    truncated_rate: float = 0.0
    malformed_page_rate: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def from_config(cls, config: SimulatorConfig) -> FaultKnobs:
        return cls(**{name: getattr(config, name) for name in FAULT_KNOBS})

    def update(self, changes: dict[str, Any]) -> None:
        """Validate then apply ``changes``, all or nothing; unknown knobs or bad values raise ``ValueError``."""
        unknown = sorted(set(changes) - set(FAULT_KNOBS))
        if unknown:
            raise ValueError(f"unknown fault knobs {', '.join(unknown)}; known: {', '.join(FAULT_KNOBS)}")
        clean: dict[str, Any] = {}
        for name, value in changes.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number")
            if name == "latency_ms":
                if value < 0:
                    raise ValueError("latency_ms must be ≥ 0")
                clean[name] = int(value)
            else:
                _check_rate(name, value)
                clean[name] = float(value)
        with self._lock:
            for name, value in clean.items():
                setattr(self, name, value)

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return {f.name: getattr(self, f.name) for f in fields(self) if f.name in FAULT_KNOBS}
