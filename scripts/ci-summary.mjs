// Prints CI's closing line: "N passed, M failed" over vitest's results and the conformance run.
import { existsSync, readFileSync } from 'node:fs';

const [vitestJson, conformanceTxt, status] = process.argv.slice(2);
let passed = 0;
let failed = 0;
if (existsSync(vitestJson)) {
  const r = JSON.parse(readFileSync(vitestJson, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
} else {
  failed += 1;
  console.log('vitest: no results file (the run did not finish)');
}
const m = existsSync(conformanceTxt) && /^(\d+) passed, (\d+) failed$/m.exec(readFileSync(conformanceTxt, 'utf8'));
if (m) {
  passed += Number(m[1]);
  failed += Number(m[2]);
  console.log(`conformance: ${m[1]} passed, ${m[2]} failed`);
} else {
  failed += 1;
  console.log('conformance: no summary (the suite did not run)');
}
if (failed === 0 && status !== '0') failed = 1; // typecheck or another step failed
console.log(`${passed} passed, ${failed} failed`);
