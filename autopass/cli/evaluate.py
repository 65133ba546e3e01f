"""``autopass evaluate``: the pipeline on generated dossiers, compared with their truth.json."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from autopass.capture_check import LEGIBLE_TEXT_PX
from autopass.cli._app import app
from autopass.cli._running import process_folders
import sqlalchemy as sa

from autopass.devtools.evaluation import (
    EvaluatedDossier,
    EvaluationReport,
    FraudReport,
    VoiceReport,
    evaluate_by_group,
    evaluate_fraud,
    evaluate_results,
    evaluate_voices,
    voice_partners,
)
from autopass.devtools.samples.calls import AGENTS_FOLDER
from autopass.devtools.quality_truth import Estimate, QualityAgainstTruth, against_truth
from autopass.dossier_folder import TRUTH_FILE
from autopass.settings import Settings, get_settings, use_settings
from autopass.store import Dossier, FindingState, RiskFinding, session_scope
from autopass.devtools.truthful_operators import LoopReport
from autopass.devtools.truthful_operators import answer_with_truth as answer_with_truth_in

ACCURACY_FLOOR = 0.98  # below this a field is shown in red (issue 3's floor for most fields)


@app.command()
def evaluate(
    samples_dirs: Annotated[list[Path], typer.Argument(
        help="Folders of dossiers written by `autopass samples` (one per template group, say).")],
    limit: Annotated[int | None, typer.Option(help="Evaluate only the first N dossiers of each folder.")] = None,
    json_file: Annotated[Path | None, typer.Option("--json", help="Also write the report as JSON.")] = None,
    keep_store: Annotated[
        bool, typer.Option(help="Record into the configured store instead of a temporary one.")
    ] = False,
    answer_with_truth: Annotated[
        bool, typer.Option(help="Then answer every micro-task with the truth and finalize, round "
                                "after round: where each dossier ends, and what it took.")
    ] = False,
    slip_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="With --answer-with-truth: this share of the "
                            "answers is given wrong, as a hurried person would (a yes for a no, "
                            "another type, a character mistyped).")
    ] = 0.0,
    seed: Annotated[int, typer.Option(help="Which answers slip (--slip-rate).")] = 0,
    qa_rate: Annotated[float | None, typer.Option(
        min=0.0, max=1.0, help="Share of auto_pass dossiers drawn for a blind QA review, in place "
        "of the standards' qa.sample_rate (a copy of the standards is changed, not them).")] = None,
    store_dir: Annotated[Path | None, typer.Option(
        help="Keep this run's store (and crops) in this new folder instead of a temporary one: "
        "`AUTOPASS_DATA_DIR=DIR autopass calibrate` then reads its answers.")] = None,
) -> None:
    """Document-type accuracy, exact match per field, straight-through rate on clean dossiers,
    every defective dossier that came out auto_pass, and seconds per dossier; side by side per
    template group (tuning, holdout) when the dossiers come from both."""
    folders = [folder for samples_dir in samples_dirs
               for folder in sorted(p.parent for p in samples_dir.glob(f"*/{TRUTH_FILE}"))[:limit]]
    if not folders:
        shown = ", ".join(str(d) for d in samples_dirs)
        raise typer.BadParameter(f"no dossiers with {TRUTH_FILE} under {shown}")
    if answer_with_truth and keep_store:
        raise typer.BadParameter("--answer-with-truth answers tasks: only in a temporary store")
    console = Console(stderr=True)
    with tempfile.TemporaryDirectory(prefix="autopass-evaluate-") as scratch:
        settings = get_settings()
        if store_dir is not None and (keep_store or (store_dir.exists() and any(store_dir.iterdir()))):
            raise typer.BadParameter(f"--store-dir {store_dir}: must be a new or empty folder")
        if not keep_store:
            settings = settings.model_copy(update={"data_dir": store_dir or Path(scratch),
                                                   "database_url": None})
        if qa_rate is not None:
            settings = settings.model_copy(update={"standards_dir": _with_qa_rate(
                settings.standards_dir, Path(scratch) / "standards", qa_rate)})
        with use_settings(settings):
            _enrol_agents(samples_dirs, settings, console)
            evaluated = _process(folders, console, prefixed=len(samples_dirs) > 1)
            report = evaluate_results(evaluated)
            by_group = evaluate_by_group(evaluated)
            Console().print(_table(report, by_group if len(by_group) > 1 else {}))
            links = _links(settings)
            fraud = evaluate_fraud(evaluated, _finding_kinds(links))
            if fraud.planted_total or any("fraud" in d.truth for d in evaluated):
                Console().print(_fraud_table(fraud))
            voices = evaluate_voices(evaluated, voice_partners(links))
            if voices.calls:
                Console().print(_voice_table(voices))
            loop = None
            if answer_with_truth:
                truths = {d.result["application_id"]: (d.name, d.truth) for d in evaluated}
                with console.status("people answer with the truth; finalize-dossier decides"):
                    loop = answer_with_truth_in(settings, truths, slip_rate=slip_rate, seed=seed)
                Console().print(_loop_table(loop))
                quality = against_truth(settings, evaluated)
                Console().print(_quality_table(quality))
                for name, reasons in loop.misjudged.items():
                    Console().print(f"[red]{name}[/]: " + escape("; ".join(reasons)))
    if json_file:
        document = report.model_dump(mode="json")
        document["by_template_group"] = {group: part.model_dump(mode="json", exclude={"mismatches"})
                                         for group, part in by_group.items()}
        document["fraud"] = fraud.model_dump(mode="json")
        document["voices"] = voices.model_dump(mode="json")
        if loop is not None:
            document["after_answers"] = loop.model_dump(mode="json")
            document["measured_error"] = quality.model_dump(mode="json")
        json_file.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    failed = (report.false_auto_pass or fraud.flagged_auto_pass
              or (loop is not None and loop.defective_approved))
    raise typer.Exit(1 if failed else 0)


def _process(folders: list[Path], console: Console, *, prefixed: bool = False) -> list[EvaluatedDossier]:
    """Each folder through ``process-dossier``, with its truth; unreadable ones reported. With
    ``prefixed``, a dossier is named with its set's folder (two sets both have dossier_0001)."""
    evaluated = []
    with _progress(console) as progress:
        bar = progress.add_task("evaluate", total=len(folders))
        for processed in process_folders(folders):
            progress.advance(bar)
            if processed.result is None:
                console.print(f"[red]autopass: {processed.error}")
                continue
            compared = processed.with_truth()
            if compared is None:
                console.print(f"[red]autopass: {processed.folder} has no {TRUTH_FILE}")
                continue
            if prefixed:
                compared = compared.model_copy(update={"name": f"{processed.folder.parent.name}/{compared.name}"})
            evaluated.append(compared)
    return evaluated


