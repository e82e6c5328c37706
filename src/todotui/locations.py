"""Where todotui keeps its files, following each platform's conventions."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_cache_path, user_config_path, user_data_path

APP_NAME = "todotui"


def config_file() -> Path:
    """The default settings file (it need not exist)."""
    return user_config_path(APP_NAME) / "config.toml"


def data_dir() -> Path:
    """Where the action journal lives; created on first use."""
    path = user_data_path(APP_NAME)
    path.mkdir(parents=True, exist_ok=True)
    return path


def journal_file() -> Path:
    return data_dir() / "journal.jsonl"


def cache_dir() -> Path:
    """What todotui can make again but keeps to save time (the demo's provisioned sandbox
    stack); not created here."""
    return user_cache_path(APP_NAME)
