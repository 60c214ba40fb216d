"""Settings from the environment (``IOC_*``), read when a command or the app starts, never at import."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ioc.errors import IOCError

#: Vietnam local time (UTC+7, no daylight saving). The warehouse stores naive datetimes in this zone.
TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def now_local() -> datetime:
    """The current Vietnam local time as a naive datetime, as the warehouse stores times."""
    return datetime.now(TIMEZONE).replace(tzinfo=None)


class Settings(BaseSettings):
    """IOC's configuration. Every field is an ``IOC_``-prefixed environment variable."""

    model_config = SettingsConfigDict(env_prefix="IOC_", extra="ignore", frozen=True)

    data_dir: Path = Field(
        default=Path("data"),
        description="Folder for the default SQLite warehouse and province-specific data files.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the warehouse; default: an SQLite file ioc.db in the data folder.",
    )
    province: str = Field(
        default="46",
        description="Official code of the province (after the 2025 reorganisation); 46 is Thành phố Huế.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Key that signs the dashboard's session cookies and CSRF tokens; default: a random key made once "
        "and kept in the data folder (file secret_key, readable by its owner only).",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8050",
        description="The dashboard's address as people and wall-screens reach it, for the links IOC prints.",
    )
    behind_tls: bool = Field(
        default=False,
        description="The dashboard is served over HTTPS by a reverse proxy: cookies are marked Secure, HSTS is sent "
        "and the proxy's X-Forwarded-For/-Proto are trusted (one proxy).",
    )

    @field_validator("data_dir")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("province")
    @classmethod
    def _official_province(cls, value: str) -> str:
        from ioc.units import normalise_province_code

        return normalise_province_code(value)

    @field_validator("database_url")
    @classmethod
    def _non_empty_url(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        return value.strip() if value else value

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @cached_property
    def warehouse_url(self) -> str:
        """The warehouse URL: ``IOC_DATABASE_URL``, or the SQLite file in the data folder."""
        return self.database_url or f"sqlite:///{self.data_dir / 'ioc.db'}"


def signing_key(settings: Settings) -> bytes:
    """``IOC_SECRET_KEY``, or the key kept in the data folder, made at random the first time (by whichever process
    gets there first: every worker and every later start reads the same key, so sessions survive restarts)."""
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value().encode("utf-8")
        if len(key) < 32:
            raise IOCError("IOC_SECRET_KEY: must be at least 32 characters")
        return key
    path = settings.data_dir / "secret_key"
    if not path.exists():
        import os
        import secrets

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".secret_key.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)  # atomic, and fails if another process made the key first: theirs wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip().encode("utf-8")


def load_settings() -> Settings:
    """Read the settings, turning a validation error into one clear line naming the variable."""
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        variable = "IOC_" + str(first["loc"][0]).upper() if first["loc"] else "IOC settings"
        message = str(first.get("ctx", {}).get("error") or first["msg"])
        raise IOCError(f"{variable}: {message}") from None
