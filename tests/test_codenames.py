"""Names that become code (issue 11, part 5): no name symnn prints into generated source ever runs as code.

Each hostile name would, printed into source, create a marker file. Every entry point that generates or lambdifies
code is walked with each of them: the answer is a ValueError (or TypeError) naming the name, or a result computed
safely under a replaced name, and in no case a marker file.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import symnn as sn
from symnn import codenames
from symnn.codegen import printing as codegen
from symnn.codenames import check_code_name, code_comment, is_code_name, run_generated, safe_lambdify
from symnn.model import registry as network
from symnn.render.diagram import activation_plot


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "pwned"
    yield path
    assert not path.exists(), "a name ran as code"


def hostile_names(path) -> list[str]:
    """Names that are programs (each touches ``path`` if it runs), and names that only look like names."""
    return [
        f"__import__('os').system('touch {path}')",
        f"x or __import__('pathlib').Path('{path}').touch()",
        f"x\nimport pathlib; pathlib.Path('{path}').touch()\n#",
        f"x\rimport pathlib; pathlib.Path('{path}').touch()",
        f"x\u2028import pathlib; pathlib.Path('{path}').touch()",
        "__class__",
        "__builtins__",
        "lambda",
        "ｘ",  # fullwidth: Python reads it as x (NFKC)
        "x" * 100_000,  # a plain identifier, only long: allowed where names are printed
    ]


def _touches(name: str) -> bool:
    return "touch" in name


# -- the gate itself ---------------------------------------------------------------------------------------------


def test_is_code_name():
    for ok in ["x", "w1_2_1", "σ", "_tmp", "match", "x" * 1000]:
        assert is_code_name(ok), ok
    for bad in ["", "1x", "a b", "x.y", "f(x)", "lambda", "None", "__import__", "__x", "ｘ", "x\n", 1, None]:
        assert not is_code_name(bad), bad


def test_check_code_name_names_the_name_and_truncates_it():
    with pytest.raises(ValueError, match=r"""^the symbol "__import__\('os'\)" cannot be printed into generated code"""):
        check_code_name("__import__('os')", "the symbol")
    with pytest.raises(ValueError, match=r"\.\.\. \(100001 characters\) cannot be printed") as e:
        check_code_name("x" * 100_000 + "!", "the symbol")
    assert len(str(e.value)) < 300
    with pytest.raises(TypeError, match=r"^the symbol must be a string, got int$"):
        check_code_name(3, "the symbol")


def test_code_comment_stays_on_one_line():
    for text in ["a\nb", "a\rb", "a\r\nb", "a\u2028b", "a\x0cb", "a\x00b"]:
        line = code_comment(text)
        assert len(line.splitlines()) == 1 and line.startswith("# a") and line.endswith("b")
    assert code_comment("C = Σ_k t_k log y_k") == "# C = Σ_k t_k log y_k"  # printable Unicode is kept


# -- lambdify ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", range(10))
def test_safe_lambdify_renames_hostile_arguments_and_computes_the_same(marker, which):
    name = hostile_names(marker)[which]
    z = sp.Symbol("z")
    bad = sp.Symbol(name)
    f = safe_lambdify([bad, z], sn.sigmoid(bad) + 2 * z)
    assert f(0.0, 1.0) == pytest.approx(2.5)
    source = f.__doc__ or ""
    assert "touch" not in source


@pytest.mark.parametrize("which", range(9))
def test_safe_lambdify_refuses_a_hostile_free_symbol(marker, which):
    name = hostile_names(marker)[which]
    z = sp.Symbol("z")
    with pytest.raises(ValueError, match=r"^lambdify: the expression depends on symbols that are not its arguments"):
        safe_lambdify([z], z + sp.Symbol(name))


@pytest.mark.parametrize("which", range(9))
def test_safe_lambdify_refuses_a_hostile_function_class(marker, which):
    name = hostile_names(marker)[which]
    z = sp.Symbol("z")
    evil = type(name, (sp.Function,), {"_numpycode": lambda self, printer: "0"})
    with pytest.raises(ValueError, match=r"^lambdify: the function class .* cannot be printed into generated code"):
        safe_lambdify([z], evil(z))
    undefined = sp.Function(name)
    with pytest.raises(ValueError, match=r"cannot be printed into generated code"):
        safe_lambdify([z], undefined(z) + 1, cse=True)


def test_safe_lambdify_arguments_never_shadow_the_namespace():
    # an argument called pi or exp would shadow NumPy's inside the generated function (a silent wrong value)
    pi, exp = sp.Symbol("pi"), sp.Symbol("exp")
    f = safe_lambdify([pi, exp], sp.exp(pi) + sp.pi * exp)
    assert f(1.0, 2.0) == pytest.approx(np.e + 2 * np.pi)


def test_safe_lambdify_cse_temporaries_never_take_an_argument_name():
    # sympy.cse names its temporaries x0, x1, ... and compares symbols with their assumptions, so a real x0
    # argument and a plain x0 temporary would be two symbols printed with one name
    x0, x1 = sp.symbols("x0 x1", real=True)
    e = [sp.exp(x0 + x1) + sp.exp(x0 + x1) ** 2, x0 * sp.exp(x0 + x1)]
    f = safe_lambdify([x0, x1], e, cse=True)
    want = [float(v.subs({x0: 0.5, x1: 0.25})) for v in e]
    assert f(0.5, 0.25) == pytest.approx(want)


def test_safe_lambdify_refuses_a_function_without_a_printing_when_compiling():
    z = sp.Symbol("z")
    with pytest.raises(NotImplementedError, match=r"^Unsupported: lambdify: Unsupported by .*NumPyPrinter.*: myf"):
        safe_lambdify([z], sp.Function("myf")(z))


# -- activation_plot (the first reproducer) ----------------------------------------------------------------------


def test_activation_plot_with_a_hostile_free_symbol_runs_nothing(marker):
    z = sp.Symbol("z", real=True)
    bad = sp.Symbol(f"__import__('os').system('touch {marker}')")
    with pytest.raises(ValueError, match=r"""^activation_plot: .* not its arguments: "__import__\('os'\)"""):
        activation_plot([(r"\sigma", sn.sigmoid(z) + bad, z)])


