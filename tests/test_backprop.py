"""Backprop: every gradient against sympy.diff of the element-view loss, the matrix view, the textbook δ's, cost."""

import math
import random

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symnn as sn
from symnn.model.notation import act, delta, preact

POSITIVE_OUTPUTS = ["sigmoid", "softmax", "softplus"]  # log y is real only for these
# log y and log(1 − y) are finite for these (complex for some, which the comparison takes): not the step
# (log 0), nor softmax, which is 1 for a single output
BINARY_OUTPUTS = ["sigmoid", "tanh", "identity", "softplus"]


@st.composite
def architectures(draw):
    depth = draw(st.integers(1, 4))
    sizes = [draw(st.integers(1, 5)) for _ in range(depth + 1)]
    loss = draw(st.sampled_from(list(sn.LOSSES)))
    outputs = {"cross-entropy": POSITIVE_OUTPUTS, "binary-cross-entropy": BINARY_OUTPUTS}.get(
        loss, list(sn.OUTPUT_ACTIVATIONS)
    )
    return sn.MLP(
        sizes,
        activation=[draw(st.sampled_from(list(sn.ACTIVATIONS))) for _ in range(depth - 1)],
        output=draw(st.sampled_from(outputs)),
        loss=loss,
        convention=draw(st.sampled_from(["column", "row"])),
    )


def random_point(symbols, rng):
    return {s: sp.Float(rng.uniform(-1.5, 1.5), 30) for s in symbols}


def substitute(expr, values, memo):
    """``expr.xreplace(values)``, each distinct subexpression once: network expressions share subtrees."""
    if expr not in memo:
        memo[expr] = (
            values.get(expr, expr) if not expr.args else expr.func(*(substitute(a, values, memo) for a in expr.args))
        )
    return memo[expr]


@settings(max_examples=50)
@given(architectures(), st.integers(0, 2**32 - 1))
def test_every_gradient_equals_sympy_diff_of_the_loss(net, seed):
    d = sn.backprop(net)
    loss = net.loss_expr
    t = net.targets
    if net.activations[-1] == "softmax" and net.loss_name == "cross-entropy":
        constraint = {t[-1]: 1 - sp.Add(*t[:-1])}  # δ = y − t holds for targets summing to 1
    else:
        constraint = {}
    rng = random.Random(seed)
    symbols = {*net.params, *net.inputs, *net.targets} - set(constraint)
    at = random_point(sorted(symbols, key=str), rng)
    at.update({s: v.xreplace(at) for s, v in constraint.items()})
    ours = {}
    # A first-layer weight (the longest chain), an output bias, and four more at random.
    params = [net.params[0], net.params[-1], *rng.sample(net.params[1:-1], min(4, len(net.params) - 2))]
    for p in params:
        # The oracle: sympy.diff of the loss along p, every other symbol already at the point
        # (the same partial derivative, without expanding every path of a deep network).
        others = {s: v for s, v in at.items() if s != p}
        want = sp.diff(substitute(loss, others, {}), p).xreplace({p: at[p]}).evalf(30)
        got = substitute(d.gradients[p], at, ours).evalf(30)
        assert abs(complex(got) - complex(want)) <= 1e-20 * (1 + abs(complex(want))), (net, p, got, want)


@pytest.mark.parametrize("convention", ["column", "row"])
@pytest.mark.parametrize(
    ("activation", "output", "loss"),
    [
        ("sigmoid", "sigmoid", "sse"),
        ("relu", "softmax", "cross-entropy"),
        ("tanh", "softmax", "mse"),
        ("softplus", "identity", "mse"),
    ],
)
def test_matrix_view_expanded_for_3_4_2_equals_the_element_view(convention, activation, output, loss):
    net = sn.MLP([3, 4, 2], activation=activation, output=output, loss=loss, convention=convention)
    d = sn.backprop(net)
    via_matrices = d.matrix_gradients()
    for p in net.params:
        assert sp.expand(via_matrices[p] - d.gradients[p]) == 0, p


