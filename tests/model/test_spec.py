"""Network specs: round trips (Python, dict, TOML, JSON), every malformed spec's one message, the MLP shorthand."""

import json
import re

import pytest
import sympy as sp

import symnn as sn
from symnn.model.spec import LAYER_TYPES, as_mlp, check_constants, load_spec, network_from_spec, spec_of
from symnn.model.spec_toml import spec_to_toml

# -- round trips ------------------------------------------------------------------------------------------------

NETWORKS = {
    "issue example": lambda: sn.Network(
        [
            sn.Dense(8),
            sn.Activation("relu"),
            sn.LayerNorm(),
            sn.Residual(sn.Dense(8), sn.Activation("tanh")),
            sn.Dropout(keep="p"),
            sn.Dense(3),
            sn.Softmax(),
        ],
        inputs=4,
        loss="cross-entropy",
        convention="column",
        weight_decay="lambda",
    ),
    "row, no bias, batchnorm": lambda: sn.Network(
        [sn.Dense(3, bias=False), sn.BatchNorm(eps=sp.Rational(1, 3)), sn.Activation("sigmoid"), sn.Dense(2)],
        inputs=2,
        loss="mse",
        convention="row",
    ),
    "nested residuals, settings at zero": lambda: sn.Network(
        [
            sn.Dense(2),
            sn.Residual(sn.Activation("relu"), sn.Residual(sn.Dense(2), sn.Activation("step"))),
            sn.Dropout(keep="q"),
        ],
        inputs=2,
        batch=3,
        relu_grad_at_zero=sp.S.Half,
        step_at_zero=0,
    ),
    "one dense layer": lambda: sn.Network([sn.Dense(1)], inputs=1),
}


@pytest.mark.parametrize("build", NETWORKS.values(), ids=NETWORKS.keys())
def test_spec_of_and_network_from_spec_are_inverse(build):
    net = build()
    spec = spec_of(net)
    again = network_from_spec(spec)
    assert repr(again) == repr(net)
    assert spec_of(again) == spec
    assert (again.relu_grad_at_zero, again.step_at_zero, again.batch) == (
        net.relu_grad_at_zero,
        net.step_at_zero,
        net.batch,
    )
    # the same mathematics: the element-view loss is the same expression (an oracle outside the spec module)
    assert again.loss_expr == net.loss_expr
    # and it survives JSON, as checkpoints store it
    assert network_from_spec(json.loads(json.dumps(spec))).loss_expr == net.loss_expr


@pytest.mark.parametrize("build", NETWORKS.values(), ids=NETWORKS.keys())
def test_max_params_counts_before_building(build):
    spec = spec_of(build())
    n = len(network_from_spec(spec).params)
    assert len(network_from_spec(spec, max_params=n).params) == n
    with pytest.raises(ValueError, match=f"^the network has {n} parameters; at most {n - 1} are allowed here$"):
        network_from_spec(spec, max_params=n - 1)


@pytest.mark.parametrize("build", NETWORKS.values(), ids=NETWORKS.keys())
def test_a_network_written_as_toml_reads_back(build, tmp_path):
    net = build()
    constants = {c.name: 0.5 for c in net.constants}
    path = tmp_path / "net.toml"
    path.write_text(spec_to_toml(spec_of(net, constants)))
    spec = load_spec(path)
    assert spec == spec_of(net, constants)
    assert repr(network_from_spec(spec)) == repr(net)


def test_a_symbol_named_in_greek_is_a_quoted_toml_key(tmp_path):
    net = sn.Network([sn.Dense(2), sn.Dropout(keep="ρ")], inputs=2, weight_decay="λ")
    text = spec_to_toml(spec_of(net, {"ρ": 0.5, "λ": 0.01}))
    assert '\n"\\u03c1" = 0.5\n"\\u03bb" = 0.01\n' in text
    path = tmp_path / "net.toml"
    path.write_text(text)
    assert load_spec(path)["constants"] == {"ρ": 0.5, "λ": 0.01}


