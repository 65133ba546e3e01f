"""``nightly-batch`` (02:00 Asia/Shanghai): tidy the queue, report the day, follow up loans.

(a) Leases that ran out go back to the queue. Dossiers that stopped half-way are dealt with:
    - ``waiting_for_people`` with no open or claimed task (settled, but the finalize run never
      happened or failed) -> ``finalize-dossier`` again, through ``autopass.flows.dispatch``;
    - ``processing`` for longer than ``stuck_processing_minutes`` -> ``failed`` with the reason.
      Nothing is re-run for them: the store keeps no folder to re-read, while the intake still
      holds such a folder in ``.processing/`` and retries it on its own;
    - ``waiting_for_dealer`` since longer than the product's ``dealer_deadline_days`` (a document
      missing, a photo nobody could read, not sent) -> ``reject``, saying so; the dealer's system
      is told (``autopass.dealer_deadlines``).
(b) The daily report of yesterday (Beijing) as a Prefect Markdown artifact; the same figures are
    the page ``/reports/daily/<date>``.
(c) Approved dossiers still without a registration certificate after the standard's days, and
(d) approved customers whose ID card expires soon, become post-loan items.
(e) Channel risk: each product's dealers and salespeople are scored again; those newly over the
    standard's threshold are put under watch (their dossiers go to a senior until a supervisor
    clears them) and alerted: a warning in the log and the ``channel-risk`` artifact.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field

from autopass.quality.measure import quality_markdown, quality_report, standards_in_use
from autopass import post_loan, reports
from autopass.dealer_deadlines import deadline_days, overdue_requests, reject_overdue
from autopass.dossier import DossierResult
from autopass.errors import StandardsError
from autopass.store.queue import expire_leases, unfinalized_dossier_ids
from autopass.flows.dispatch import start_finalize
from autopass.settings import get_settings
from autopass.standards import PostLoan, Standard, load_standard, loadable_standards
from autopass.store import mark_dossier_failed, session_scope, stuck_dossier_ids
from autopass.store.models import PostLoanKind
from autopass.store.types import utc_now
from autopass.tasks.channel import rescore
from autopass.tasks.notify import notify_if_due
from autopass.tasks.voice import forget_voiceprints

FINALIZE_WAIT_SECONDS = 600


class NightlyBatchRequest(BaseModel):
    day: date | None = Field(None, description="Day to report (Beijing); default: yesterday.")
    as_of: datetime | None = Field(
        None, description="The batch's 'now' (UTC): re-running a missed night. Default: now."
    )
    stuck_processing_minutes: int = Field(
        60, ge=1, description="A dossier `processing` for longer than this is marked failed."
    )
    finalize_grace_minutes: int = Field(
        10, ge=0, description="A settled dossier untouched for this long is finalized again.",
    )


class NightlyBatchSummary(BaseModel):
    day: date
    leases_expired: int
    refinalized: list[int]
    failed_stuck: list[int]
    rejected_unanswered: list[str] = Field(
        default_factory=list,
        description="Application ids rejected: their dealer did not send what was asked in time.",
    )
    report: dict[str, float | int | None]
    chases: dict[str, int]
    id_expiries: dict[str, int]
    channels_watched: list[dict[str, object]] = Field(
        default_factory=list,
        description="Dealers and salespeople put under watch tonight (product, kind, id, score).",
    )
    voiceprints_deleted: int = Field(
        0, description="Calls' voiceprints older than AUTOPASS_VOICEPRINT_RETENTION_DAYS deleted.")


@task(name="expire-leases", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def return_expired_leases(now: datetime) -> int:
    with session_scope(get_settings()) as session:
        return expire_leases(session, now=now)


@task(name="fail-stuck-dossiers", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def fail_stuck_dossiers(now: datetime, older_than_minutes: int) -> list[int]:
    """Dossiers left ``processing`` by a run that died become ``failed`` with the reason."""
    cutoff = now - timedelta(minutes=older_than_minutes)
    with session_scope(get_settings()) as session:
        stuck = stuck_dossier_ids(session, updated_before=cutoff)
        for dossier_id in stuck:
            mark_dossier_failed(
                session,
                dossier_id=dossier_id,
                problem=f"still processing after {older_than_minutes} minutes (nightly batch)",
                now=now,
            )
        return stuck


@task(name="reject-unanswered-requests", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def reject_unanswered_requests(now: datetime) -> list[DossierResult]:
    """Dossiers whose dealer did not send what was asked within the product's deadline are
    rejected, one transaction each; their results."""
    settings = get_settings()
    with session_scope(settings) as session:
        overdue = overdue_requests(session, now=now, days_for=deadline_days(settings))
    rejected = []
    for item in overdue:
        with session_scope(settings) as session:
            result = reject_overdue(session, item, now=now, face_engine=settings.face_engine)
        if result is not None:
            rejected.append(result)
    return rejected


@task(name="find-unfinalized-dossiers", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def find_unfinalized(now: datetime, grace_minutes: int) -> list[int]:
    """Dossiers waiting for people although none of their tasks is open or claimed."""
    with session_scope(get_settings()) as session:
        return unfinalized_dossier_ids(
            session, updated_before=now - timedelta(minutes=grace_minutes))


@task(name="refinalize", cache_policy=NO_CACHE, task_run_name="refinalize-{dossier_id}")
def refinalize(dossier_id: int) -> None:
    """Hand the dossier to ``finalize-dossier`` (here, or as a deployment run on a worker)."""
    thread = start_finalize(get_settings(), dossier_id)
    if thread is not None:
        thread.join(FINALIZE_WAIT_SECONDS)


@task(name="daily-report", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def publish_daily_report(day: date) -> reports.Report:
    settings = get_settings()
    with session_scope(settings) as session:
        report = reports.daily_report(session, day)
        quality = quality_report(session, day, day, standards=standards_in_use(session, settings))
    create_markdown_artifact(
        key="daily-report",
        description=f"Autopass daily report {day.isoformat()}",
        markdown=reports.report_markdown(report) + "\n" + quality_markdown(quality),
    )
    return report


@task(name="post-loan-follow-up", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5,
      task_run_name="post-loan-{kind}")
def follow_up(kind: PostLoanKind, now: datetime) -> post_loan.PostLoanCounts:
    """Find and record the post-loan items of one kind."""
    rules = _post_loan_rules()
    find = post_loan.registration_chases if kind is PostLoanKind.REGISTRATION_CHASE \
        else post_loan.id_expiries
    with session_scope(get_settings()) as session:
        findings = find(session, now=now, rules=rules)
        return post_loan.record_findings(session, kind=kind, findings=findings, now=now)


def _standards() -> list[Standard]:
    """Every product standard that loads (one that does not is logged, never a stop)."""
    loaded, broken = loadable_standards(get_settings())
    for name, error in broken.items():
        get_run_logger().warning("channel risk skips %s: %s", name, error)
    return loaded


def _alert_channels(watched: list[dict[str, object]]) -> None:
    """New watches: one warning each and a Markdown artifact a supervisor is pointed at."""
    logger = get_run_logger()
    for watch in watched:
        logger.warning("channel risk: %s %s (%s) put under watch, score %s",
                       watch["kind"], watch["channel"], watch["product"], watch["score"])
    rows = "\n".join(f"| {w['product']} | {w['kind']} | {w['channel']} | {w['score']} |"
                     for w in watched)
    create_markdown_artifact(
        key="channel-risk",
        description="Dealers and salespeople put under watch tonight",
        markdown=("# 渠道风险 Channel risk: put under watch tonight\n\n"
                  "| product | kind | channel | score |\n|---|---|---|---|\n" + rows
                  + "\n\nTheir dossiers go to a senior until a supervisor clears them on "
                  "/channel-risk."),
    )


@flow(name="nightly-batch")
def nightly_batch(request: NightlyBatchRequest | None = None) -> NightlyBatchSummary:
    """Everything the operations centre needs done overnight; each part is its own task."""
    request = request or NightlyBatchRequest()
    logger = get_run_logger()
    now = request.as_of or utc_now()
    if now.tzinfo is None:
        raise ValueError(f"as_of {now.isoformat()} has no time zone; give it in UTC (…Z)")
    day = request.day or reports.beijing_day(now) - timedelta(days=1)
    expired = return_expired_leases(now)
    failed = fail_stuck_dossiers(now, request.stuck_processing_minutes)
    unanswered = reject_unanswered_requests(now)
    for result in unanswered:
        notify_if_due(result)
    unfinalized = find_unfinalized(now, request.finalize_grace_minutes)
    for dossier_id in unfinalized:
        refinalize(dossier_id)
    report = publish_daily_report(day)
    chases = follow_up(PostLoanKind.REGISTRATION_CHASE, now)
    expiries = follow_up(PostLoanKind.ID_EXPIRY, now)
    watched = [watch for standard in _standards() for watch in rescore(standard, now)]
    if watched:
        _alert_channels(watched)
    voiceprints_deleted = forget_voiceprints(now)
    logger.info(
        "nightly batch %s: %d leases expired, %d re-finalized, %d failed, %d rejected for want "
        "of what their dealer was asked; STP %s, 8030 %s; %d new chase items, %d new ID expiry "
        "warnings",
        day, expired, len(unfinalized), len(failed), len(unanswered),
        reports.percent(report.stp_rate),
        reports.percent(report.sla_attainment), chases.new, expiries.new,
    )
    return NightlyBatchSummary(
        day=day,
        leases_expired=expired,
        refinalized=unfinalized,
        failed_stuck=failed,
        rejected_unanswered=[result.application_id for result in unanswered],
        report={
            "dossiers": report.dossiers,
            "stp_rate": report.stp_rate,
            "sla_attainment": report.sla_attainment,
            "microtasks_per_dossier": report.microtasks_per_dossier,
        },
        chases=chases.__dict__,
        id_expiries=expiries.__dict__,
        channels_watched=watched,
        voiceprints_deleted=voiceprints_deleted,
    )


def _post_loan_rules():  # type: ignore[no-untyped-def]
    """product -> its standard's post-loan deadlines, each standard loaded once per run.

    A product without a standard any more falls back to the strictest known deadlines rather
    than being skipped: a loan must never drop out of post-loan follow-up."""
    settings = get_settings()
    cache: dict[str, PostLoan] = {}

    def rules(product: str) -> PostLoan:
        if product not in cache:
            try:
                cache[product] = load_standard(product, settings).post_loan
            except StandardsError:
                get_run_logger().warning("no standard for product %s; strictest deadlines", product)
                cache[product] = _strictest(settings)
        return cache[product]

    return rules


def _strictest(settings) -> PostLoan:  # type: ignore[no-untyped-def]
    known = []
    for path in sorted(settings.standards_dir.glob("*.yaml")):
        try:
            known.append(load_standard(path.stem, settings).post_loan)
        except StandardsError:
            continue
    return PostLoan(
        registration_chase_days=min(p.registration_chase_days for p in known),
        id_expiry_warning_days=max(p.id_expiry_warning_days for p in known),
    )
