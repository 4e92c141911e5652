// Render formulas with KaTeX, throwOnError: true, and report the ones that fail.
// stdin: JSON array of {"tex": "...", "display": true|false}; stdout: JSON array of
// {"index": i, "tex": "...", "error": "..."} for each failure (empty when all render).
"use strict";
const katex = require("katex");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const formulas = JSON.parse(input);
  const failures = [];
  formulas.forEach((f, index) => {
    try {
      katex.renderToString(f.tex, { displayMode: Boolean(f.display), throwOnError: true, strict: "error" });
    } catch (e) {
      failures.push({ index, tex: f.tex, error: String(e.message || e) });
    }
  });
  process.stdout.write(JSON.stringify(failures));
});