def test_spec_of_writes_every_field_and_exact_numbers():
    spec = spec_of(NETWORKS["row, no bias, batchnorm"]())
    assert spec == {
        "inputs": 2,
        "loss": "mse",
        "convention": "row",
        "relu_grad_at_zero": 0,
        "step_at_zero": 1,
        "layers": [
            {"type": "dense", "units": 3, "bias": False},
            {"type": "batchnorm", "eps": "1/3"},  # not a float: 1/3 has no exact decimal
            {"type": "activation", "name": "sigmoid"},
            {"type": "dense", "units": 2, "bias": True},
        ],
    }
    nested = spec_of(NETWORKS["nested residuals, settings at zero"]())
    assert (nested["batch"], nested["relu_grad_at_zero"], nested["step_at_zero"]) == (3, 0.5, 0)  # 1/2 is a decimal
    assert spec_of(sn.Network([sn.LayerNorm(eps=1e-3)], inputs=2))["layers"] == [{"type": "layernorm", "eps": 0.001}]


def test_a_loss_name_with_underscores_is_written_back_hyphenated():
    spec = _net(DENSE, {"type": "activation", "name": "sigmoid"}, loss="binary_cross_entropy")
    net = network_from_spec(spec)
    assert net.loss_name == "binary-cross-entropy"
    assert spec_of(net)["loss"] == "binary-cross-entropy"


def test_spec_of_with_constants():
    net = NETWORKS["issue example"]()
    spec = spec_of(net, {"p": 0.9, "lambda": 1e-4})
    assert spec["constants"] == {"p": 0.9, "lambda": 1e-4}
    assert spec_of(network_from_spec(spec), spec["constants"]) == spec
    with pytest.raises(ValueError, match=r"^constants: unknown field 'q'; valid fields: p, lambda$"):
        spec_of(net, {"q": 0.5})


TOML = """\
# the issue's network
inputs = 4
loss = "cross-entropy"
weight_decay = "lambda"

[constants]
p = 0.9
lambda = 1e-4

[[layers]]
type = "dense"
units = 8

[[layers]]
type = "activation"
name = "relu"

[[layers]]
type = "layernorm"

[[layers]]
type = "residual"

  [[layers.layers]]
  type = "dense"
  units = 8

  [[layers.layers]]
  type = "activation"
  name = "tanh"

[[layers]]
type = "dropout"
keep = "p"

[[layers]]
type = "dense"
units = 3

[[layers]]
type = "softmax"
"""


def test_a_toml_file_gives_the_python_network(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text(TOML)
    spec = load_spec(path)
    net = network_from_spec(spec)
    assert repr(net) == repr(NETWORKS["issue example"]())
    assert spec_of(net, spec["constants"]) == {**spec_of(NETWORKS["issue example"]()), "constants": spec["constants"]}
    assert check_constants(net, spec["constants"]) == {"p": 0.9, "lambda": 1e-4}
    assert sn.load_spec is load_spec and sn.spec_of is spec_of and sn.network_from_spec is network_from_spec


def test_a_spec_network_compiles_with_its_constants_and_matches_central_differences(tmp_path):
    import numpy as np

    path = tmp_path / "net.toml"
    path.write_text(TOML)
    spec = load_spec(path)
    model = sn.compile(network_from_spec(spec), constants=spec["constants"])
    params = model.init(seed=1)
    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(5, 4)), np.eye(3)[rng.integers(0, 3, 5)]
    masks = model.draw_masks(rng, 5, np.float64)
    _, grads = model.value_and_grad(params, X, T, masks)
    h = 1e-6
    for name in ("W1", "gamma3", "W2", "b3"):
        flat = params[name].reshape(-1)
        up, down = {**params, name: params[name].copy()}, {**params, name: params[name].copy()}
        up[name].reshape(-1)[0] = flat[0] + h
        down[name].reshape(-1)[0] = flat[0] - h
        numeric = (model.loss(up, X, T, masks) - model.loss(down, X, T, masks)) / (2 * h)
        assert grads[name].reshape(-1)[0] == pytest.approx(numeric, rel=1e-5, abs=1e-8), name


