// Reads vitest's JSON report and fails when any test was skipped or left as a todo: CI has every
// dependency the suite needs (Chromium included), so a skip there means a test silently did not run.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results/vitest.json';
const report = JSON.parse(readFileSync(file, 'utf8'));
const skipped = [];
for (const suite of report.testResults ?? []) {
  for (const test of suite.assertionResults ?? []) {
    if (test.status !== 'passed' && test.status !== 'failed')
      skipped.push(`${suite.name}: ${test.fullName} (${test.status})`);
  }
}
const total = report.numTotalTests ?? 0;
if (skipped.length > 0 || (report.numPendingTests ?? 0) > 0 || (report.numTodoTests ?? 0) > 0) {
  console.error(`${skipped.length} of ${total} tests did not run:\n${skipped.join('\n')}`);
  process.exit(1);
}
console.log(`All ${total} tests ran (none skipped).`);