@pytest.mark.parametrize("which", range(10))
def test_activation_plot_with_a_hostile_variable_plots_safely(marker, which):
    bad = sp.Symbol(hostile_names(marker)[which], real=True)
    z = sp.Symbol("z", real=True)
    got = activation_plot([(r"\sigma", sn.sigmoid(bad), bad)])
    want = activation_plot([(r"\sigma", sn.sigmoid(z), z)])
    assert _polylines(got.svg) == _polylines(want.svg)


def _polylines(svg: str) -> list[str]:
    return [line for line in svg.splitlines() if line.startswith("<polyline")]


# -- register_activation, sn.activation, compile (the second reproducer) -----------------------------------------


class _Linear(sp.Function):
    nargs = 1

    def fdiff(self, argindex=1):
        return sp.Integer(1)

    def _numpycode(self, printer):
        return printer._print(self.args[0])


@pytest.fixture
def clean_registry():
    before = (dict(network.ACTIVATIONS), dict(network.ACTIVATION_CLASSES), list(network.OUTPUT_ACTIVATIONS))
    yield
    for table, saved in zip(
        (network.ACTIVATIONS, network.ACTIVATION_CLASSES, network.OUTPUT_ACTIVATIONS), before, strict=True
    ):
        table.clear()
        table.update(saved) if isinstance(table, dict) else table.extend(saved)


@pytest.mark.parametrize("which", range(9))
def test_register_activation_refuses_a_hostile_class_name(marker, clean_registry, which):
    name = hostile_names(marker)[which]
    evil = type(name, (_Linear,), {})
    with pytest.raises(ValueError, match=r"^the activation 'evil': the function class's __name__ .* cannot be printed"):
        sn.register_activation("evil", evil)
    assert "evil" not in network.ACTIVATIONS


def test_register_activation_refuses_keywords_and_dunders(clean_registry):
    for name in ["lambda", "__init__"]:
        with pytest.raises(ValueError, match=r"^the activation name '.*' cannot be printed into generated code"):
            sn.register_activation(name, _Linear)


def test_python_activation_refuses_a_hostile_name(marker, clean_registry):
    def ident(x):
        return x

    with pytest.raises(ValueError, match=r"""^the activation name "__import__\('os'\).*cannot be printed"""):
        sn.activation(ident, name=f"__import__('os').system('touch {marker}')")


@pytest.mark.parametrize("view", ["element", "matrix"])
@pytest.mark.parametrize("which", [0, 1, 2, 5, 8])
def test_compile_refuses_a_hostile_class_that_bypassed_the_registry(marker, clean_registry, view, which):
    # the registry checks the class; compile checks again where the code is printed (one gate, every path)
    evil = type(hostile_names(marker)[which], (_Linear,), {})
    network.ACTIVATIONS["evil"] = lambda z, net: evil(z)
    network.ACTIVATION_CLASSES["evil"] = evil
    network.OUTPUT_ACTIVATIONS.insert(len(network.OUTPUT_ACTIVATIONS) - 1, "evil")
    net = sn.MLP([2, 2], output="evil")
    with pytest.raises(ValueError, match=r"the function class .* cannot be printed into generated code"):
        sn.compile(net, view=view)


