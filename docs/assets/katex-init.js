// Typesets the maths that pymdownx.arithmatex marked (generic mode: \( \) inline in a span, \[ \] display in a
// div) with the KaTeX this site serves itself. A formula KaTeX cannot read shows as .katex-error (throwOnError false).
function typesetMaths() {
  for (const el of document.querySelectorAll(".arithmatex")) {
    if (el.dataset.typeset) continue;
    const tex = el.textContent.trim();
    const display = tex.startsWith("\\[");
    katex.render(tex.slice(2, -2), el, {displayMode: display, throwOnError: false});
    el.dataset.typeset = "1";
  }
}
// Material announces every page it shows (also with instant navigation) on document$
if (typeof document$ !== "undefined") document$.subscribe(typesetMaths);
else document.addEventListener("DOMContentLoaded", typesetMaths);
