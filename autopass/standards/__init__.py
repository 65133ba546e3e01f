"""Product standards and document specs: plain YAML data, validated by pydantic models.

A standard says what a product requires (documents, rules and their parameters, confidence needed to
trust OCR, fields that humans key twice, post-loan deadlines). A document spec says which fields a
document type carries and how they are printed. Misspelt keys are errors, never silent defaults, and
every load error names the file, the rule and the key.

``specs``: the models; ``loader``: reading and explaining the files; ``schema``: schema.json.
Rule types live in ``autopass.rules``, one module each.
"""

from autopass.standards.loader import (
    check_all,
    load_document_specs,
    load_standard,
    loadable_standards,
)
from autopass.standards.schema import json_schema, schema_text, write_schema
from autopass.standards.specs import (
    ChannelPolicy,
    ConfidencePolicy,
    DocumentRequirement,
    DocumentSpec,
    FaceSearch,
    FieldSpec,
    Orientation,
    PhotoChecks,
    PostLoan,
    QaPolicy,
    RiskPolicy,
    SigningWords,
    Standard,
    VoiceSearch,
    field_spec,
    needs_double_keying,
)

__all__ = [
    "ChannelPolicy", "ConfidencePolicy", "DocumentRequirement", "DocumentSpec", "FaceSearch",
    "FieldSpec", "Orientation", "PhotoChecks", "PostLoan", "QaPolicy", "RiskPolicy", "SigningWords", "Standard",
    "VoiceSearch", "check_all", "field_spec", "json_schema", "load_document_specs", "load_standard",
    "loadable_standards", "needs_double_keying", "schema_text", "write_schema",
]