def test_compile_still_compiles_a_plain_user_activation(clean_registry):
    sn.register_activation("linear_for_test", type("linear_for_test", (_Linear,), {}))
    net = sn.MLP([2, 2], output="linear_for_test")
    params = {"W1": np.array([[1.0, 2.0], [3.0, 4.0]]), "b1": np.array([0.5, -0.5])}
    X = np.array([[1.0, 1.0]])
    for view in ("element", "matrix"):
        assert sn.compile(net, view=view).forward(params, X) == pytest.approx(np.array([[3.5, 6.5]]))


# -- the matrix view's generator and runner ----------------------------------------------------------------------


def test_emit_checks_every_name_it_prints(marker):
    printer = codegen.printer_for("numpy")
    x, y = sp.Symbol("X"), sp.Symbol("Y")
    bad = sp.Symbol(f"__import__('os').system('touch {marker}')")
    with pytest.raises(ValueError, match=r"^the generated variable .* cannot be printed"):
        codegen.emit("f", [bad], [(y, 2 * bad)], [y], printer)
    with pytest.raises(ValueError, match=r"^generated f: the expression depends on symbols that are not its arg"):
        codegen.emit("f", [x], [(y, x + bad)], [y], printer)
    with pytest.raises(ValueError, match=r"^the generated function .* cannot be printed"):
        codegen.emit("f(): pass\nimport os\ndef g", [x], [(y, x)], [y], printer)
    source = codegen.emit("f", [x], [(y, 2 * x)], [y], printer, comments={y: "Y = 2X\nimport os"})
    assert "\nimport os" not in source
    assert run_generated(source)["f"](3.0) == 6.0


@pytest.mark.parametrize(
    "source, message",
    [
        ("def f(x):\n    return __import__('os').system('true')\n", r"the name '__import__'"),
        ("def f(x):\n    return eval('1')\n", r"the builtin 'eval'"),
        ("def f(x):\n    return x.__class__\n", r"the private attribute '__class__'"),
        ("import os\n", r"importing 'os'"),
        ("import numpy as os\n", r"importing 'numpy'"),
        ("f = lambda x: x\n", r"unexpected syntax Lambda"),
        ("def f(x):\n    return [y for y in x]\n", r"unexpected syntax ListComp"),
        ("class A:\n    pass\n", r"unexpected syntax ClassDef"),
    ],
)
def test_run_generated_audits_before_running(source, message):
    with pytest.raises(ValueError, match=rf"^generated code: .*{message}"):
        run_generated(source)


def test_every_code_generation_entry_point_refuses_or_renames(marker, clean_registry):
    """Walk every route from a name to generated code with every hostile name: an error naming it, or safety."""
    z = sp.Symbol("z", real=True)
    routes = 0
    for name in hostile_names(marker):
        bad = sp.Symbol(name, real=True)
        cls = type(name, (_Linear,), {})
        printer = codegen.printer_for("numpy")
        y = sp.Symbol("Y")
        attempts = [
            lambda: safe_lambdify([z], z + bad),  # noqa: B023 - called within this iteration
            lambda: safe_lambdify([z], z + bad, "numpy", cse=True),  # noqa: B023
            lambda: activation_plot([("f", sn.sigmoid(z) + bad, z)]),  # noqa: B023
            lambda: codegen.emit("f", [z], [(y, z + bad)], [y], printer),  # noqa: B023
            lambda: safe_lambdify([z], cls(z)),  # noqa: B023
            lambda: sn.register_activation("evil", cls, replace=True),  # noqa: B023
            lambda: codegen.emit("f", [z], [(y, cls(z))], [y], printer),  # noqa: B023
        ]
        for attempt in attempts:
            routes += 1
            if is_code_name(name):  # a long plain name: allowed, computed safely
                try:
                    attempt()
                except ValueError as e:
                    assert "not its arguments" in str(e)  # still refused as a free symbol, which is right
                continue
            with pytest.raises(ValueError, match=r"cannot be printed into generated code|not its arguments"):
                attempt()
    assert routes >= 60
    assert codenames.__all__  # the one module every route goes through


def test_a_network_layer_of_ones_own_with_a_hostile_function_class_is_refused(marker):
    # Network's Elementwise layer: the formula is the user's, its function classes are printed when compiled
    evil = type(f"__import__('os').system('touch {marker}')", (_Linear,), {})
    net = sn.Network([sn.Dense(2), sn.Elementwise("mine", lambda z: evil(z))], inputs=2)
    with pytest.raises(ValueError, match=r"the function class .* cannot be printed into generated code"):
        sn.compile(net)
    for bad in ["lambda", "ｘ", "__x", "a b"]:
        with pytest.raises(ValueError, match=r"^Elementwise: name must be a plain identifier"):
            sn.Elementwise(bad, lambda z: z)
