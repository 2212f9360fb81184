// Typeset formulas with KaTeX while the book is built (nnbook.site.katex runs this with node).
// argv[2]: the KaTeX package folder (.tools/katex/node_modules/katex). Reads a JSON list of
// {"tex": "...", "display": true|false} on stdin; writes a JSON list of
// {"html": "...", "warnings": [...]} or {"error": "..."} in the same order on stdout.
"use strict";
const katex = require(process.argv[2]);

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const results = JSON.parse(input).map(({ tex, display }) => {
    const warnings = [];
    try {
      const html = katex.renderToString(tex, {
        displayMode: Boolean(display),
        output: "htmlAndMathml", // MathML for screen readers, HTML for the eye
        throwOnError: true,
        trust: false,
        // Anything KaTeX would only warn about on the console becomes a build warning.
        strict: (code, message) => { warnings.push(`${code}: ${message}`); return "ignore"; },
      });
      return { html, warnings };
    } catch (err) {
      return { error: String(err && err.message ? err.message : err) };
    }
  });
  process.stdout.write(JSON.stringify(results));
});
