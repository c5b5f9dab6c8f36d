"""Linear hypotheses written as strings over coefficient names ("x1 = x2", "x1 + 2*x3 = 1; x2 = 0")
parsed into (R, q) for Wald tests."""
from __future__ import annotations

import re

import numpy as np

from .._errors import ParameterError

_NUM = re.compile(r"(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_IDENT = re.compile(r"[A-Za-z0-9_.]")


def _split_top(text):
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch in ",;" and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p for p in (s.strip() for s in parts) if p]


def parse_hypotheses(hypothesis, names):
    """Strings of linear equations -> (R, q)."""
    items = [hypothesis] if isinstance(hypothesis, str) else list(hypothesis)
    eqs = [e for item in items for e in _split_top(item)]
    if not eqs:
        raise ParameterError("empty hypothesis: give equations such as 'x1 = 0' or 'x1 = x2'")
    R, q = [], []
    for eq in eqs:
        sides = eq.replace("==", "=").split("=")
        if len(sides) > 2:
            raise ParameterError(f"malformed hypothesis {eq!r}: more than one '='")
        lhs = _Parser(sides[0], names, eq).parse()
        rhs = _Parser(sides[1], names, eq).parse() if len(sides) == 2 else (np.zeros(len(names)), 0.0)
        row = lhs[0] - rhs[0]
        if not np.any(row):
            raise ParameterError(f"hypothesis {eq!r} does not involve any coefficient")
        R.append(row)
        q.append(rhs[1] - lhs[1])
    return np.array(R), np.array(q)


class _Parser:
    """Recursive descent over + - * / ( ) numbers and coefficient names (longest name first, so
    names with spaces, colons or brackets work); the result must be linear: (vector, constant)."""

    def __init__(self, text, names, whole):
        self.text, self.names, self.whole, self.pos = text, names, whole, 0
        self.order = sorted(range(len(names)), key=lambda i: -len(names[i]))

    def fail(self, why):
        raise ParameterError(f"malformed hypothesis {self.whole!r}: {why}")

    def peek(self):
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def parse(self):
        if not self.peek():
            self.fail("an empty side of '='")
        val = self.expr()
        if self.peek():
            self.fail(f"unexpected {self.text[self.pos:]!r}")
        return val

    def expr(self):
        v, c = self.term()
        while self.peek() in ("+", "-") and self.peek():
            op = self.text[self.pos]
            self.pos += 1
            v2, c2 = self.term()
            s = 1 if op == "+" else -1
            v, c = v + s * v2, c + s * c2
        return v, c

    def term(self):
        v, c = self.factor()
        while self.peek() in ("*", "/") and self.peek():
            op = self.text[self.pos]
            self.pos += 1
            v2, c2 = self.factor()
            if op == "*":
                if np.any(v) and np.any(v2):
                    self.fail("a product of two coefficients is not linear")
                v, c = (v * c2, c * c2) if np.any(v) else (v2 * c, c * c2)
            else:
                if np.any(v2):
                    self.fail("division by a coefficient is not linear")
                if c2 == 0:
                    self.fail("division by zero")
                v, c = v / c2, c / c2
        return v, c

    def factor(self):
        ch = self.peek()
        zero = np.zeros(len(self.names))
        if ch in ("+", "-") and ch:
            self.pos += 1
            v, c = self.factor()
            return (v, c) if ch == "+" else (-v, -c)
        if ch == "(":
            self.pos += 1
            val = self.expr()
            if self.peek() != ")":
                self.fail("missing ')'")
            self.pos += 1
            return val
        if ch == "`":
            end = self.text.find("`", self.pos + 1)
            if end < 0:
                self.fail("unclosed backtick")
            name = self.text[self.pos + 1:end]
            self.pos = end + 1
            return self._name_vector(name), 0.0
        rest = self.text[self.pos:]
        for i in self.order:
            n = self.names[i]
            if rest.startswith(n) and (len(rest) == len(n) or not (_IDENT.match(rest[len(n)]) and _IDENT.match(n[-1]))):
                self.pos += len(n)
                v = zero.copy()
                v[i] = 1.0
                return v, 0.0
        m = _NUM.match(rest)
        if m:
            self.pos += m.end()
            return zero, float(m.group(0))
        if not ch:
            self.fail("the expression ends early")
        token = re.match(r"[A-Za-z0-9_.\[\]:]+", rest)
        if token:
            raise ParameterError(f"unknown coefficient name {token.group(0)!r} in hypothesis {self.whole!r}; "
                                 f"known names: {self.names}")
        self.fail(f"unexpected {ch!r}")

    def _name_vector(self, name):
        if name not in self.names:
            raise ParameterError(f"unknown coefficient name {name!r} in hypothesis {self.whole!r}; "
                                 f"known names: {self.names}")
        v = np.zeros(len(self.names))
        v[self.names.index(name)] = 1.0
        return v