def _enrol_agents(samples_dirs: list[Path], settings: Settings, console: Console) -> None:
    """The agents whose recordings ``autopass samples --call-agent`` wrote (``agents/<name>/``),
    enrolled in this run's store as a centre enrols its own before calls are checked."""
    folders = sorted(agent for samples_dir in samples_dirs
                     for agent in (samples_dir / AGENTS_FOLDER).glob("*") if agent.is_dir())
    if not folders:
        return
    from autopass.engines.registry import get_voice_engine
    from autopass.store import utc_now
    from autopass.voice.agents import enrol
    from autopass.voice.audio import decode

    engine = get_voice_engine(settings)
    with session_scope(settings) as session:
        for folder in folders:
            recordings = [decode(path).samples for path in sorted(folder.iterdir())]
            _agent, seconds = enrol(session, engine, folder.name, recordings, now=utc_now())
            console.print(f"agent {folder.name} enrolled from {seconds:.1f} s of speech")


def _links(settings: Settings) -> dict[str, list[dict]]:
    """Application id -> the links of its findings (not superseded)."""
    found: dict[str, list[dict]] = {}
    with session_scope(settings) as session:
        rows = session.execute(
            sa.select(Dossier.application_id, RiskFinding.links)
            .join(RiskFinding, RiskFinding.dossier_id == Dossier.id)  # type: ignore[arg-type]
            .where(RiskFinding.state != FindingState.SUPERSEDED)).all()
    for application_id, links in rows:
        found.setdefault(application_id, []).extend(links)
    return found


