"""Every shipped standards file loads; broken files give exact, useful error texts."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import autopass.rules
from autopass.documents import DocumentType
from autopass.errors import StandardsError
from autopass.masking import mask_value
from autopass.rules import Rule, RuleModel
from autopass.settings import PROJECT_ROOT, Settings
from autopass.standards import (
    check_all,
    load_document_specs,
    load_standard,
    needs_double_keying,
    schema_text,
)

SHIPPED = PROJECT_ROOT / "standards"
PRODUCTS = sorted(p.stem for p in SHIPPED.glob("*.yaml"))


@pytest.fixture
def standards_dir(tmp_path: Path) -> Path:
    """A copy of the shipped standards that a test may break."""
    return Path(shutil.copytree(SHIPPED, tmp_path / "standards"))


def settings_for(folder: Path) -> Settings:
    return Settings(standards_dir=folder)


def test_every_shipped_file_loads():
    results = check_all(settings_for(SHIPPED))
    assert {file: error for file, error in results.items() if error} == {}
    assert len(results) == len(DocumentType) + len(PRODUCTS)
    assert PRODUCTS == ["new_car_loan", "used_car_loan"]


@pytest.mark.parametrize("product", PRODUCTS)
def test_product_settings(product):
    standard = load_standard(product, settings_for(SHIPPED))
    assert standard.product == product
    assert standard.sla_minutes == 30
    assert standard.post_loan.registration_chase_days > 0
    assert standard.post_loan.id_expiry_warning_days > 0
    assert set(standard.document_specs) == set(DocumentType)
    for engine in ("sface", "dlib"):
        bands = standard.face_thresholds(engine)
        assert bands.pass_at >= bands.review_at


def test_ltv_limits_differ_by_product():
    limits = {p: load_standard(p, settings_for(SHIPPED)).rule("loan_within_ltv_limit").max_ltv
              for p in PRODUCTS}
    assert limits == {"new_car_loan": 0.8, "used_car_loan": 0.7}


def test_double_keying_and_confidence():
    standard = load_standard("new_car_loan", settings_for(SHIPPED))
    assert needs_double_keying(standard, "id_card_front", "id_number")
    assert needs_double_keying(standard, "bank_card", "card_number")
    assert not needs_double_keying(standard, "id_card_front", "name")
    assert standard.min_confidence("bank_card", "card_number") == 0.95
    assert standard.min_confidence("id_card_front", "address") == 0.85


def test_document_specs_describe_every_contract_field():
    specs = load_document_specs(settings_for(SHIPPED))
    contract = {
        "id_card_front": {"name", "sex", "ethnicity", "birth_date", "address", "id_number", "portrait"},
        "id_card_back": {"issuing_authority", "valid_from", "valid_to"},
        "driving_licence": {"name", "id_number", "licence_class", "valid_from", "valid_to"},
        "bank_card": {"card_number", "bank_name"},
        "vehicle_invoice": {"buyer_name", "buyer_id_number", "vin", "price_total",
                            "invoice_number", "invoice_date"},
        "vehicle_registration": {"owner_name", "vin", "registration_number"},
        "loan_contract": {"borrower_name", "id_number", "loan_amount", "signature_present"},
        "selfie": {"face"},
        "other": set(),
    }
    assert {t.value: set(s.fields) for t, s in specs.items()} == contract
    assert "公民身份号码" in specs[DocumentType.ID_CARD_FRONT].fields["id_number"].labels


def test_every_rule_type_is_one_module_with_its_check_and_every_module_is_a_rule_type():
    union = set(Rule.__origin__.__args__)  # type: ignore[attr-defined]
    modules = {info.name for info in pkgutil.iter_modules(autopass.rules.__path__)} - {"base", "agreement"}
    by_module = {}
    for name in modules:
        module = importlib.import_module(f"autopass.rules.{name}")
        defined = [cls for cls in vars(module).values() if isinstance(cls, type)
                   and issubclass(cls, RuleModel) and cls.__module__ == module.__name__]
        assert len(defined) == 1, f"autopass/rules/{name}.py defines {defined}, not one rule type"
        by_module[name] = defined[0]
    assert set(by_module.values()) == union, "a rule module missing from autopass.rules.Rule"
    for name, cls in by_module.items():
        assert not inspect.isabstract(cls), f"{cls.__name__} has no check"
        assert cls.model_fields["type"].annotation.__args__[0] == name


def test_schema_json_is_up_to_date():
    assert (SHIPPED / "schema.json").read_text(encoding="utf-8") == schema_text(), (
        "standards/schema.json is stale: run `autopass standards schema`"
    )


def test_masking():
    assert mask_value("id_number", "370202198803121230") == "3702**********1230"
    assert mask_value("card_number", "6222020200112233446") == "6222***********3446"
    assert mask_value("vin", "LSVAM4188C2184842") == "LSVAM4188C2184842"


# --- broken files ---------------------------------------------------------------------------------
def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def load_error(standards_dir: Path, product: str = "new_car_loan") -> str:
    with pytest.raises(StandardsError) as error:
        load_standard(product, settings_for(standards_dir))
    return str(error.value)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("    max_ltv: 0.8", "    max_ltvv: 0.8",
     "standards/new_car_loan.yaml: rule 'loan_within_ltv_limit': unknown key 'max_ltvv'"),
    ("    max_ltv: 0.8", "    limit: 0.8",
     ("standards/new_car_loan.yaml: rule 'loan_within_ltv_limit': unknown key 'limit'\n"
     "standards/new_car_loan.yaml: rule 'loan_within_ltv_limit': missing key 'max_ltv'")),
    ("    max_ltv: 0.8", "    max_ltv: 1.8",
     ("standards/new_car_loan.yaml: rule 'loan_within_ltv_limit': key 'max_ltv': "
     "Input should be less than or equal to 1")),
    ("    type: ltv_limit", "    type: ltv_limt",
     ("standards/new_car_loan.yaml: rule 'loan_within_ltv_limit': unknown rule type 'ltv_limt' "
     "(expected one of: 'documents_present', 'checksum', 'id_number_consistency', 'date_window', "
     "'age_range', 'fields_agree', 'equals_application', 'ltv_limit', 'boolean_field', "
     "'face_match')")),
    ("      - vehicle_invoice.buyer_name", "      - vehicle_invoice.buyer_nam",
     ("standards/new_car_loan.yaml: rule 'name_agrees_across_documents': vehicle_invoice has no "
     "field 'buyer_nam' (known: buyer_name, buyer_id_number, vin, price_total, invoice_number, "
     "invoice_date)")),
    ("  - {type: bank_card, required: true}", "  - {type: bank_cards, required: true}",
     ("standards/new_car_loan.yaml: key 'documents[3].type': Input should be 'id_card_front', "
     "'id_card_back', 'driving_licence', 'bank_card', 'vehicle_invoice', 'vehicle_registration', "
     "'loan_contract', 'selfie' or 'other'")),
    ("sla_minutes: 30", "sla_minutes: 30\nsla_minute: 30",
     "standards/new_car_loan.yaml: unknown key 'sla_minute'"),
    ("    on_failure: review\n", "",
     ("standards/new_car_loan.yaml: rule 'id_birth_date_and_sex_agree_with_id_number': "
     "missing key 'on_failure'")),
    ("  - id: id_number_checksum", "  - id: required_documents_present",
     "standards/new_car_loan.yaml: rule id 'required_documents_present' appears twice"),
    ("product: new_car_loan", "product: old_car_loan",
     "standards/new_car_loan.yaml: product 'old_car_loan' does not match the file name"),
    ("dlib: {pass_at: 0.70, review_at: 0.30}", "dlib: {pass_at: 0.20, review_at: 0.30}",
     ("standards/new_car_loan.yaml: rule 'selfie_matches_id_portrait': key 'engines.dlib': "
     "review_at is above pass_at")),
    ("dealer_deadline_days: 3", "dealer_deadline_days: 0",
     ("standards/new_car_loan.yaml: key 'dealer_deadline_days': "
     "Input should be greater than or equal to 1")),
    ("id_card_front.id_number]\n    on_failure: reject",
     "id_card_front.id_number]\n    on_failure: ask_dealer",
     ("standards/new_car_loan.yaml: rule 'id_number_checksum': key 'on_failure': "
     "Input should be 'reject' or 'review'")),
    ("    on_failure: ask_dealer", "    on_failure: ask_dealers",
     ("standards/new_car_loan.yaml: rule 'required_documents_present': key 'on_failure': "
     "Input should be 'reject', 'review' or 'ask_dealer'")),
    ("rules:\n", "rules: [\n",
     ("standards/new_car_loan.yaml: not valid YAML at line 42, column 3: "
     "expected the node content, but found '-'")),
])
def test_broken_standard_names_file_rule_and_key(standards_dir, old, new, message):
    replace(standards_dir / "new_car_loan.yaml", old, new)
    assert load_error(standards_dir) == message


def test_broken_document_spec(standards_dir):
    replace(standards_dir / "documents" / "bank_card.yaml", "kind: card_number", "knd: card_number")
    assert load_error(standards_dir) == (
        "standards/documents/bank_card.yaml: unknown key 'fields.card_number.knd'"
    )


def test_rule_without_id_is_named_by_position(standards_dir):
    replace(standards_dir / "new_car_loan.yaml", "  - id: id_number_checksum\n    type", "  - type")
    assert load_error(standards_dir) == "standards/new_car_loan.yaml: rule #2: missing key 'id'"


def test_unknown_product(standards_dir):
    assert load_error(standards_dir, "boat_loan") == (
        "no standard for product 'boat_loan' in standards/ (known: new_car_loan, used_car_loan)"
    )


def test_not_a_mapping(standards_dir):
    (standards_dir / "new_car_loan.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    assert load_error(standards_dir) == (
        "standards/new_car_loan.yaml: expected a mapping of keys at the top level"
    )


def test_cli_check_reports_each_file_and_fails_on_errors(standards_dir):
    from autopass.cli import app
    from autopass.settings import use_settings

    replace(standards_dir / "used_car_loan.yaml", "    max_ltv: 0.7", "    max_ltvv: 0.7")
    settings = Settings(standards_dir=standards_dir, data_dir=standards_dir.parent / "data")
    with use_settings(settings):
        result = CliRunner().invoke(app, ["standards", "check"])
    assert result.exit_code == 1, result.output
    assert "OK    standards/new_car_loan.yaml" in result.output
    assert ("ERROR standards/used_car_loan.yaml: rule 'loan_within_ltv_limit': unknown key "
            "'max_ltvv'") in result.output
