// Prints CI's closing line, "N passed, M failed", over vitest's results, Playwright's (the e2e
// journeys) and the conformance run. Skipped tests are listed on their own, with the reason when
// there is one, and counted neither as passed nor as failed. A runner whose results are missing
// counts as one failure.
//
//   node scripts/ci-summary.mjs VITEST_JSON PLAYWRIGHT_JSON CONFORMANCE_TXT STATUS
import { existsSync, readFileSync } from 'node:fs';

const [vitestJson, playwrightJson, conformanceTxt, status] = process.argv.slice(2);
let passed = 0;
let failed = 0;
/** "runner: title — reason" for every skipped test. */
const skipped = [];

function readJson(path) {
  if (!path || !existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- vitest
const vitest = readJson(vitestJson);
if (vitest) {
  passed += vitest.numPassedTests;
  failed += vitest.numFailedTests;
  let vitestSkipped = 0;
  for (const file of vitest.testResults ?? []) {
    for (const t of file.assertionResults ?? []) {
      if (t.status === 'pending' || t.status === 'skipped' || t.status === 'todo') {
        vitestSkipped++;
        skipped.push(`vitest: ${t.fullName ?? t.title}${t.status === 'todo' ? ' (todo)' : ''}`);
      }
    }
  }
  vitestSkipped = Math.max(vitestSkipped, (vitest.numPendingTests ?? 0) + (vitest.numTodoTests ?? 0));
  console.log(`vitest: ${vitest.numPassedTests} passed, ${vitest.numFailedTests} failed, ${vitestSkipped} skipped`);
} else {
  failed += 1;
  console.log('vitest: no results file (the run did not finish)');
}

// ---------------------------------------------------------------- playwright
const playwright = readJson(playwrightJson);
if (playwright?.stats) {
  const s = playwright.stats;
  const broken = (playwright.errors ?? []).length; // e.g. global setup failed, a file did not load
  // Retries are off (playwright.config.ts); a test that needed one still failed once.
  passed += s.expected;
  failed += s.unexpected + s.flaky + broken;
  const walk = (suite, path) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status !== 'skipped') continue;
        const reason = (t.annotations ?? []).find((a) => a.type === 'skip' || a.type === 'fixme')?.description;
        const title = [...path, spec.title].filter((x) => x).join(' › ');
        skipped.push(`playwright [${t.projectName}]: ${title}${reason && !title.includes(reason) ? ` — ${reason}` : ''}`);
      }
    }
    for (const child of suite.suites ?? []) walk(child, [...path, child.title]);
  };
  for (const suite of playwright.suites ?? []) walk(suite, [suite.title]);
  console.log(
    `playwright: ${s.expected} passed, ${s.unexpected} failed, ${s.skipped} skipped${s.flaky ? `, ${s.flaky} flaky (counted as failed)` : ''}` +
      `${broken ? `, ${broken} error${broken === 1 ? '' : 's'} outside tests (counted as failed)` : ''}, ${(s.duration / 1000).toFixed(1)} s`,
  );
} else {
  failed += 1;
  console.log('playwright: no results file (the run did not finish)');
}

// ---------------------------------------------------------------- conformance
const m = existsSync(conformanceTxt) && /^(\d+) passed, (\d+) failed$/m.exec(readFileSync(conformanceTxt, 'utf8'));
if (m) {
  passed += Number(m[1]);
  failed += Number(m[2]);
  console.log(`conformance: ${m[1]} passed, ${m[2]} failed`);
} else {
  failed += 1;
  console.log('conformance: no summary (the suite did not run)');
}

if (skipped.length > 0) {
  console.log(`skipped (not counted as passed or failed): ${skipped.length}`);
  for (const line of skipped) console.log(`  - ${line}`);
}
if (failed === 0 && status !== '0') failed = 1; // typecheck or another step failed
console.log(`${passed} passed, ${failed} failed`);
