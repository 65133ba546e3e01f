"""The sample generator's templates: several ways each document type is printed, split into a
``tuning`` and a ``holdout`` group (see ``base``). Importing this package registers them all."""

from autopass.devtools.samples.templates import catalogue as _catalogue  # noqa: F401  (registers templates)
from autopass.devtools.samples.templates.base import (
    Template,
    TemplateGroup,
    TemplateSelection,
    all_templates,
    choose_template,
    get_template,
    register,
    template,
    templates_of,
)

__all__ = [
    "Template",
    "TemplateGroup",
    "TemplateSelection",
    "all_templates",
    "choose_template",
    "get_template",
    "register",
    "template",
    "templates_of",
]
