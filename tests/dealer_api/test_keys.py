"""Dealer API keys: issued once, kept hashed, listed, revoked; each call of a key counted."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from autopass.cli import app
from autopass.settings import Settings, use_settings
from autopass.store import AuditEvent, DealerKey, StoreError, dispose_engine, session_scope
from autopass.store.dealers import authenticate_key, count_call, issue_key, revoke_key
from autopass.store.types import utc_now


def test_a_key_is_stored_hashed_acts_for_its_dealer_and_ends_when_revoked(
        web_store: Settings) -> None:
    with session_scope(web_store) as session:
        issued = issue_key(session, dealer_id="D-QD-017", name="DMS")
    assert re.fullmatch(r"ap_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", issued.key)
    with session_scope(web_store) as session:
        row = session.exec(select(DealerKey)).one()
        assert row.key_hash == hashlib.sha256(issued.key.encode()).hexdigest()
        assert issued.key not in {row.key_hash, row.prefix, row.name}
        found = authenticate_key(session, issued.key)
        assert found is not None and found.dealer_id == "D-QD-017"
        wrong_secret = issued.key[:-4] + ("AAAA" if not issued.key.endswith("AAAA") else "BBBB")
        assert authenticate_key(session, wrong_secret) is None
        assert authenticate_key(session, "ap_000000000000_nothing") is None
        assert authenticate_key(session, "not a key") is None
    with session_scope(web_store) as session:
        revoke_key(session, prefix=row.prefix)
    with session_scope(web_store) as session:
        assert authenticate_key(session, issued.key) is None
        actions = [e.action for e in session.exec(select(AuditEvent)).all()
                   if e.action.startswith("dealer_key")]
        assert actions == ["dealer_key_issued", "dealer_key_revoked"]
    with pytest.raises(StoreError, match="no dealer key ffffffffffff"), \
            session_scope(web_store) as session:
        revoke_key(session, prefix="ffffffffffff")


def test_calls_over_the_limit_are_refused_until_the_oldest_leaves_the_window(
        web_store: Settings) -> None:
    window = timedelta(seconds=60)
    start = utc_now()
    with session_scope(web_store) as session:
        key = issue_key(session, dealer_id="D-QD-017").row
        other = issue_key(session, dealer_id="D-QD-017").row
    with session_scope(web_store) as session:
        for second in range(3):
            assert count_call(session, key=key, limit=3, window=window,
                              now=start + timedelta(seconds=second)) is None
        refused_until = count_call(session, key=key, limit=3, window=window,
                                   now=start + timedelta(seconds=10))
        assert refused_until == start + window
        assert count_call(session, key=other, limit=3, window=window,
                          now=start + timedelta(seconds=10)) is None  # each key its own count
        assert count_call(session, key=key, limit=3, window=window,
                          now=start + timedelta(seconds=61)) is None


def test_the_commands_add_list_and_revoke_keys(tmp_path: Path) -> None:
    runner = CliRunner()
    with use_settings(Settings(data_dir=tmp_path / "cli")) as settings:
        try:
            added = runner.invoke(app, ["dealers", "add", "D-QD-017", "--name", "DMS"])
            assert added.exit_code == 0, added.output
            key = added.stdout.strip().splitlines()[-1]
            prefix = key.split("_")[1]
            with session_scope(settings) as session:
                assert authenticate_key(session, key) is not None
            listed = runner.invoke(app, ["dealers", "list"], env={"COLUMNS": "120"})
            assert listed.exit_code == 0, listed.output
            assert re.search(rf"{prefix}\s*│\s*D-QD-017\s*│\s*DMS", listed.stdout), listed.stdout
            assert key not in listed.stdout
            revoked = runner.invoke(app, ["dealers", "revoke", prefix])
            assert revoked.exit_code == 0, revoked.output
            with session_scope(settings) as session:
                assert authenticate_key(session, key) is None
            unknown = runner.invoke(app, ["dealers", "revoke", "ffffffffffff"])
            assert unknown.exit_code == 2 and "no dealer key ffffffffffff" in unknown.output
            empty = runner.invoke(app, ["dealers", "add", ""])
            assert empty.exit_code == 2 and "dealer id ''" in empty.output
        finally:
            dispose_engine(settings.store_url)
