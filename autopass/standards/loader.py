"""Reading standards from disk: every load error names the file, the rule and the key, and says
what was meant when a key is misspelt."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from autopass.documents import DocumentType
from autopass.errors import StandardsError
from autopass.references import APPLICATION, split_reference
from autopass.settings import Settings
from autopass.standards.specs import DocumentSpec, Standard

DOCUMENTS_DIR = "documents"


def _display(path: Path, settings: Settings) -> str:
    """The path as a person finds it: ``standards/new_car_loan.yaml``."""
    root = settings.standards_dir
    try:
        return str(Path(root.name) / path.relative_to(root))
    except ValueError:
        return str(path)


_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it: standards are read for every dossier
(edits apply without a restart), and the pure-Python parser cost ~60 ms of each."""


def _parse_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        return yaml.safe_load(text)  # raises again, with the pure-Python parser's clearer words


def _read_yaml(path: Path, shown: str) -> dict[str, Any]:
    try:
        data = _parse_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StandardsError(f"{shown}: file not found") from None
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        problem = getattr(error, "problem", None) or str(error)
        raise StandardsError(f"{shown}: not valid YAML{at}: {problem}") from None
    except UnicodeDecodeError:
        raise StandardsError(f"{shown}: not UTF-8 text") from None
    if not isinstance(data, dict):
        raise StandardsError(f"{shown}: expected a mapping of keys at the top level")
    return data


