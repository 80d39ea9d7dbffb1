"""``labelSelector`` as k8s parses it (``apimachinery/pkg/labels/selector.go`` @008b3652).

A port of its lexer and recursive-descent parser, so a LIST accepts and refuses the
selectors a real apiserver does, with its error texts (answered 400 ``BadRequest``):

- ``k=v``, ``k==v``, ``k!=v`` (an empty value is allowed: ``k=``), ``k in (a,b)``,
  ``k notin (a,b)`` (``()`` is the set of the empty value; ``in(`` needs no space),
  ``k>n`` and ``k<n`` (integers, both sides parsed as int64), ``k``, ``!k``; comma is AND;
- keys are label keys and values label values (``k8s_objectmeta``), else
  ``unable to parse requirement: <nil>: Invalid value: "<key>": …``.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashgen.testing import gojson, k8s_objectmeta, k8s_status

_TOKENS = {
    ")": "ClosedPar",
    ",": "Comma",
    "!": "DoesNotExist",
    "==": "DoubleEquals",
    "=": "Equals",
    ">": "GreaterThan",
    "in": "In",
    "<": "LessThan",
    "!=": "NotEquals",
    "notin": "NotIn",
    "(": "OpenPar",
}
_SPECIAL = set("=!(),><")
_WHITESPACE = set(" \t\r\n")
_OPERATORS = {"In": "in", "Equals": "=", "DoubleEquals": "=", "NotEquals": "!="}
_OPERATORS |= {"GreaterThan": ">", "LessThan": "<", "NotIn": "notin"}
_BINARY = "in, notin, =, ==, !=, gt, lt"


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # "=", "!=", "in", "notin", ">", "<", "exists", "!exists"
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        present, value = self.key in labels, labels.get(self.key)
        if self.operator == "exists":
            return present
        if self.operator == "!exists":
            return not present
        if self.operator in ("=", "in"):
            return present and value in self.values
        if self.operator in (">", "<"):
            have, want = _int64(value or ""), _int64(self.values[0])
            if not present or have is None or want is None:
                return False
            return have > want if self.operator == ">" else have < want
        return not present or value not in self.values


def _int64(text: str) -> int | None:
    try:
        number = int(text, 10) if text.strip() == text and "_" not in text else None
    except ValueError:
        return None
    return number if number is not None and -(2**63) <= number < 2**63 else None


def _lex(selector: str) -> list[tuple[str, str]]:
    """``Lexer.Lex`` until the end: ``(token, literal)`` pairs, ``End`` last."""
    items, pos = [], 0
    while True:
        while pos < len(selector) and selector[pos] in _WHITESPACE:
            pos += 1
        if pos >= len(selector):
            items.append(("End", ""))
            return items
        if selector[pos] in _SPECIAL:
            buffer, last = "", None
            while pos < len(selector) and selector[pos] in _SPECIAL:
                if buffer + selector[pos] in _TOKENS:
                    buffer += selector[pos]
                    last = (_TOKENS[buffer], buffer)
                    pos += 1
                elif last is not None:
                    break
                else:
                    buffer += selector[pos]
                    pos += 1
            items.append(last or ("Error", f"error expected: keyword found '{buffer}'"))
            continue
        start = pos
        while pos < len(selector) and selector[pos] not in _SPECIAL | _WHITESPACE:
            pos += 1
        word = selector[start:pos]
        items.append((_TOKENS[word] if word in ("in", "notin") else "Identifier", word))


class _Parser:
    def __init__(self, selector: str) -> None:
        self.items = _lex(selector)
        self.position = 0

    def lookahead(self, values: bool = True) -> tuple[str, str]:
        return self._as(self.items[self.position], values)

    def consume(self, values: bool = True) -> tuple[str, str]:
        self.position += 1
        return self._as(self.items[self.position - 1], values)

    @staticmethod
    def _as(item: tuple[str, str], values: bool) -> tuple[str, str]:
        token, literal = item
        return ("Identifier" if values and token in ("In", "NotIn") else token), literal

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        while True:
            token, literal = self.lookahead()
            if token == "End":
                return requirements
            if token not in ("Identifier", "DoesNotExist"):
                raise ValueError(f"found '{literal}', expected: !, identifier, or 'end of string'")
            try:
                requirements.append(self.requirement())
            except ValueError as error:
                raise ValueError(f"unable to parse requirement: {error}") from None
            token, literal = self.consume()
            if token == "End":
                return requirements
            if token != "Comma":
                raise ValueError(f"found '{literal}', expected: ',' or 'end of string'")
            token, literal = self.lookahead()
            if token not in ("Identifier", "DoesNotExist"):
                raise ValueError(f"found '{literal}', expected: identifier after ','")

    def requirement(self) -> Requirement:
        negated = self.lookahead()[0] == "DoesNotExist"
        if negated:
            self.consume()
        token, key = self.consume()
        if token != "Identifier":
            raise ValueError(f"found '{key}', expected: identifier")
        _check_key(key)
        if negated:  # (whatever follows: "!k=v" fails on the "=" in ``parse``)
            return Requirement(key, "!exists")
        if self.lookahead()[0] in ("End", "Comma"):
            return Requirement(key, "exists")
        token, literal = self.consume(values=False)
        if token not in _OPERATORS:
            raise ValueError(f"found '{literal}', expected: {_BINARY}")
        operator = _OPERATORS[token]
        found = self.value_set() if operator in ("in", "notin") else self.exact_value()
        values = tuple(sorted(found))
        errors = []  # NewRequirement's, aggregated
        if operator in (">", "<") and _int64(values[0]) is None:
            errors.append(
                f"values[0]: Invalid value: {_quoted(values[0])}: for 'Gt', 'Lt' operators, "
                "the value must be an integer"
            )
        for index, value in enumerate(values):
            found_errors = k8s_objectmeta.label_value_errors(value)
            if found_errors:
                shown = f"values[{index}][{key}]: Invalid value: {_quoted(value)}"
                errors.append(f"{shown}: {'; '.join(found_errors)}")
        if errors:
            raise ValueError(errors[0] if len(errors) == 1 else f"[{', '.join(errors)}]")
        return Requirement(key, operator, values)

    def value_set(self) -> set[str]:
        token, literal = self.consume()
        if token != "OpenPar":
            raise ValueError(f"found '{literal}' expected: '('")
        token, literal = self.lookahead()
        if token == "ClosedPar":
            self.consume()
            return {""}
        if token not in ("Identifier", "Comma"):
            raise ValueError(f"found '{literal}', expected: ',', ')' or identifier")
        found: set[str] = set()
        while True:
            token, word = self.consume()
            if token == "Identifier":
                found.add(word)
                after, shown = self.lookahead()
                if after == "ClosedPar":
                    break
                if after != "Comma":
                    raise ValueError(f"found '{shown}', expected: ',' or ')'")
            elif token == "Comma":
                if not found or self.lookahead()[0] in ("ClosedPar", "Comma"):
                    found.add("")
                if self.lookahead()[0] == "ClosedPar":
                    break
            else:
                raise ValueError(f"found '{word}', expected: ',', or identifier")
        self.consume()  # the ")"
        return found

    def exact_value(self) -> set[str]:
        if self.lookahead()[0] in ("End", "Comma"):
            return {""}
        token, literal = self.consume()
        if token != "Identifier":
            raise ValueError(f"found '{literal}', expected: identifier")
        return {literal}


def _quoted(text: str) -> str:
    return gojson.dumps(text).decode()


def _check_key(key: str) -> None:
    """``validateLabelKey`` with the parser's nil field path (shown ``<nil>``)."""
    errors = k8s_objectmeta.label_key_errors(key)
    if errors:
        raise ValueError(f"<nil>: Invalid value: {_quoted(key)}: {'; '.join(errors)}")


