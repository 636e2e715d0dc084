"""Settings from the environment and an optional `.env` file."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The demo secret is public (it is in this file). It is fine on a laptop and refused in production.
DEMO_SECRET_KEY = "commission-demo-secret-change-me"  # noqa: S105

ROOT_DIR = Path(__file__).resolve().parent.parent


def normalize_database_url(url: str) -> str:
    """Accept plain `sqlite:///…` and `postgresql://…` URLs and pick the driver ourselves."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite://"):
        return "sqlite+pysqlite://" + url.removeprefix("sqlite://")
    return url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./commission.db"
    secret_key: str = DEMO_SECRET_KEY
    # Cookies go over HTTPS only in production; a classroom laptop serves plain HTTP.
    cookie_secure: bool | None = None
    session_days: int = 14
    # The proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (addresses or
    # networks, comma-separated); none by default, since anyone can send the headers and the
    # sign-in limits count the client's address.
    forwarded_allow_ips: str = ""
    sqlite_busy_timeout_ms: int = 15_000
    # Requests admitted at once (app.gate); the connection pool is sized to match.
    max_requests_in_flight: int = 32
    default_locale: str = "en"
    # How often each app process closes votes past their deadline and sends due injects.
    sweep_seconds: float = 5.0
    # Add `Server-Timing: app;dur=<ms>` to every response, from the request's arrival to its
    # answer inside the app (the benchmarks read it); off by default.
    server_timing: bool = False

    @field_validator("database_url")
    @classmethod
    def _normalize(cls, value: str) -> str:
        return normalize_database_url(value)

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxy_addresses(cls, value: str) -> str:
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        for entry in entries:
            try:
                # strict, as uvicorn reads it: 172.18.0.1/16 would silently match nothing there.
                ipaddress.ip_network(entry, strict=True)
            except ValueError:
                raise ValueError(
                    f"FORWARDED_ALLOW_IPS: {entry!r} is not an IP address or network; name the "
                    "proxy, e.g. 10.0.0.5 or 172.18.0.0/16 (a wildcard would let any client "
                    "choose its own address)"
                ) from None
        return ",".join(entries)

    @model_validator(mode="after")
    def _refuse_demo_secret_in_production(self) -> Settings:
        if self.environment == "production" and (
            self.secret_key == DEMO_SECRET_KEY or len(self.secret_key) < 32
        ):
            raise ValueError(
                "SECRET_KEY must be set to a private value of at least 32 characters in production"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.environment == "production"


@lru_cache
def get_settings() -> Settings:
    return Settings()
