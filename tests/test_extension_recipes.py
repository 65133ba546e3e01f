"""The README's recipes for a new rule type and a new document type, walked in a copy of the
project: the test writes exactly the files the recipe names, checks that no other file changed,
then a new process loads the standards and uses the new unit. (A micro-task kind's recipe is
walked by ``tests/microtasks/test_new_kind.py``.)"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
LAYERS = ("autopass", "flows", "tasks", "standards")
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc")


def project_copy(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for layer in LAYERS:
        shutil.copytree(PROJECT / layer, root / layer, ignore=SKIPPED)
    return root


def changed_files(root: Path) -> set[str]:
    """Files of the copy that differ from the project's, or are new (relative paths)."""
    changed: set[str] = set()

    def walk(compared: filecmp.dircmp, prefix: str) -> None:
        changed.update(prefix + name for name in compared.diff_files + compared.left_only)
        for name, sub in compared.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    for layer in LAYERS:
        walk(filecmp.dircmp(root / layer, PROJECT / layer, ignore=["__pycache__"]), f"{layer}/")
    return changed


def run_in(root: Path, *args: str) -> str:
    """A new Python process on the copy (the project's tests importable after it, for their
    factories); its output, or the test fails with what it printed."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(PROJECT)]),
           "AUTOPASS_DATA_DIR": str(root / "data"), "AUTOPASS_STANDARDS_DIR": str(root / "standards")}
    done = subprocess.run([sys.executable, *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path}: {old!r} not found once"
    path.write_text(text.replace(old, new), encoding="utf-8")


AMOUNT_CAP = '''\
"""An amount read from a document stays under a cap (a product's largest loan)."""

from __future__ import annotations

from typing import Literal

from autopass.references import Reference
from autopass.rules.base import DossierFacts, Outcome, RuleModel, fails, needs_review, passes, summary


class AmountCap(RuleModel):
    type: Literal["amount_cap"]
    field: Reference
    max: float

    def references(self) -> list[str]:
        return [self.field]

    def check(self, dossier: DossierFacts) -> Outcome:
        readings = dossier.readings(self.field)
        unsure = [r for r in readings if r.missing or not r.trusted]
        over = [r for r in readings if not r.missing and r.trusted and float(r.value) > self.max]
        if over:
            return fails(f"over {self.max:.0f} on {summary(over)}", over)
        if unsure or not readings:
            return needs_review(f"amount unsure on {summary(unsure)}", unsure)
        return passes(f"at most {self.max:.0f}")
'''

USES_AMOUNT_CAP = """rules:
  - id: loan_under_product_cap
    type: amount_cap
    field: loan_contract.loan_amount
    max: {cap}
    on_failure: review

"""

JUDGE_BY_CAP = """
from autopass.rules import evaluate
from autopass.settings import Settings
from autopass.standards import load_standard
from tests.rules.conftest import GOOD_FACE, TODAY, make_application, make_documents

standard = load_standard("new_car_loan", Settings())
for cap in (500000, 80000):  # the shared loan is 100,000
    rules = [rule.model_copy(update={"max": cap}) if rule.id == "loan_under_product_cap" else rule
             for rule in standard.rules]
    checks = evaluate(standard.model_copy(update={"rules": rules}), application=make_application(),
                      documents=make_documents(), face=GOOD_FACE, face_engine="sface", today=TODAY)
    print(next(c for c in checks if c.id == "loan_under_product_cap").status.value)
"""


def test_a_new_rule_type_is_one_module_and_a_line_in_the_union(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    (root / "autopass/rules/amount_cap.py").write_text(AMOUNT_CAP, encoding="utf-8")
    union = root / "autopass/rules/__init__.py"
    edit(union, "from autopass.rules.age_range import AgeRange\n",
         "from autopass.rules.age_range import AgeRange\nfrom autopass.rules.amount_cap import AmountCap\n")
    edit(union, "| EqualsApplication | LtvLimit | BooleanField | FaceMatch,",
         "| EqualsApplication | LtvLimit | BooleanField | FaceMatch | AmountCap,")
    run_in(root, "-m", "autopass", "standards", "schema")
    assert changed_files(root) == {"autopass/rules/amount_cap.py", "autopass/rules/__init__.py",
                                   "standards/schema.json"}

    # Using the type: a rule of the standard.
    edit(root / "standards/new_car_loan.yaml", "rules:\n", USES_AMOUNT_CAP.format(cap=500000))
    assert "OK" in run_in(root, "-m", "autopass", "standards", "check")
    assert run_in(root, "-c", JUDGE_BY_CAP).split() == ["pass", "fail"]


def test_a_rule_of_an_unknown_type_is_refused_naming_it(tmp_path: Path) -> None:
    """Without the recipe's union line the same rule does not load: the recipe's step matters."""
    root = project_copy(tmp_path)
    (root / "autopass/rules/amount_cap.py").write_text(AMOUNT_CAP, encoding="utf-8")
    edit(root / "standards/new_car_loan.yaml", "rules:\n", USES_AMOUNT_CAP.format(cap=1))
    env = {**os.environ, "PYTHONPATH": str(root), "AUTOPASS_DATA_DIR": str(root / "data"),
           "AUTOPASS_STANDARDS_DIR": str(root / "standards")}
    done = subprocess.run([sys.executable, "-m", "autopass", "standards", "check"], cwd=root,
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1
    assert "amount_cap" in done.stdout + done.stderr


INSURANCE_POLICY_YAML = """\
# yaml-language-server: $schema=../schema.json
type: insurance_policy
title: 机动车交通事故责任强制保险单
keywords: [机动车交通事故责任强制保险单, 保险单号, 被保险人]
other_labels: [保险期间, 号牌号码]
orientation:
  top: [机动车交通事故责任强制保险单]
  bottom: [保险期间]
  title_at_top: true
fields:
  policy_number:
    kind: text
    labels: [保险单号]
    pattern: "^[0-9]{16}$"
  insured_name:
    kind: name
    labels: [被保险人]
    personal: true
"""

INSURANCE_POLICY_READER = '''\
"""The compulsory motor insurance policy (交强险保单): its number and the insured's name."""

from __future__ import annotations

from autopass.documents import DocumentType
from autopass.reading.extract import Fields, Page, digits_field, name_field

DOCUMENT_TYPE = DocumentType.INSURANCE_POLICY


def read(context: Page) -> Fields:
    return {"policy_number": digits_field(context, "policy_number"),
            "insured_name": name_field(context, "insured_name")}
'''

READ_A_POLICY = """
import cv2, numpy as np
from PIL import Image, ImageDraw, ImageFont
from autopass.devtools.samples.fonts import find_cjk_font
from autopass.engines.registry import get_ocr_engine
from autopass.reading import analyse_page
from autopass.settings import Settings

page = Image.new("RGB", (1400, 900), "white")
draw = ImageDraw.Draw(page)
font = str(find_cjk_font())
draw.text((150, 80), "机动车交通事故责任强制保险单", font=ImageFont.truetype(font, 64), fill="black")
body = ImageFont.truetype(font, 40)
for row, line in enumerate(["保险单号：6102198765432101", "被保险人：王晓明", "号牌号码：京A12345",
                            "保险期间：2026年12月01日起至2027年11月30日止"]):
    draw.text((150, 260 + row * 120), line, font=body, fill="black")
image = cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR)
[document] = analyse_page(image, ocr=get_ocr_engine(Settings()))
print(document.type.value, document.fields["policy_number"].value, document.fields["insured_name"].value)
"""


def test_a_new_document_type_is_its_yaml_its_enum_member_and_its_reader(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    (root / "standards/documents/insurance_policy.yaml").write_text(INSURANCE_POLICY_YAML,
                                                                   encoding="utf-8")
    types = root / "autopass/documents.py"
    edit(types, '    OTHER = "other"\n', '    INSURANCE_POLICY = "insurance_policy"\n    OTHER = "other"\n')
    edit(types, '    DocumentType.OTHER: "其他",\n',
         '    DocumentType.INSURANCE_POLICY: "交强险保单",\n    DocumentType.OTHER: "其他",\n')
    (root / "autopass/reading/documents/insurance_policy.py").write_text(INSURANCE_POLICY_READER,
                                                                        encoding="utf-8")
    run_in(root, "-m", "autopass", "standards", "schema")
    assert changed_files(root) == {"standards/documents/insurance_policy.yaml",
                                   "autopass/documents.py",
                                   "autopass/reading/documents/insurance_policy.py",
                                   "standards/schema.json"}
    assert "OK" in run_in(root, "-m", "autopass", "standards", "check")
    assert run_in(root, "-c", READ_A_POLICY).split() == [
        "insurance_policy", "6102198765432101", "王晓明"]