def parse_labels(selector: str) -> list[Requirement]:
    """``labels.Parse``; its error as a 400 ``BadRequest``."""
    try:
        return _Parser(selector).parse()
    except ValueError as error:
        raise k8s_status.bad_request(str(error)) from None


def _split_terms(selector: str) -> list[str]:
    """``fields.splitTerms``: on commas no backslash escapes."""
    terms, start, escaped = [], 0, False
    for index, char in enumerate(selector):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            terms.append(selector[start:index])
            start = index + 1
    return [*terms, selector[start:]] if selector else []


def _unescape(value: str) -> str:
    """``fields.UnescapeValue``: ``\\\\``, ``\\,`` and ``\\=`` only; a bare ``,`` or ``=``
    is an error."""
    out, escaped = "", False
    for char in value:
        if escaped:
            if char not in "\\,=":
                raise ValueError(f"invalid field selector: invalid escape sequence: \\{char}")
            out, escaped = out + char, False
        elif char == "\\":
            escaped = True
        elif char in ",=":
            raise ValueError(f"invalid field selector: unescaped character in value: {char}")
        else:
            out += char
    if escaped:
        raise ValueError("invalid field selector: invalid escape sequence: \\")
    return out


def parse_fields(selector: str, supported: tuple[str, ...]) -> list[Requirement]:
    """``fields.ParseSelector`` (``apimachinery/pkg/fields/selector.go``): ``=``, ``==``,
    ``!=``, nothing trimmed; then the field-label conversion's 400 for an unsupported field."""
    requirements = []
    try:
        for term in _split_terms(selector):
            if not term:
                continue
            split = next(
                (
                    (term[:i], op, term[i + len(op) :])
                    for i in range(len(term))
                    for op in ("!=", "==", "=")
                    if term.startswith(op, i)
                ),
                None,
            )
            if split is None:
                raise ValueError(f"invalid selector: '{selector}'; can't understand '{term}'")
            field, operator, value = split
            requirements.append(
                Requirement(field, "!=" if operator == "!=" else "=", (_unescape(value),))
            )
    except ValueError as error:
        raise k8s_status.bad_request(str(error)) from None
    for requirement in requirements:
        if requirement.key not in supported:
            raise k8s_status.bad_request(f"field label not supported: {requirement.key}")
    return requirements