# -- malformed specs: one ValueError each, naming the layer, the field and the valid choices ------------------------

DENSE = {"type": "dense", "units": 2}
TYPES = ", ".join(LAYER_TYPES)
ACTIVATIONS = "<the registered activations>"  # filled in when the test runs: other tests may register more


def _net(*layers, **top):
    return {"inputs": 2, **top, "layers": list(layers)}


BAD = [
    ([1, 2], "a network spec must be a table (a dict), got list"),
    ({"layers": [DENSE]}, "missing field 'inputs' (the number of inputs per sample)"),
    ({"inputs": 2}, "missing field 'layers': a list of layer tables ([[layers]] in TOML)"),
    (
        {"inputs": 2, "layer": [DENSE]},
        "unknown field 'layer'; valid fields: inputs, loss, convention, weight_decay, batch, relu_grad_at_zero, "
        "step_at_zero, pool_ties, constants, layers",
    ),
    (_net(), "field 'layers' must be a non-empty list of layer tables ([[layers]] in TOML), got []"),
    (
        {"inputs": 2, "layers": DENSE},
        "field 'layers' must be a non-empty list of layer tables ([[layers]] in TOML), "
        "got {'type': 'dense', 'units': 2}",
    ),
    ({"inputs": 0, "layers": [DENSE]}, "field 'inputs' must be a positive integer, got 0"),
    ({"inputs": True, "layers": [DENSE]}, "field 'inputs' must be a positive integer, got True"),
    (
        _net(DENSE, loss="hinge"),
        "field 'loss': unknown loss 'hinge'; valid choices: sse, mse, cross-entropy, binary-cross-entropy "
        "(or with underscores: cross_entropy, binary_cross_entropy)",
    ),
    (_net(DENSE, convention="diagonal"), "field 'convention': unknown 'diagonal'; valid choices: column, row"),
    (
        _net(DENSE, weight_decay="λ 2"),
        "field 'weight_decay' must name a symbol (an identifier such as \"p\" or \"lambda\"), got 'λ 2'",
    ),
    (_net(DENSE, batch=0), "field 'batch' must be a positive integer, got 0"),
    (
        _net(DENSE, relu_grad_at_zero=2),
        "field 'relu_grad_at_zero' must be a number from 0 to 1 (an integer, a decimal or a string \"1/2\"), got 2",
    ),
    (  # strings are read as numbers by fractions.Fraction, never evaluated
        _net(DENSE, step_at_zero="__import__('os').getcwd()"),
        "field 'step_at_zero' must be a number from 0 to 1 (an integer, a decimal or a string \"1/2\"), "
        "got \"__import__('os').getcwd()\"",
    ),
    (
        _net(DENSE, step_at_zero="1/0"),
        "field 'step_at_zero' must be a number from 0 to 1 (an integer, a decimal or a string \"1/2\"), got '1/0'",
    ),
    (_net(5), "layer 1: must be a table with a type field ([[layers]] in TOML), got 5"),
    (_net({"units": 3}), f"layer 1: missing field 'type'; valid choices: {TYPES}"),
    (_net(DENSE, {"type": "conv3d"}), f"layer 2: unknown type 'conv3d'; valid choices: {TYPES}"),
    (_net({"type": "Dense", "units": 2}), f"layer 1: unknown type 'Dense'; valid choices: {TYPES}"),
    (
        _net(DENSE, {"type": "elementwise", "name": "swish"}),
        "layer 2: type 'elementwise' cannot come from a spec: its formula is a Python function; "
        "build the network in Python with sn.Elementwise(...)",
    ),
    (_net({"type": "dense"}), "layer 1 (dense): missing field 'units'"),
    (_net({"type": "dense", "units": 0}), "layer 1 (dense): field 'units' must be a positive integer, got 0"),
    (_net({"type": "dense", "units": 2.0}), "layer 1 (dense): field 'units' must be a positive integer, got 2.0"),
    (_net({"type": "dense", "units": "2"}), "layer 1 (dense): field 'units' must be a positive integer, got '2'"),
    (
        _net({"type": "dense", "units": 2, "bias": "yes"}),
        "layer 1 (dense): field 'bias' must be true or false, got 'yes'",
    ),
    (
        _net({"type": "dense", "units": 2, "unit": 3, "activation": "relu"}),
        "layer 1 (dense): unknown fields 'unit', 'activation'; valid fields: type, units, bias",
    ),
    (_net(DENSE, {"type": "activation"}), "layer 2 (activation): missing field 'name'"),
    (
        _net(DENSE, {"type": "activation", "name": "no_such_function"}),
        f"layer 2 (activation): field 'name': unknown 'no_such_function'; valid choices: {ACTIVATIONS}",
    ),
    (
        _net(DENSE, {"type": "activation", "name": "softmax"}),
        f"layer 2 (activation): field 'name': unknown 'softmax' (use type = \"softmax\"); valid choices: {ACTIVATIONS}",
    ),
    (_net(DENSE, {"type": "softmax", "axis": 1}), "layer 2 (softmax): unknown field 'axis'; valid fields: type"),
    (
        _net({"type": "layernorm", "eps": 0}),
        "layer 1 (layernorm): field 'eps' must be a number above 0 (an integer, a decimal or a string \"1/2\"), got 0",
    ),
    (
        _net({"type": "batchnorm", "eps": "small"}),
        "layer 1 (batchnorm): field 'eps' must be a number above 0 (an integer, a decimal or a string \"1/2\"), "
        "got 'small'",
    ),
    (
        _net({"type": "dropout", "keep": 0.9}),
        "layer 1 (dropout): field 'keep' names the keep probability's symbol (such as \"p\"), got the number 0.9; "
        'write keep = "p" and give its value in [constants]: p = 0.9',
    ),
    (
        _net({"type": "dropout", "keep": "_p"}),
        "layer 1 (dropout): field 'keep' must name a symbol (an identifier such as \"p\" or \"lambda\"), got '_p'",
    ),
    (_net({"type": "residual"}), "layer 1 (residual): missing field 'layers'"),
    (
        _net({"type": "residual", "layers": []}),
        "layer 1 (residual): field 'layers' must be a non-empty list of layer tables ([[layers]] in TOML), got []",
    ),
    (
        _net(DENSE, {"type": "residual", "layers": [DENSE, {"type": "dense", "units": -1}]}),
        "layer 2 (residual), layer 2 (dense): field 'units' must be a positive integer, got -1",
    ),
    (
        _net({"type": "residual", "layers": [{"type": "residual", "layers": [{"type": "activation", "name": "x"}]}]}),
        f"layer 1 (residual), layer 1 (residual), layer 1 (activation): field 'name': unknown 'x'; "
        f"valid choices: {ACTIVATIONS}",
    ),
    (
        _net({"type": "residual", "layers": [{"type": "dense", "units": 3}]}),
        "layer 1: Residual: the branch gives 3 entries but its input has 2; a residual adds them, so they must match",
    ),
    (
        {"inputs": 1, "layers": [{"type": "layernorm"}]},
        "layer 1: LayerNorm: needs at least 2 entries to normalise, got 1",
    ),
    (
        _net({"type": "dropout"}, constants={"p": 1.5}),
        "constants: field 'p' is the keep probability of layer 1 (dropout): it must be at most 1, got 1.5",
    ),
    (_net({"type": "dropout"}, constants={"p": "0.5"}), "constants: field 'p' must be a positive number, got '0.5'"),
    (_net({"type": "dropout"}, constants={"p": 0}), "constants: field 'p' must be a positive number, got 0"),
    (_net({"type": "dropout"}, constants={"q": 0.5}), "constants: unknown field 'q'; valid fields: p"),
    (
        _net(DENSE, constants={"p": 0.5}),
        "constants: unknown field 'p'; this network has no constants (they are a dropout's keep probability and "
        "weight decay's λ)",
    ),
    (
        _net(DENSE, constants=[0.5]),
        "field 'constants' must be a table of numbers by name ([constants] in TOML), got [0.5]",
    ),
]


