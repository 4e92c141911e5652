"""symnn.render.json: gradients as SymPy text and LaTeX, read back without eval, equal to the derivation's."""

import json

import pytest
import sympy as sp

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
def test_gradients_round_trip(net):
    d = sn.backprop(net)
    text = render(d)
    doc = json.loads(text)
    assert doc["format"] == FORMAT and doc["network"]["layers"] == list(net.sizes)
    assert [g["parameter"] for g in doc["gradients"]] == [p.name for p in net.params]
    back = gradients_from_json(text)
    assert list(back) == list(net.params)
    for p in net.params:
        assert back[p] == d.gradients[p], p  # structurally equal: same symbols, same functions
        assert sp.latex(p) == next(g["parameter_latex"] for g in doc["gradients"] if g["parameter"] == p.name)


def test_every_step_is_in_the_document_with_its_rule_and_notes():
    d = sn.backprop(sn.MLP([1, 1]))
    doc = json.loads(render(d))
    assert [s["rule"] for s in doc["steps"]] == [s.rule for s in d.steps]
    assert doc["steps"][0]["note"] == {"en": d.steps[0].note("en"), "ja": d.steps[0].note("ja")}


def test_reading_refuses_other_documents_and_code():
    with pytest.raises(ValueError, match=r"^not a symnn derivation document: expected format 'symnn-derivation/1'$"):
        gradients_from_json('{"gradients": []}')
    evil = json.dumps({"format": FORMAT, "gradients": [{"parameter": "b1_1", "text": "__import__('os')"}]})
    with pytest.raises(ValueError, match=r"^unknown function '__import__'"):
        gradients_from_json(evil)
