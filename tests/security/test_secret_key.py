"""A session cookie is only as safe as the key that signs it: weak keys are refused where it
matters (production, or a page other machines reach), with the way to make a good one."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from autopass.cli import app
from autopass.cli.serve import network_refusal
from autopass.settings import DEVELOPMENT_SECRET, MAKE_A_SECRET, Settings, use_settings
from autopass.store import dispose_engine

WEAK_KEYS = {
    "": "it is shorter than 32 bytes",
    "a": "it is shorter than 32 bytes",
    "changeme": "it is shorter than 32 bytes",
    DEVELOPMENT_SECRET: "it is the development value",
    "a" * 64: "it has fewer than 8 different characters",
    "ab" * 32: "it has fewer than 8 different characters",
    "changeme" * 4: "it has fewer than 8 different characters",
    "change-me!" * 4: "a run of 8 characters comes back in it",
    "password1234567890password1234567890!": "a run of 8 characters comes back in it",
}


@pytest.mark.parametrize(("key", "reason"), WEAK_KEYS.items())
def test_production_refuses_a_weak_secret_key(tmp_path: Path, key: str, reason: str) -> None:
    with pytest.raises(ValidationError) as error:
        Settings(environment="production", secret_key=key, data_dir=tmp_path)
    assert f"AUTOPASS_SECRET_KEY is too weak ({reason})" in str(error.value)
    assert MAKE_A_SECRET in str(error.value)


def test_the_refusal_does_not_print_what_it_read(tmp_path: Path) -> None:
    """The whole input is checked at once: the error must not echo it into a log."""
    with pytest.raises(ValidationError) as error:
        Settings(environment="production", secret_key="hunter2-secret", data_dir=tmp_path,
                 database_url="postgresql+psycopg://autopass:db-password@db-host/autopass")
    assert "hunter2" not in str(error.value)
    assert "db-password" not in str(error.value)


def test_production_refuses_a_weak_secret_key_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operator's way in: environment variables, as `autopass serve` reads them."""
    monkeypatch.setenv("AUTOPASS_SECRET_KEY", "changeme")
    monkeypatch.setenv("AUTOPASS_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="shorter than 32 bytes"):
        Settings(data_dir=tmp_path)


@pytest.mark.parametrize(
    "key",
    [secrets.token_urlsafe(48), secrets.token_hex(16), secrets.token_hex(32),
     "correct horse battery staple, then some more words"],
    ids=["urlsafe-48", "hex-16", "hex-32", "passphrase"],  # the same names in every process
)
def test_production_accepts_a_strong_secret_key(tmp_path: Path, key: str) -> None:
    settings = Settings(environment="production", secret_key=key, data_dir=tmp_path)
    assert settings.secret_key == key


def test_development_still_starts_with_the_development_secret(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).secret_key == DEVELOPMENT_SECRET


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "queue.example.com"])
def test_serve_refuses_the_network_with_a_weak_secret_even_in_development(
    tmp_path: Path, host: str
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    assert settings.environment == "development"
    refusal = network_refusal(host, settings)
    assert refusal == (
        f"--host {host} opens the queue page to the network. AUTOPASS_SECRET_KEY is too weak "
        "(it is the development value): anyone could sign a session cookie. Set it to a random "
        f"value, made with: {MAKE_A_SECRET}"
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_serve_on_this_machine_only_keeps_the_development_secret(
    tmp_path: Path, host: str
) -> None:
    assert network_refusal(host, Settings(data_dir=tmp_path / "data")) is None


def test_serve_on_the_network_with_a_strong_secret_is_allowed(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", secret_key=secrets.token_urlsafe(48))
    assert network_refusal("0.0.0.0", settings) is None


def test_the_serve_command_refuses_before_it_listens(tmp_path: Path) -> None:
    """The README's one-machine recipe (`autopass serve --host 0.0.0.0`) without a secret."""
    with use_settings(Settings(data_dir=tmp_path / "data")) as settings:
        try:
            # An impossible port: were the refusal gone, uvicorn fails instead of serving forever.
            result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "-1"])
        finally:
            dispose_engine(settings.store_url)
    assert result.exit_code == 2, result.output
    assert "opens the queue page to the network" in result.output
    assert "secrets.token_urlsafe(48)" in result.output
