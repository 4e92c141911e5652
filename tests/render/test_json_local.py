"""symnn.render.json's local form (issue 14, part 4): δ's as definitions, each gradient δ times an activation, linear
in the network; the expanded form on request and refused past its limit; written piece by piece, atomically."""

import json

import pytest
import sympy as sp

import symnn as sn
from symnn.render import derive_document, write_derivation
from symnn.render.json import MAX_EXPANDED_NODES, chunks, gradients_from_json, render, write
from symnn.render.json_local import expanded_size


@pytest.mark.parametrize(
    "net",
    [
        sn.MLP([2, 3, 3, 2]),
        sn.MLP([3, 2, 2, 3], activation="tanh", output="softmax", loss="cross-entropy"),
        sn.MLP([2, 2, 2], activation=["relu"], output="softmax", loss="mse", relu_grad_at_zero=sp.S.Half),
        sn.MLP([2, 3, 2], activation="softplus", output="sigmoid", loss="binary-cross-entropy", convention="row"),
        sn.MLP([2, 2, 1], activation="identity", output="identity", loss="sse"),
    ],
    ids=["sigmoid-deep", "tanh-softmax-ce", "relu-softmax-mse", "softplus-bce-row", "identity"],
)
def test_the_local_form_reads_back_as_the_derivations_explicit_gradients(net):
    d = sn.backprop(net)
    doc = json.loads(render(d))
    assert doc["gradients_form"] == "local" and "steps" not in doc
    w = next(g for g in doc["gradients"] if g["parameter"] == "w2_1_2")
    assert w["local"] == {"text": "delta2_1*a1_2", "latex": r"\delta^{(2)}_{1} a^{(1)}_{2}"}
    assert [e["symbol"] for e in doc["definitions"]][-1] == "delta1_" + str(net.sizes[1])
    back = gradients_from_json(json.dumps(doc))
    assert list(back) == list(net.params)
    for p in net.params:
        assert back[p] == d.gradients[p], p  # the same tree sympy builds in the sweep


def test_the_local_form_is_linear_in_the_network_and_30_30_10_is_under_a_megabyte():
    sizes = {n: len(render(sn.backprop(sn.MLP([n, n, 10]))).encode()) for n in (10, 20, 30)}
    assert sizes[30] < 1_000_000
    # about the weights' count (n² + 10n): 20 → 30 grows the weights 1.9×; an explicit document grows far faster
    assert sizes[30] / sizes[20] < 2.2


def test_the_expanded_form_is_refused_past_its_limit_naming_the_size_and_the_limit():
    net = sn.MLP([12, 12, 6])
    nodes = expanded_size(net)
    assert nodes > MAX_EXPANDED_NODES
    message = f"the 12-12-6 network would print about {nodes:,} expression nodes; the expanded form takes at most"
    with pytest.raises(ValueError, match=rf"^the expanded gradients of {message} {MAX_EXPANDED_NODES:,};"):
        render(sn.backprop(net), expanded=True)


def test_expanded_size_counts_the_printed_tree_within_a_few_percent():
    for sizes in ([2, 3, 2], [2, 3, 3, 2]):
        d = sn.backprop(sn.MLP(sizes))
        memo = {}

        def tree(e, memo=memo):
            if e not in memo:
                memo[e] = 1 + sum(tree(a) for a in e.args)
            return memo[e]

        actual = sum(tree(g) for g in d.gradients.values())
        assert abs(expanded_size(d.network) - actual) / actual < 0.03


def test_the_pieces_are_json_dumps_of_the_whole_document():
    d = sn.backprop(sn.MLP([2, 2, 1]))
    text = "".join(chunks(d))
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=1) + "\n"
    assert len(list(chunks(d))) > 10  # written piece by piece, not as one string


def test_write_streams_the_rendered_document_and_leaves_nothing_on_a_failure(tmp_path, monkeypatch):
    d = sn.backprop(sn.MLP([2, 3, 2]))
    out = write(d, tmp_path / "d.json")
    assert out.read_text(encoding="utf-8") == render(d)

    def broken(net):
        yield from ({"parameter": "w1_1_1"},)
        raise RuntimeError("disk full")

    monkeypatch.setattr("symnn.render.json.gradient_entries", broken)
    with pytest.raises(RuntimeError):
        write(d, tmp_path / "e.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.json"]


def test_derive_document_and_write_derivation_take_expanded_for_json_only(tmp_path):
    net = sn.MLP([1, 1])
    assert "definitions" in json.loads(derive_document(net, fmt="json"))
    assert "steps" in json.loads(derive_document(net, fmt="json", expanded=True))
    with pytest.raises(ValueError, match=r"^expanded gradients are a choice of the json format, not of latex$"):
        derive_document(net, fmt="latex", expanded=True)
    (path,) = write_derivation(net, tmp_path / "x.json", fmt="json", expanded=True)
    assert "text" in json.loads(path.read_text(encoding="utf-8"))["gradients"][0]
