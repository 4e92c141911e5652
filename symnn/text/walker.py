"""The node-by-node walk from Python syntax to SymPy that every reader of untrusted text builds on: arithmetic."""

from __future__ import annotations

import ast
from abc import ABC, abstractmethod
from collections.abc import Callable

import sympy as sp

from symnn.text.limits import bound_arguments, check_extremum, checked_power

__all__ = ["Walker"]

#: + - * / read as one flat sum or product: a sum of 2000 terms is one SymPy call, not 2000 nested ones
_SUMS: dict[type, int] = {ast.Add: 1, ast.Sub: -1}
_PRODUCTS: dict[type, int] = {ast.Mult: 1, ast.Div: -1}


class Walker(ABC):
    """Python syntax to SymPy, node by node, with the limits every reader of untrusted text shares.

    This class owns arithmetic: ``+ - * /`` chains are read iteratively into one ``Add``/``Mul`` (no recursion
    per term), ``**`` goes through :func:`checked_power`, unary ``±``; every power, sum, product and function
    value passes :func:`bound_arguments`. Subclasses say what a constant, a name, a call and any other node
    mean (each refusing in its own words) and use :meth:`apply` to call a function of their table.
    """

    def __init__(self) -> None:
        self.bounded: set[sp.Basic] = set()

    def __call__(self, node: ast.AST) -> sp.Basic:
        if isinstance(node, ast.BinOp):
            for table, build in ((_SUMS, sp.Add), (_PRODUCTS, sp.Mul)):
                if type(node.op) in table:
                    return self.bound(build(*self._chain(node, table)))
            if isinstance(node.op, ast.Pow):
                return self.bound(checked_power(self(node.left), self(node.right)))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            value = self(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        return self.other(node)

    def _chain(self, node: ast.BinOp, table: dict[type, int]) -> list[sp.Basic]:
        """The terms of ``a - b + c`` (a, -b, c) or factors of ``a / b * c`` (a, 1/b, c), left to right."""
        right: list[tuple[int, ast.AST]] = []
        while isinstance(node, ast.BinOp) and type(node.op) in table:
            right.append((table[type(node.op)], node.right))
            node = node.left
        parts = [self(node)]
        for sign, operand in reversed(right):
            value = self(operand)
            if sign < 0:
                value = -value if table is _SUMS else checked_power(value, sp.S.NegativeOne)
            parts.append(value)
        return parts

    def bound(self, value: sp.Basic) -> sp.Basic:
        """``value``, after :func:`bound_arguments` (the checked subexpressions are remembered)."""
        return bound_arguments(value, self.bounded) if isinstance(value, sp.Basic) else value

    def apply(self, function: Callable[..., sp.Basic], args: list[sp.Basic]) -> sp.Basic:
        """``function(*args)``, bounded."""
        return self.bound(function(*check_extremum(function, args)))

    @abstractmethod
    def constant(self, node: ast.Constant) -> sp.Basic:
        """What the subclass makes of this node (or the ValueError refusing it)."""

    @abstractmethod
    def name(self, node: ast.Name) -> sp.Basic:
        """What the subclass makes of this node (or the ValueError refusing it)."""

    @abstractmethod
    def call(self, node: ast.Call) -> sp.Basic:
        """What the subclass makes of this node (or the ValueError refusing it)."""

    @abstractmethod
    def other(self, node: ast.AST) -> sp.Basic:
        """What the subclass makes of this node (or the ValueError refusing it)."""
