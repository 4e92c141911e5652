"""symnn.render.json: gradients as SymPy text and LaTeX, read back without eval, equal to the derivation's."""

import json

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symnn as sn
from symnn.render.json import FORMAT, gradients_from_json, render


@pytest.mark.parametrize(
    "net",
    [
        sn.MLP([2, 3, 2]),
        sn.MLP([2, 2, 2], activation="relu", output="softmax", loss="cross-entropy", convention="row"),
        sn.MLP([1, 2, 1], activation="step", output="softplus", loss="mse", relu_grad_at_zero=sp.S.Half),
    ],
    ids=["sigmoid-sse", "relu-softmax-ce-row", "step-softplus-mse"],
)
@pytest.mark.parametrize("expanded", [False, True], ids=["local", "expanded"])
def test_gradients_round_trip(net, expanded):
    d = sn.backprop(net)
    text = render(d, expanded=expanded)
    doc = json.loads(text)
    assert ("text" in doc["gradients"][0]) == expanded and ("definitions" in doc) != expanded
    assert doc["format"] == FORMAT and doc["network"]["layers"] == list(net.sizes)
    assert [g["parameter"] for g in doc["gradients"]] == [p.name for p in net.params]
    back = gradients_from_json(text)
    assert list(back) == list(net.params)
    for p in net.params:
        assert back[p] == d.gradients[p], p  # structurally equal: same symbols, same functions
        assert sp.latex(p) == next(g["parameter_latex"] for g in doc["gradients"] if g["parameter"] == p.name)


def test_every_step_is_in_the_expanded_document_with_its_rule_and_notes():
    d = sn.backprop(sn.MLP([1, 1]))
    doc = json.loads(render(d, expanded=True))
    assert [s["rule"] for s in doc["steps"]] == [s.rule for s in d.steps]
    assert doc["steps"][0]["note"] == {"en": d.steps[0].note("en"), "ja": d.steps[0].note("ja")}


def test_reading_refuses_other_documents_and_code():
    with pytest.raises(ValueError, match=r"^not a symnn derivation document: expected format 'symnn-derivation/1'$"):
        gradients_from_json('{"gradients": []}')
    evil = json.dumps({"format": FORMAT, "gradients": [{"parameter": "b1_1", "text": "__import__('os')"}]})
    with pytest.raises(ValueError, match=r"^unknown function '__import__'"):
        gradients_from_json(evil)


# --- issue 11, part 8: an untrusted document is read under parse's limits; malformed is a ValueError, always ---

_VALID = render(sn.backprop(sn.MLP([1, 2, 1], activation="relu", output="sigmoid")), expanded=True)


def _doc(*gradients) -> str:
    return json.dumps({"format": FORMAT, "gradients": list(gradients)})


@pytest.mark.parametrize(
    "text, message",
    [
        # raised TypeError before
        (_doc(["b1_1", "x1"]), r"^not a symnn derivation document: gradients\[0\] must be an object, got an array$"),
        (_doc({"parameter": 1, "text": "x1"}), r"^.*: gradients\[0\]: 'parameter' must be a string, got a number$"),
        (_doc({"parameter": "b1_1", "text": None}), r"^.*: gradients\[0\]: 'text' must be a string, got null$"),
        (json.dumps({"format": FORMAT, "gradients": {"b1_1": "x1"}}), r"^.*: 'gradients' must be an array, got an obj"),
        (_doc({"parameter": "b1_1", "text": "sigmoid()"}), r"^parse: .*sigmoid.* \(gradients\[0\], 'text'\)$"),
        # raised KeyError before
        (_doc({"parameter": "b1_1"}), r"^not a symnn derivation document: gradients\[0\] has no 'text'$"),
        (_doc({"text": "x1"}), r"^not a symnn derivation document: gradients\[0\] has no 'parameter'$"),
        # raised RecursionError before
        ('{"format": "symnn-derivation/1", "gradients": ' + "[" * 100_000 + "]" * 100_000 + "}", r"nested too deeply"),
        (
            _doc({"parameter": "b1_1", "text": "(" * 50 + "x1" + ")" * 50}),
            r"^.*'text' is nested too deeply \(at most 40",
        ),
        # accepted before, refused by parse
        (
            _doc({"parameter": "b1_1", "text": "1e99999*x1"}),
            r"^parse: the number inf is out of range .*\(gradients\[0\]",
        ),
        (_doc({"parameter": "b1_1", "text": "1" * 101}), r"^parse: an integer of more than 100 digits is not allowed"),
        (
            _doc({"parameter": "b1_1", "text": "x" * 100_000}),
            r"^parse: the name 'x+'\.\.\. \(100000 characters\) is not",
        ),
        (
            _doc({"parameter": "w" * 100_000, "text": "x1"}),
            r"^.*the parameter 'w+'\.\.\. \(100000 characters\) is not a",
        ),
        (
            _doc({"parameter": "__class__", "text": "x1"}),
            r"^.*: gradients\[0\]: the parameter '__class__' is not a sym",
        ),
        (_doc({"parameter": "b1_1", "text": "__builtins__"}), r"^parse: the name '__builtins__' is not allowed"),
        # and the rest of what can be wrong
        ("[1, 2", r"^not a symnn derivation document: not JSON \(Expecting"),
        (b"\xff\xfe{", r"^not a symnn derivation document: not JSON"),
        (_doc({"parameter": "b1_1", "text": "x1"}, {"parameter": "b1_1", "text": "x1"}), r"'b1_1' is given twice$"),
        (_doc({"parameter": "b1_1", "text": "x1 < 2"}), r"^.*'text' is not an expression \(got StrictLessThan\)$"),
        (
            _doc({"parameter": "b1_1", "text": "  "}),
            r"^not a symnn derivation document: gradients\[0\]: 'text' is empty",
        ),
    ],
)
def test_malformed_documents_are_value_errors_naming_the_problem(text, message):
    with pytest.raises(ValueError, match=message):
        gradients_from_json(text)