def _finding_kinds(links: dict[str, list[dict]]) -> dict[str, set[str]]:
    """Application id -> the kinds of what links it directly (a ring finding also names the
    links between the ring's other members) or what its own documents betray."""
    return {application_id: {link["kind"] for link in own if application_id in link["applications"]}
            for application_id, own in links.items()}


def _voice_table(voices: VoiceReport) -> Table:
    table = Table(title="voices of the calls against the planted voice rings")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("dossiers with a call", str(voices.calls))
    table.add_row("  calls without a voiceprint (a senior asked)",
                  f"{len(voices.without_voiceprint)} {_names(voices.without_voiceprint)}".strip())
    table.add_row("voice rings found", f"{voices.rings_found} of {voices.rings} "
                  f"{_names(voices.rings_missed)}".strip())
    table.add_row("  ring members after the first linked to an earlier one",
                  f"{voices.planted_members_linked} of {voices.planted_members}")
    table.add_row("clean applicants flagged", f"{len(voices.clean_flagged)} of "
                  f"{voices.clean_applicants} {_names(voices.clean_flagged)}".strip())
    return table


def _fraud_table(fraud: FraudReport) -> Table:
    table = Table(title="findings across dossiers against the planted rings")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for kind, share in fraud.found_share.items():
        missed = " ".join(fraud.missed.get(kind, []))
        table.add_row(f"planted {kind}: found", f"{share:.1%} of {fraud.planted[kind]} {missed}".strip())
    share = fraud.found_total / fraud.planted_total if fraud.planted_total else 0.0
    table.add_row("planted, all kinds: found", f"{share:.1%} of {fraud.planted_total}")
    clean = max(fraud.clean_dossiers, 1)
    table.add_row("clean dossiers with any finding",
                  f"{len(fraud.clean_flagged) / clean:.1%} ({len(fraud.clean_flagged)} of "
                  f"{fraud.clean_dossiers})")
    table.add_row("  of them: a repeated sample face or photo only",
                  str(len(fraud.clean_flagged_by_face_set)))
    table.add_row("  finding kinds on clean dossiers",
                  ", ".join(f"{k} {v}" for k, v in sorted(fraud.clean_finding_kinds.items())))
    table.add_row("dossiers with a finding decided auto_pass (must be 0)",
                  f"{len(fraud.flagged_auto_pass)} {_names(fraud.flagged_auto_pass)}".strip())
    table.add_row("clean straight-through", f"{fraud.clean_straight_through:.1%}")
    table.add_row("clean straight-through had no finding held them",
                  f"{fraud.clean_straight_through_without_findings:.1%}")
    return table


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console)


def _loop_table(loop: LoopReport) -> Table:
    table = Table(title="after people answered every task with the truth")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for label, names in (("clean dossiers approved", loop.clean_approved),
                         ("clean dossiers rejected", loop.clean_rejected),
                         ("defective dossiers approved", loop.defective_approved),
                         ("defective dossiers rejected", loop.defective_rejected),
                         ("clean dossiers sent back to their dealer", loop.clean_sent_back),
                         ("defective dossiers sent back to their dealer",
                          loop.defective_sent_back),
                         ("dossiers never settled", loop.unsettled)):
        shown = " ".join(names) if label != "clean dossiers approved" and len(names) <= 10 else ""
        table.add_row(label, f"{len(names)} {shown}".strip())
    table.add_row("micro-tasks, all rounds", str(loop.tasks))
    for kind, count in loop.tasks_by_kind.items():
        table.add_row(f"  {kind}", str(count))
    table.add_row("answers given", str(loop.answers))
    table.add_row("tasks no truthful answer fits", str(loop.set_aside))
    table.add_row("answers slipped (--slip-rate)", str(loop.slips))
    table.add_row("tasks showing no image", str(len(loop.tasks_without_image)))
    table.add_row("QA reviews answered (disagreed, re-opened)",
                  f"{loop.qa_reviews} ({loop.qa_disagreed}, {loop.qa_reopened})")
    table.add_row("QA items slipped (--slip-rate)", str(loop.qa_slips))
    runs = ", ".join(f"{runs}: {count}" for runs, count in loop.finalize_runs.items())
    table.add_row("finalize runs per dossier (runs: dossiers)", runs)
    return table