@pytest.mark.parametrize(("spec", "message"), BAD, ids=[m[:60] for _, m in BAD])
def test_a_malformed_spec_is_one_value_error_naming_what_is_wrong(spec, message):
    message = message.replace(ACTIVATIONS, ", ".join(sn.ACTIVATIONS))
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        network_from_spec(spec)
    assert "\n" not in message


def test_training_needs_every_constant():
    net = network_from_spec(_net({"type": "dropout", "keep": "p"}, DENSE, weight_decay="lam"))
    assert check_constants(net, {}, complete=False) == {}
    with pytest.raises(
        ValueError,
        match=r"^constants: needs a value for p, the keep probability of layer 1 \(dropout\); lam, weight decay's λ$",
    ):
        check_constants(net, {})
    assert check_constants(net, {"p": 1, "lam": 0.01}) == {"p": 1.0, "lam": 0.01}


def test_spec_of_refuses_what_a_file_cannot_hold():
    swish = sn.Elementwise("swish", lambda z, beta: z * sn.sigmoid(beta * z), params=["beta"])
    net = sn.Network([sn.Dense(2), sn.Residual(swish)], inputs=2)
    with pytest.raises(
        ValueError,
        match=r"^layer 2, layer 1: Elementwise 'swish' has no spec: its formula is a Python function, "
        r"which a spec file cannot hold$",
    ):
        spec_of(net)
    with pytest.raises(TypeError, match=r"^spec_of takes a Network, got MLP$"):
        spec_of(sn.MLP([2, 3, 2]))


