"""``symnn derive``: derive backpropagation for a network and write it as Markdown, LaTeX, JSON or an HTML page."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from symnn.cli.options import UsageError, add_network_arguments, check_weights, network_from_args
from symnn.model.graph import Network
from symnn.model.network import MLP
from symnn.model.spec import as_mlp
from symnn.render import FLAVOURS, FORMATS, derive_document, write_derivation
from symnn.render.documents import VIEWS, resolve_view
from symnn.render.matrix_shapes import LAYOUTS

__all__ = ["add_arguments", "run"]

HELP = "derive backpropagation for a network and publish it: Markdown (KaTeX), LaTeX, JSON or HTML"


#: file extension -> the format ``symnn derive -o FILE`` writes without ``--format``
FORMAT_OF_EXTENSION: dict[str, str] = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".tex": "latex",
    ".json": "json",
    ".html": "html",
    ".htm": "html",
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_network_arguments(p, spec=True)
    p.add_argument(
        "--format",
        choices=list(FORMATS),
        default=None,
        help="output format (default: from the extension of -o FILE, .md, .tex, .json or .html; else markdown); "
        "html is one self-contained page that opens offline",
    )
    p.add_argument("--lang", choices=["en", "ja"], default="en", help="language of the prose")
    p.add_argument(
        "--flavor",
        choices=list(FLAVOURS),
        default=None,
        help="Markdown for one platform: katex (default: $…$ and $$…$$, unnumbered), github, zenn, qiita, "
        "myst or quarto (each numbers the steps' equations in its own syntax)",
    )
    p.add_argument("-o", "--out", metavar="FILE", help="write to FILE (atomically) instead of standard output")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    p.add_argument(
        "--view",
        choices=list(VIEWS),
        default="auto",
        help="index: the derivation once in index notation for any width, then a small worked instance; "
        "element: every unit written out (small networks only); auto (default): element up to 50 weights",
    )
    p.add_argument(
        "--layout",
        choices=list(LAYOUTS),
        default="denominator",
        help="layout of the matrix equations: denominator (a gradient has the shape of its variable; default) "
        "or numerator (the transposed shape)",
    )
    p.add_argument("--no-shapes", action="store_true", help="leave out the shapes under the matrix equations")
    p.add_argument(
        "--expanded",
        action="store_true",
        help="json: also write every gradient out in the inputs and parameters (small networks only); by default "
        "each δ is a named definition and each gradient δ times an activation, linear in the network",
    )


def output_format(given: str | None, out: str | None) -> str:
    """The format ``symnn derive`` writes: ``--format`` if given, else the one of ``-o FILE``'s extension.

    A ``--format`` that contradicts a known extension (``--format latex -o notes.md``) is a
    :class:`UsageError`; without either, and for other extensions, Markdown.
    """
    implied = FORMAT_OF_EXTENSION.get(Path(out).suffix.lower()) if out is not None else None
    if given is not None and implied is not None and given != implied:
        raise UsageError(
            f"symnn derive: --format {given} contradicts -o {out}, a {implied} file name; "
            f"drop --format, or give FILE the extension of {given}"
        )
    return given or implied or "markdown"


def run(args: argparse.Namespace) -> int:

    fmt = output_format(args.format, args.out)
    if args.flavor is not None and fmt != "markdown":
        raise UsageError(f"symnn derive: --flavor {args.flavor} is for Markdown output, not {fmt}; drop --flavor")
    if args.expanded and fmt != "json":
        raise UsageError(f"symnn derive: --expanded is an option of --format json, not of {fmt}")
    net = network_from_args(args, check_size=False)
    # the element view (and JSON, which lists every gradient) writes a formula per weight; the index view any width
    if isinstance(net, MLP) and (fmt == "json" or resolve_view(net, args.view) == "element"):
        check_weights(args, fmt)
    if fmt == "json" and args.view == "index":
        raise UsageError("symnn derive: --view index is for markdown, latex and html; json lists every gradient")
    # checked before the derivation runs, which can take a while
    if args.out is not None and Path(args.out).is_dir():
        raise IsADirectoryError(f"cannot write {args.out}: it is a directory; -o takes a file name")
    if isinstance(net, Network):
        net = as_mlp(net) or net  # a spec that is an MLP derives and renders exactly as --layers does
    if args.out is not None and Path(args.out).exists() and not args.force:
        raise FileExistsError(f"{args.out} exists; pass --force to overwrite it")
    options = {"expanded": args.expanded} if fmt == "json" else {"view": args.view, "layout": args.layout}
    if fmt != "json":
        options["shapes"] = not args.no_shapes
    if fmt == "markdown":
        options["flavor"] = args.flavor or "katex"
    if args.out is None:
        text = derive_document(net, fmt=fmt, lang=args.lang, **options)
    else:
        write_derivation(net, args.out, fmt=fmt, lang=args.lang, force=args.force, **options)
    if args.out is None:
        sys.stdout.write(text)
    return 0
