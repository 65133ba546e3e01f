"""Channel risk in the flows: the check of each dossier, and the nightly rescoring
(``autopass.risk.channel``)."""

from __future__ import annotations

from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE

from autopass.answers import read_answer
from autopass.dossier import Application, CheckResult, MicroTaskKind
from autopass.review import SettledTask
from autopass.risk.channel import channel_check, rescore_channels, settled_channel_check
from autopass.settings import get_settings
from autopass.standards import Standard
from autopass.store import session_scope


@task(name="check-channel", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def check_channel(product: str, application: Application,
                  settled: list[SettledTask] | None = None) -> CheckResult:
    """``channel_not_under_watch``: as the senior who looked at the dossier answered, else
    ``review`` while its dealer or salesperson is under watch."""
    answered = [task for task in settled or [] if task.kind is MicroTaskKind.REVIEW_CHANNEL]
    if answered:
        last = answered[-1]
        verdict = read_answer(last.kind, last.resolution).verdict  # type: ignore[union-attr]
        return settled_channel_check(verdict, last.answered_by)
    with session_scope(get_settings()) as session:
        return channel_check(session, product=product,
                             dealer_id=application.dealer_id,
                             salesperson_id=application.salesperson_id)


@task(name="rescore-channels", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5,
      task_run_name="rescore-channels-{standard.product}")
def rescore(standard: Standard, now: datetime) -> list[dict[str, object]]:
    """Score the product's dealers and salespeople; the channels newly put under watch."""
    with session_scope(get_settings()) as session:
        watched = rescore_channels(session, standard=standard, now=now)
        return [{"watch": watch.id, "product": watch.product, "kind": str(watch.kind),
                 "channel": watch.channel_id, "score": round(watch.score, 3)}
                for watch in watched]