def test_load_spec_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"^spec file .*nope\.toml does not exist$"):
        load_spec(tmp_path / "nope.toml")
    with pytest.raises(FileNotFoundError, match=r"^spec file .* does not exist \(it is a folder\)$"):
        load_spec(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text('inputs = 2\n[[layers]]\ntype = "dense"\nunits =\n')
    with pytest.raises(
        ValueError, match=r"^.*bad\.toml: not a valid TOML file: Invalid value \(at line 4, column 8\)$"
    ):
        load_spec(bad)
    bad.write_bytes(b"\xff\xfe inputs = 2")
    with pytest.raises(ValueError, match=r"^.*bad\.toml: not a valid TOML file: "):
        load_spec(bad)
    bad.write_text('inputs = 2\n[[layers]]\ntype = "dense"\nunits = 0\n')
    with pytest.raises(
        ValueError, match=r"^.*bad\.toml: layer 1 \(dense\): field 'units' must be a positive integer, got 0$"
    ):
        load_spec(bad)


# -- the MLP shorthand ---------------------------------------------------------------------------------------------


def test_a_spec_that_is_an_mlp_gives_the_mlp():
    spec = _net(
        {"type": "dense", "units": 3},
        {"type": "activation", "name": "relu"},
        {"type": "dense", "units": 2},
        {"type": "softmax"},
        loss="cross-entropy",
        convention="row",
        relu_grad_at_zero="1/2",
    )
    net = network_from_spec(spec)
    mlp = as_mlp(net)
    assert repr(mlp) == repr(
        sn.MLP([2, 3, 2], activation="relu", output="softmax", loss="cross-entropy", convention="row")
    )
    assert mlp.relu_grad_at_zero == sp.S.Half
    # the same loss, symbol for symbol, built by the MLP's own code
    assert sp.simplify(mlp.loss_expr - net.loss_expr) == 0


@pytest.mark.parametrize(
    "layers",
    [
        [DENSE],  # no output activation
        [{"type": "dense", "units": 2, "bias": False}, {"type": "activation", "name": "tanh"}],
        [DENSE, {"type": "softmax"}, DENSE, {"type": "softmax"}],  # softmax only at the output
        [DENSE, {"type": "layernorm"}],
        [{"type": "activation", "name": "tanh"}, DENSE],
    ],
)
def test_other_specs_are_not_mlps(layers):
    assert as_mlp(network_from_spec(_net(*layers))) is None
    assert as_mlp(network_from_spec(_net(DENSE, {"type": "activation", "name": "tanh"}, weight_decay="lam"))) is None