def test_a_document_that_is_not_text_is_a_type_error():
    with pytest.raises(TypeError, match=r"^gradients_from_json takes the document's text \(str or bytes\), got dict$"):
        gradients_from_json({"format": FORMAT})


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
#: pieces of what a gradient's text is made of, and of what an attacker would put there
_fragments = st.sampled_from(
    ["x1", "w1_1_1", "sigmoid(", "relu(", "step(", ")", "(", ",", "*", "**", "+", "-", "/", "1e99999", "9**9**9",
     "__import__('os')", "lambda: 0", "Piecewise((1, x1 > 0), (0, True))", "Max(", "exp(", "1" * 120, "[", "]",
     "x" * 50, " ", "<", "==", "True", "oo", "'", '"', "\\", "\n", "Derivative(", "DiracDelta(", "."]
)  # fmt: skip


def _accepts_or_refuses(text) -> None:
    try:
        out = gradients_from_json(text)
    except ValueError:
        return
    assert all(isinstance(k, sp.Symbol) and isinstance(v, sp.Expr) for k, v in out.items())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_json_values)
def test_random_json_values_are_read_or_refused_with_a_value_error(value):
    _accepts_or_refuses(json.dumps(value))
    _accepts_or_refuses(json.dumps({"format": FORMAT, "gradients": value}))
    _accepts_or_refuses(json.dumps({"format": FORMAT, "gradients": [value, {"parameter": "b1_1", "text": value}]}))


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


def _replaced(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], new)
    return copy


_VALID_DOC = json.loads(_VALID)
_VALID_PATHS = list(_paths(_VALID_DOC))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_VALID_PATHS), _json_values)
def test_a_valid_document_with_any_value_replaced_is_read_or_refused_with_a_value_error(path, new):
    _accepts_or_refuses(json.dumps(_replaced(_VALID_DOC, path, new)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(_VALID_DOC["gradients"]) - 1), st.data())
def test_a_valid_gradient_text_mutated_is_read_or_refused_with_a_value_error(i, data):
    text = _VALID_DOC["gradients"][i]["text"]
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 30)))
    inserted = "".join(data.draw(st.lists(_fragments, max_size=6)))
    entry = {"parameter": _VALID_DOC["gradients"][i]["parameter"], "text": text[:start] + inserted + text[end:]}
    _accepts_or_refuses(json.dumps(_replaced(_VALID_DOC, ("gradients", i), entry)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_raw_text_of_a_valid_document_mutated_is_read_or_refused_with_a_value_error(data):
    start = data.draw(st.integers(0, len(_VALID)))
    end = data.draw(st.integers(start, min(len(_VALID), start + 20)))
    inserted = data.draw(st.text(alphabet='{}[]:,"\\0123456789.eE-+ntrufals x', max_size=10))
    _accepts_or_refuses(_VALID[:start] + inserted + _VALID[end:])


def test_the_valid_document_itself_reads_back():
    assert len(gradients_from_json(_VALID)) == len(_VALID_DOC["gradients"]) == 7