def test_matrix_equations_column_and_row():
    col = sn.backprop(sn.MLP([2, 3, 2])).matrix_steps
    assert [(sp.latex(s.lhs), sp.latex(s.rhs, order="none")) for s in col] == [
        (r"\delta^{(2)}", r"\left(a^{(2)} - t\right) \circ \sigma'\left(z^{(2)}\right)"),
        (r"\delta^{(1)}", r"\left(\left(W^{(2)}\right)^{T} \delta^{(2)}\right) \circ \sigma'\left(z^{(1)}\right)"),
        (r"\frac{\partial C}{\partial W^{(1)}}", r"\delta^{(1)} x^{T}"),
        (r"\frac{\partial C}{\partial b^{(1)}}", r"\delta^{(1)}"),
        (r"\frac{\partial C}{\partial W^{(2)}}", r"\delta^{(2)} \left(a^{(1)}\right)^{T}"),
        (r"\frac{\partial C}{\partial b^{(2)}}", r"\delta^{(2)}"),
    ]
    row = sn.backprop(sn.MLP([2, 3, 2], output="softmax", loss="cross-entropy", convention="row")).matrix_steps
    assert sp.latex(row[0].rhs, order="none") == r"T \mathbf{1} A^{(2)} - T"  # (Σ_k t_k) y − t, for any targets
    column = sn.backprop(sn.MLP([2, 3, 2], output="softmax", loss="cross-entropy")).matrix_steps
    assert sp.latex(column[0].rhs, order="none") == r"a^{(2)} \mathbf{1}^{T} t - t"
    assert sp.latex(row[1].rhs, order="none") == (
        r"\left(\delta^{(2)} \left(W^{(2)}\right)^{T}\right) \circ \sigma'\left(Z^{(1)}\right)"
    )
    assert sp.latex(row[2].rhs) == r"X^{T} \delta^{(1)}"


def test_softmax_cross_entropy_gives_y_minus_t():
    net = sn.MLP([2, 3, 2], output="softmax", loss="cross-entropy")
    d = sn.backprop(net)
    out_steps = [s for s in d.steps if s.lhs == delta(2, 1)]
    t1, t2 = net.targets
    # the general form first, then y − t for targets summing to 1, stated as an assumption
    assert [s.rule for s in out_steps[-2:]] == ["simplification", "substitution"]
    assert out_steps[-2].rhs == act(2, 1) * (t1 + t2) - t1
    assert out_steps[-1].rhs == act(2, 1) - t1
    assert "Assuming the targets sum to 1" in out_steps[-1].note("en") and "仮定" in out_steps[-1].note("ja")
    # the results hold for any targets: δ = y Σt − t, checked against sympy.diff without Σt = 1
    assert d.deltas[delta(2, 1)] == net.outputs[0] * (t1 + t2) - t1
    result = d.check()
    assert result and result.assumptions == () and d.constraint == {}
    y = net.outputs
    at = {
        t1: sp.Rational(1, 5),
        t2: sp.Rational(7, 10),
        **{p: sp.Rational(i % 7 - 3, 4) for i, p in enumerate(net.params)},
    }
    at.update({x: sp.Rational(1, 3) for x in net.inputs})
    b = net.bias(2, 1)
    assert sp.N((d.gradients[b] - (y[0] - t1)).xreplace(at), 30) != 0  # y − t would be wrong here
    assert abs(sp.N((d.gradients[b] - sp.diff(net.loss_expr, b)).xreplace(at), 30)) < 1e-25


def test_sigmoid_binary_cross_entropy_gives_y_minus_t_in_steps():
    net = sn.MLP([2, 3, 2], output="sigmoid", loss="binary_cross_entropy")
    d = sn.backprop(net)
    a, t = act(2, 1), net.targets[0]
    out_steps = [s for s in d.steps if s.lhs == delta(2, 1)]
    assert [s.rule for s in out_steps] == [
        "definition",
        "chain rule",
        "activation derivative",
        "simplification",
        "simplification",
    ]
    z = preact(2, 1)
    assert sp.simplify(out_steps[-2].rhs.xreplace({sn.sigmoid(z): a}) - (a - t)) == 0  # σ(z) = a: it cancels
    assert out_steps[-1].rhs == a - t
    assert d.deltas[delta(2, 1)] == net.outputs[0] - t
    assert d.check()  # against sympy.diff of −Σ[t log σ(z) + (1 − t) log(1 − σ(z))], any targets
    for convention in ("column", "row"):
        steps = sn.backprop(sn.MLP([2, 3, 2], output="sigmoid", loss="binary-cross-entropy", convention=convention))
        first = steps.matrix_steps[0]
        assert sp.latex(first.rhs, order="none") == ("a^{(2)} - t" if convention == "column" else "A^{(2)} - T")
        assert "for any targets" in first.note("en")


def test_sigmoid_sse_gives_error_times_sigma_prime():
    net = sn.MLP([2, 3, 2])
    d = sn.backprop(net)
    z = preact(2, 1)
    last = [s for s in d.steps if s.lhs == delta(2, 1)][-1]
    assert sp.simplify(last.rhs - (act(2, 1) - net.targets[0]) * sn.sigmoid(z) * (1 - sn.sigmoid(z))) == 0
    y, t = net.outputs[0], net.targets[0]
    assert sp.expand(d.deltas[delta(2, 1)] - (y - t) * y * (1 - y)) == 0


