"""A ring drawn for a senior or a supervisor: people, their dossiers and the values that link them,
as server-side SVG (no script, no CDN; presentation attributes only, as ``autopass.charts``).

Numbers are masked as everywhere a person reads them (``standards.mask_value``); a name shows its
first character only: the graph is about who is linked to whom, the dossier page tells the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup
from sqlmodel import Session

from autopass.charts import FONT, INK, MUTED, PALETTE
from autopass.masking import mask_value
from autopass.store.channels import dossiers_named
from autopass.store.models import FindingState, RiskFinding

KIND_COLORS = {
    "face": "#b3261e", "phone": PALETTE[0], "bank_card": PALETTE[2], "vin": "#6a3fb5",
    "invoice_number": PALETTE[1], "address": "#00796b", "id_number": "#8a4b08",
}
KIND_LABELS = {
    "face": "人脸 face", "phone": "电话 phone", "bank_card": "银行卡 bank card", "vin": "车架号 VIN",
    "invoice_number": "发票号 invoice", "address": "地址 address", "id_number": "身份证号 ID number",
}
ROW = 64


@dataclass
class RingGraph:
    finding: RiskFinding
    people: dict[str, str] = field(default_factory=dict)  # person key -> label (masked)
    dossiers: dict[str, str] = field(default_factory=dict)  # application id -> dealer / status
    values: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (kind, masked)
    owns: list[tuple[str, str]] = field(default_factory=list)  # (person, application id)
    shares: list[tuple[str, str]] = field(default_factory=list)  # (application id, value key)


def ring_graph(session: Session, finding: RiskFinding) -> RingGraph:
    """The finding's ring: every member dossier, its applicant, and each shared value."""
    graph = RingGraph(finding)
    members = list(dict.fromkeys(finding.members))
    for application_id in members:
        graph.dossiers[application_id] = "—"
    for dossier in dossiers_named(session, members):
        applicant = dossier.application.get("applicant", {})
        id_number = str(applicant.get("id_number", ""))
        person = f"person:{id_number}"
        name = str(applicant.get("name", ""))
        graph.people[person] = f"{name[:1]}{'*' * max(len(name) - 1, 1)} · " \
                               f"{mask_value('id_number', id_number)}"
        graph.dossiers[dossier.application_id] = f"{dossier.dealer_id} · {dossier.status}"
        graph.owns.append((person, dossier.application_id))
    for number, link in enumerate(finding.links):
        key = f"value:{number}"
        graph.values[key] = (str(link.get("kind", "")), str(link.get("value", "")))
        for application_id in link.get("applications", []):
            graph.dossiers.setdefault(str(application_id), "—")
            graph.shares.append((str(application_id), key))
    return graph


def ring_svg(graph: RingGraph, width: int = 1080) -> Markup:
    """Three columns: people, dossiers, shared values; a line for each "applies with" and each
    "holds the same value"."""
    columns = (list(graph.people), list(graph.dossiers), list(graph.values))
    rows = max(len(column) for column in columns) or 1
    height = 56 + rows * ROW
    xs = (150, width // 2, width - 170)
    place: dict[str, tuple[float, float]] = {}
    for x, column in zip(xs, columns, strict=True):
        top = 56 + (rows - len(column)) * ROW / 2
        for i, key in enumerate(column):
            place[key] = (x, top + i * ROW + ROW / 2)
    title = f"关联图 Ring of finding {graph.finding.id}: {len(graph.dossiers)} dossiers"
    parts = [
        f'<svg class="chart ring-graph" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{escape(title)}" '
        f'font-family="{FONT}"><title>{escape(title)}</title>',
        _text(xs[0], 24, "申请人 People", bold=True), _text(xs[1], 24, "卷宗 Dossiers", bold=True),
        _text(xs[2], 24, "共用信息 Shared values", bold=True),
    ]
    for person, application_id in graph.owns:
        parts.append(_edge(place[person], place[application_id], MUTED, "申请 applies with"))
    for application_id, key in graph.shares:
        kind = graph.values[key][0]
        parts.append(_edge(place[application_id], place[key], KIND_COLORS.get(kind, INK),
                           KIND_LABELS.get(kind, kind)))
    for person, label in graph.people.items():
        parts.append(_node(place[person], label, "#fff", MUTED, shape="pill"))
    fraud = graph.finding.state == FindingState.FRAUD
    own = graph.finding.members[0] if graph.finding.members else None
    for application_id, note in graph.dossiers.items():
        stroke = "#b3261e" if fraud else (INK if application_id == own else MUTED)
        parts.append(_node(place[application_id], application_id, "#f4f7fb", stroke, note=note))
    for key, (kind, value) in graph.values.items():
        color = KIND_COLORS.get(kind, INK)
        parts.append(_node(place[key], value, "#fff", color, note=KIND_LABELS.get(kind, kind)))
    parts.append("</svg>")
    return Markup("".join(parts))


def _edge(start: tuple[float, float], end: tuple[float, float], color: str, label: str) -> str:
    (x1, y1), (x2, y2) = start, end
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
            f'stroke-width="2" stroke-opacity="0.75"><title>{escape(label)}</title></line>')


def _node(at: tuple[float, float], label: str, fill: str, stroke: str, *, note: str = "",
          shape: str = "rect") -> str:
    x, y = at
    w, h = 230, 42
    rounded = h / 2 if shape == "pill" else 6
    box = (f'<rect x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" width="{w}" height="{h}" '
           f'rx="{rounded}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>')
    text_y = y - 2 if note else y + 5
    parts = [f'<g class="node">{box}', _text(x, text_y, label, bold=True)]
    if note:
        parts.append(_text(x, y + 14, note, size=11))
    parts.append(f"<title>{escape(label)} {escape(note)}</title></g>")
    return "".join(parts)


def _text(x: float, y: float, text: str, *, size: int = 13, bold: bool = False) -> str:
    weight = ' font-weight="600"' if bold else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-size="{size}" '
            f'fill="{INK if bold else MUTED}"{weight}>{escape(text)}</text>')

