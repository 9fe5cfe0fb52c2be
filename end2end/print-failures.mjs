// Prints the failed Playwright tests, one block each, from the JSON report. `make test` runs it
// after a failed end-to-end run, so the failures are the last lines of the CI log rather than
// buried above cargo-leptos's own error report.
import { readFileSync } from "node:fs";

const reportPath = new URL("./results.json", import.meta.url);
const MAX_LINES = 12;

let report;
try {
  report = JSON.parse(readFileSync(reportPath, "utf8"));
} catch (error) {
  console.log(`No Playwright report to summarise (${error.message}).`);
  process.exit(0);
}

const failures = [];
const visit = (suite, titles) => {
  const path = suite.title ? [...titles, suite.title] : titles;
  for (const spec of suite.specs ?? []) {
    for (const test of spec.tests ?? []) {
      if (test.status === "expected" || test.status === "skipped") continue;
      const errors = (test.results ?? []).flatMap((result) => result.errors ?? []);
      failures.push({ title: [...path, spec.title].join(" › "), where: `${spec.file}:${spec.line}`, errors });
    }
  }
  for (const child of suite.suites ?? []) visit(child, path);
};
for (const suite of report.suites ?? []) visit(suite, []);

// Colour codes make grep and the CI tail harder to read.
const plain = (text) => text.replace(/\u001b\[[0-9;]*m/g, "");
for (const error of report.errors ?? []) {
  console.log(`Playwright error outside any test: ${plain(error.message ?? "").split("\n")[0]}`);
}
console.log(`\n${failures.length} Playwright test(s) failed:`);
for (const { title, where, errors } of failures) {
  console.log(`\n✘ ${title}  (${where})`);
  for (const error of errors) {
    for (const line of plain(error.message ?? "").split("\n").slice(0, MAX_LINES)) {
      console.log(`    ${line}`);
    }
  }
}