def _rule_label(data: dict[str, Any], location: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """For an error inside ``rules``: ("rule 'id'", the location inside that rule)."""
    index, rest = location[1], location[2:]
    rules = data.get("rules")
    in_range = isinstance(rules, list) and isinstance(index, int) and 0 <= index < len(rules)
    rule = rules[index] if in_range else None  # type: ignore[index]
    if not isinstance(rule, dict):
        return f"rule #{index + 1 if isinstance(index, int) else index}", rest
    # The discriminated union puts the rule type in the location: drop it.
    if rest and rest[0] == rule.get("type"):
        rest = rest[1:]
    rule_id = rule.get("id")
    label = f"rule {rule_id!r}" if isinstance(rule_id, str) else f"rule #{index + 1}"
    return label, rest


def _key_path(location: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in location:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _describe_error(error: dict[str, Any], data: dict[str, Any]) -> str:
    """One pydantic error as ``rule 'x': unknown key 'y'`` (or ``key 'z': ...`` outside rules)."""
    location = tuple(error["loc"])
    prefix = ""
    if location and location[0] == "rules" and len(location) > 1:
        label, location = _rule_label(data, location)
        prefix = f"{label}: "
    kind = error["type"]
    key = _key_path(location)
    message = error["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return f"{prefix}unknown key {key!r}"
    if kind == "missing":
        return f"{prefix}missing key {key!r}"
    if kind == "union_tag_not_found":
        return f"{prefix}missing key 'type'"
    if kind == "union_tag_invalid":
        tag = error.get("ctx", {}).get("tag")
        expected = error.get("ctx", {}).get("expected_tags", "")
        return f"{prefix}unknown rule type {tag!r} (expected one of: {expected})"
    if not key:
        return f"{prefix}{message}"
    return f"{prefix}key {key!r}: {message}"


def _explained(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Unknown keys first; a missing key that a misspelt unknown key explains is left out."""
    unknown = [e for e in errors if e["type"] == "extra_forbidden"]
    misspelt = {(tuple(e["loc"][:-1]), str(e["loc"][-1])) for e in unknown if e["loc"]}

    def explained(error: dict[str, Any]) -> bool:
        if error["type"] != "missing" or not error["loc"]:
            return False
        parent, key = tuple(error["loc"][:-1]), str(error["loc"][-1])
        typed = [name for where, name in misspelt if where == parent]
        return bool(difflib.get_close_matches(key, typed, n=1))

    return unknown + [e for e in errors if e not in unknown and not explained(e)]


def _validate(model: type[BaseModel], data: dict[str, Any], shown: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        lines = [f"{shown}: {_describe_error(e, data)}" for e in _explained(error.errors())]
        raise StandardsError("\n".join(dict.fromkeys(lines))) from None


def _check_references(standard: Standard, specs: dict[DocumentType, DocumentSpec], shown: str) -> None:
    """Every document field a rule reads exists in that document's spec."""
    problems: list[str] = []
    for rule in standard.rules:
        for reference in rule.references():
            source, field = split_reference(reference)
            if source == APPLICATION:
                continue
            spec = specs.get(DocumentType(source))
            if spec is None:
                problems.append(f"{shown}: rule {rule.id!r}: no document spec for {source!r}")
            elif field not in spec.fields:
                problems.append(
                    f"{shown}: rule {rule.id!r}: {source} has no field {field!r} "
                    f"(known: {', '.join(spec.fields)})"
                )
    for item in standard.double_keying or []:
        source, _, field = item.rpartition(".")
        known = [spec.fields for t, spec in specs.items() if not source or t == source]
        if not any(field in fields for fields in known):
            problems.append(f"{shown}: double_keying: no document has a field {item!r}")
    if problems:
        raise StandardsError("\n".join(problems))


def _load_document_spec(path: Path, settings: Settings) -> DocumentSpec:
    shown = _display(path, settings)
    spec: DocumentSpec = _validate(DocumentSpec, _read_yaml(path, shown), shown)
    if spec.type != path.stem:
        raise StandardsError(f"{shown}: type {spec.type.value!r} does not match the file name")
    return spec


def load_document_specs(settings: Settings) -> dict[DocumentType, DocumentSpec]:
    """The field specs of every document type of CONTRACT §2, from ``standards/documents/``."""
    folder = settings.standards_dir / DOCUMENTS_DIR
    specs: dict[DocumentType, DocumentSpec] = {}
    for document_type in DocumentType:
        path = folder / f"{document_type.value}.yaml"
        specs[document_type] = _load_document_spec(path, settings)
    return specs


def _product_files(settings: Settings) -> list[Path]:
    return sorted(settings.standards_dir.glob("*.yaml"))


def _load_standard_file(path: Path, settings: Settings,
                        specs: dict[DocumentType, DocumentSpec]) -> Standard:
    shown = _display(path, settings)
    standard: Standard = _validate(Standard, _read_yaml(path, shown), shown)
    if standard.product != path.stem:
        raise StandardsError(f"{shown}: product {standard.product!r} does not match the file name")
    _check_references(standard, specs, shown)
    standard._document_specs = specs
    return standard


def load_standard(product: str, settings: Settings) -> Standard:
    """The standard of ``product`` with its document specs; StandardsError names what is wrong."""
    path = settings.standards_dir / f"{product}.yaml"
    if not re.fullmatch(r"[a-z][a-z0-9_]*", product) or not path.is_file():
        known = ", ".join(p.stem for p in _product_files(settings)) or "none"
        raise StandardsError(
            f"no standard for product {product!r} in {settings.standards_dir.name}/ (known: {known})"
        )
    return _load_standard_file(path, settings, load_document_specs(settings))


def loadable_standards(settings: Settings) -> tuple[list[Standard], dict[str, str]]:
    """Every product standard that loads, and the error of each that does not (by file): for
    what runs over all products (the nightly batch, the channel-risk page) and must not stop at
    one broken file."""
    loaded, broken = [], {}
    for path in _product_files(settings):
        try:
            loaded.append(load_standard(path.stem, settings))
        except StandardsError as error:
            broken[path.name] = str(error)
    return loaded, broken


def check_all(settings: Settings) -> dict[str, str | None]:
    """Every standards file -> None when it loads, else its error text (for ``standards check``)."""
    results: dict[str, str | None] = {}
    specs: dict[DocumentType, DocumentSpec] = {}
    folder = settings.standards_dir / DOCUMENTS_DIR
    for document_type in DocumentType:
        path = folder / f"{document_type.value}.yaml"
        try:
            specs[document_type] = _load_document_spec(path, settings)
            results[_display(path, settings)] = None
        except StandardsError as error:
            results[_display(path, settings)] = str(error)
    for path in sorted(folder.glob("*.yaml")):
        if path.stem not in DocumentType.__members__.values():
            results[_display(path, settings)] = (
                f"{_display(path, settings)}: not a document type of CONTRACT §2 "
                f"(known: {', '.join(t.value for t in DocumentType)})"
            )
    for path in _product_files(settings):
        try:
            _load_standard_file(path, settings, specs)
            results[_display(path, settings)] = None
        except StandardsError as error:
            results[_display(path, settings)] = str(error)
    return results