def test_local_gradients_are_delta_times_previous_activation():
    net = sn.MLP([2, 3, 2])
    d = sn.backprop(net)
    assert d.local_gradients[net.weight(2, 1, 3)] == delta(2, 1) * act(1, 3)
    assert d.local_gradients[net.weight(1, 2, 1)] == delta(1, 2) * net.inputs[0]
    assert d.local_gradients[net.bias(1, 3)] == delta(1, 3)
    assert list(d.gradients) == list(net.params)


def test_steps_name_their_rules_in_both_languages():
    d = sn.backprop(sn.MLP([2, 2, 1]))
    assert {s.rule for s in d.steps} == {"definition", "chain rule", "activation derivative", "substitution"}
    assert all(s.note("en") and s.note("ja") for s in d.steps + d.matrix_steps)
    assert d.steps[0].lhs == preact(1, 1)


def test_gradients_take_numbers_directly_and_match_central_differences():
    net = sn.MLP([2, 3, 2], activation="tanh", output="softmax", loss="cross-entropy")
    d = sn.backprop(net)
    rng = random.Random(4)
    at = {s: rng.uniform(-1, 1) for s in (*net.params, *net.inputs)}
    at.update({net.targets[0]: 0.25, net.targets[1]: 0.75})
    f = sp.lambdify(list(at), net.loss_expr)
    for p in net.params:
        h = 1e-6
        up, down = dict(at), dict(at)
        up[p] += h
        down[p] -= h
        numeric = (f(*up.values()) - f(*down.values())) / (2 * h)
        assert math.isclose(float(d.gradients[p].subs(at)), numeric, rel_tol=1e-6, abs_tol=1e-8)


@pytest.mark.parametrize("method", ["exact", "numeric"])
def test_check_says_what_it_did_and_finds_a_wrong_gradient(method):
    net = sn.MLP([2, 2, 1])
    d = sn.backprop(net)
    result = d.check(method)
    assert result and result.method == method and result.checked == len(net.params)
    w = net.weight(1, 1, 1)
    wrong = sn.Derivation(d.steps, {**d.results, sn.Partial(sn.LOSS_SYMBOL, w): 2 * d.gradients[w]}, d.oracle)
    bad = wrong.check(method)
    assert not bad and bad.mismatches == (sn.Partial(sn.LOSS_SYMBOL, w),)


def test_check_auto_switches_to_numeric_for_large_nets():
    assert sn.backprop(sn.MLP([2, 2])).check().method == "exact"
    assert sn.backprop(sn.MLP([12, 3, 2])).check().method == "numeric"


def cse_ops(exprs):
    # order="none": canonical ordering sizes each argument as a tree, exponential on the shared δ's
    replacements, reduced = sp.cse(exprs, order="none")
    return sum(sp.count_ops(e) for _, e in replacements) + sum(sp.count_ops(e) for e in reduced)


@pytest.mark.parametrize("hidden", range(1, 7))
@pytest.mark.parametrize(("output", "loss"), [("sigmoid", "sse"), ("softmax", "cross-entropy")])
def test_all_gradients_cost_at_most_three_losses_after_cse(hidden, output, loss):
    net = sn.MLP([3] + [3] * hidden + [3], output=output, loss=loss)
    gradients = list(sn.backprop(net).gradients.values())
    assert cse_ops(gradients) <= 3 * cse_ops([net.loss_expr])


def test_bad_input():
    with pytest.raises(TypeError, match=r"^backprop takes an MLP or a Network, got list$"):
        sn.backprop([2, 3, 2])
    with pytest.raises(ValueError, match=r"^unknown check method 'fast'; valid choices: auto, exact, numeric$"):
        sn.backprop(sn.MLP([1, 1])).check("fast")
    with pytest.raises(ValueError, match=r"^unknown rule 'magic'; valid choices: definition, chain rule"):
        sn.Step(sp.Symbol("a"), sp.Symbol("b"), "magic", {"en": "", "ja": ""})
    with pytest.raises(ValueError, match=r"^a step's notes need every language; missing: ja$"):
        sn.Step(sp.Symbol("a"), sp.Symbol("b"), "definition", {"en": "x"})
    with pytest.raises(ValueError, match=r"^unknown language 'fr'; valid choices: en, ja$"):
        sn.backprop(sn.MLP([1, 1])).steps[0].note("fr")