def _quality_table(quality: QualityAgainstTruth) -> Table:
    """What the centre measured of its own error, beside what the generator knows."""
    table = Table(title="measured error (people's answers) against the truth")
    for column in ("figure", "measured", "95% interval", "truth"):
        table.add_column(column, justify="left" if column == "figure" else "right")

    def shown(e: Estimate) -> tuple[str, str]:
        if not e.n:
            return "0/0", "-"
        return f"{e.errors}/{e.n} ({e.errors / e.n:.2%})", f"{e.low:.2%}-{e.high:.2%}"

    true = quality.true_trusted_error
    table.add_row("trusted-value error, QA sample", *shown(quality.qa_trusted_error),
                  f"{true.errors}/{true.n}" + (f" ({true.errors / true.n:.2%})" if true.n else ""))
    table.add_row("trusted-value error, every answer", *shown(quality.all_trusted_error), "")
    fap = quality.true_false_auto_pass
    table.add_row("false auto_pass, QA estimate", *shown(quality.qa_false_auto_pass),
                  f"{fap.errors}/{fap.n}")
    inside = quality.qa_error_inside
    table.add_row("truth inside the QA interval", "-" if inside is None else str(inside), "", "")
    return table


def _with_qa_rate(source: Path, target: Path, rate: float) -> Path:
    """A copy of the standards folder whose every product draws ``rate`` for QA review."""
    shutil.copytree(source, target)
    for path in target.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["qa"] = {**(data.get("qa") or {}), "sample_rate": rate}
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
    return target


def _table(report: EvaluationReport, by_group: dict[str, EvaluationReport]) -> Table:
    """The figures of every dossier, then, when the dossiers come from both template groups, the
    same figures per group in columns of their own."""
    table = Table(title=f"{report.dossiers} dossiers, {report.documents} documents", show_lines=False)
    table.add_column("figure")
    table.add_column("all" if by_group else "value", justify="right")
    for group, part in by_group.items():
        table.add_column(f"{group} ({part.dossiers})", justify="right")
    reports = [report, *by_group.values()]

    def row(label: str, shown: Callable[[EvaluationReport], str]) -> None:
        table.add_row(label, *(shown(r) for r in reports))

    row("document type accuracy", lambda r: f"{r.type_accuracy:.2%}")
    for key in report.field_accuracy:
        row(f"  {key}", lambda r, key=key: _rate(r, key))
    row("auto_pass of clean dossiers", lambda r: f"{r.straight_through_clean:.2%} of {r.clean_dossiers}")
    row(f"  key text >= {LEGIBLE_TEXT_PX} px: auto_pass",
        lambda r: f"{r.straight_through_legible:.2%} of {r.clean_legible}")
    row(f"  key text < {LEGIBLE_TEXT_PX} px: auto_pass or better photo asked",
        lambda r: f"{r.illegible_handled:.2%} of {r.clean_illegible} "
                  f"({r.clean_illegible_auto_pass} + {r.clean_illegible_photo_requested})")
    if report.clean_unmeasured:
        row("  key text height not recorded", lambda r: str(r.clean_unmeasured))
    if report.clean_held_by_repeated_face:
        row("  clean held: one sample face under several names",
            lambda r: str(len(r.clean_held_by_repeated_face)))
    row("defective dossiers auto_pass", lambda r: f"{len(r.false_auto_pass)} {_names(r.false_auto_pass)}".strip())
    row("clean dossiers rejected", lambda r: f"{len(r.clean_rejected)} {_names(r.clean_rejected)}".strip())
    row("decisions", lambda r: ", ".join(f"{k} {v}" for k, v in sorted(r.decisions.items())))
    row("seconds per dossier", lambda r: f"{r.seconds_per_dossier:.2f}")
    return table


def _rate(report: EvaluationReport, key: str) -> str:
    if key not in report.field_accuracy:
        return "-"
    rate = report.field_accuracy[key]
    colour = "green" if rate >= ACCURACY_FLOOR else "red"
    return f"[{colour}]{rate:.2%}[/] (n={report.field_counts[key]})"


def _names(names: list[str]) -> str:
    return " ".join(names)
