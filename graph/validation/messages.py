"""Messages in French and English for results of shapes that give none of their own."""

from __future__ import annotations

import pyoxigraph as ox

from .shapes import Constraint, Shape, short

# component -> (French, English); {p} is the constraint's main parameter, {path} the property
GENERIC: dict[str, tuple[str, str]] = {
    "ClassConstraintComponent": ("La valeur n'est pas de la classe {p}.", "The value is not of class {p}."),
    "DatatypeConstraintComponent": ("La valeur n'est pas du type {p}.", "The value is not of datatype {p}."),
    "NodeKindConstraintComponent": ("La valeur n'est pas du genre {p}.", "The value is not of node kind {p}."),
    "MinCountConstraintComponent": ("Moins de {p} valeur(s) pour {path}.", "Fewer than {p} values for {path}."),
    "MaxCountConstraintComponent": ("Plus de {p} valeur(s) pour {path}.", "More than {p} values for {path}."),
    "MinExclusiveConstraintComponent": ("La valeur n'est pas supérieure à {p}.", "The value is not above {p}."),
    "MinInclusiveConstraintComponent": ("La valeur est inférieure à {p}.", "The value is below {p}."),
    "MaxExclusiveConstraintComponent": ("La valeur n'est pas inférieure à {p}.", "The value is not below {p}."),
    "MaxInclusiveConstraintComponent": ("La valeur est supérieure à {p}.", "The value is above {p}."),
    "MinLengthConstraintComponent": ("Texte de moins de {p} caractère(s).", "Text shorter than {p} characters."),
    "MaxLengthConstraintComponent": ("Texte de plus de {p} caractère(s).", "Text longer than {p} characters."),
    "PatternConstraintComponent": ("La valeur ne suit pas le motif {p}.", "The value does not match {p}."),
    "LanguageInConstraintComponent": ("Langue non admise (admises : {p}).", "Language not allowed (allowed: {p})."),
    "UniqueLangConstraintComponent": ("Plusieurs valeurs dans la même langue pour {path}.",
                                      "Several values in one language for {path}."),
    "EqualsConstraintComponent": ("{path} et {p} diffèrent.", "{path} and {p} differ."),
    "DisjointConstraintComponent": ("{path} et {p} ont une valeur commune.", "{path} and {p} share a value."),
    "LessThanConstraintComponent": ("{path} n'est pas avant {p}.", "{path} is not less than {p}."),
    "LessThanOrEqualsConstraintComponent": ("{path} est après {p}.", "{path} is greater than {p}."),
    "NotConstraintComponent": ("La valeur a la forme interdite {p}.", "The value has the forbidden shape {p}."),
    "AndConstraintComponent": ("La valeur ne satisfait pas toutes les formes.", "The value fails one of the shapes."),
    "OrConstraintComponent": ("La valeur ne satisfait aucune des formes.", "The value satisfies none of the shapes."),
    "XoneConstraintComponent": ("La valeur ne satisfait pas exactement une forme.",
                                "The value does not satisfy exactly one shape."),
    "NodeConstraintComponent": ("La valeur ne satisfait pas la forme {p}.", "The value does not conform to {p}."),
    "ClosedConstraintComponent": ("Propriété non prévue par la forme.", "Property not allowed by the shape."),
    "HasValueConstraintComponent": ("La valeur {p} manque.", "The value {p} is missing."),
    "InConstraintComponent": ("Valeur hors de la liste admise.", "Value not in the allowed list."),
    "SPARQLConstraintComponent": ("La requête de contrôle a trouvé un problème.", "The check query found a problem."),
    "QualifiedMinCountConstraintComponent": ("Trop peu de valeurs conformes.", "Too few conforming values."),
    "QualifiedMaxCountConstraintComponent": ("Trop de valeurs conformes.", "Too many conforming values."),
}


def _param(c: Constraint) -> str:
    for v in c.params.values():
        if isinstance(v, ox.NamedNode):
            return short(v.value)
        if isinstance(v, ox.Literal):
            return v.value
        if isinstance(v, list):
            return ", ".join(x.value if isinstance(x, (ox.NamedNode, ox.Literal)) else "…" for x in v)
        if hasattr(v, "key"):
            return short(v.key)
    return ""


def generic_messages(shape: Shape, c: Constraint) -> tuple[ox.Literal, ...]:
    fr, en = GENERIC.get(c.component, ("Contrainte non satisfaite.", "Constraint not satisfied."))
    values = {"p": _param(c), "path": shape.path.label if shape.path else ""}
    return ox.Literal(fr.format(**values), language="fr"), ox.Literal(en.format(**values), language="en")
