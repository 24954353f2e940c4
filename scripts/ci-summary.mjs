// Prints CI's closing line, "N passed, M failed", over vitest's results (one run or more: the
// machine's Node, and Node 24 for what Electron runs), Playwright's (the e2e journeys) and the
// conformance run. Skipped tests are listed on their own, with the reason when there is one, and
// counted neither as passed nor as failed. A runner whose results are missing counts as one failure.
//
//   node scripts/ci-summary.mjs [--vitest LABEL=JSON]... VITEST_JSON PLAYWRIGHT_JSON CONFORMANCE_TXT STATUS
//
// VITEST_JSON is the run labelled "vitest"; each --vitest adds another vitest JSON report under
// its own label (e.g. --vitest "vitest (node 24)=.ci-results/vitest-node24.json").
import { existsSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
/** [label, path] of every vitest run, in the order given. */
const vitestRuns = [];
while (args[0] === '--vitest') {
  const spec = args[1] ?? '';
  const eq = spec.indexOf('=');
  if (eq <= 0 || eq === spec.length - 1) {
    console.error(`ci-summary: --vitest wants LABEL=JSON, got ${JSON.stringify(spec)}`);
    process.exit(2);
  }
  vitestRuns.push([spec.slice(0, eq), spec.slice(eq + 1)]);
  args.splice(0, 2);
}
const [vitestJson, playwrightJson, conformanceTxt, status] = args;
vitestRuns.unshift(['vitest', vitestJson]);
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
for (const [label, path] of vitestRuns) {
  const vitest = readJson(path);
  if (vitest) {
    passed += vitest.numPassedTests;
    failed += vitest.numFailedTests;
    let vitestSkipped = 0;
    let broken = 0; // a test file that failed with no failed test in it: it did not load, or a hook threw
    for (const file of vitest.testResults ?? []) {
      if (file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed')) broken++;
      for (const t of file.assertionResults ?? []) {
        if (t.status === 'pending' || t.status === 'skipped' || t.status === 'todo') {
          vitestSkipped++;
          skipped.push(`${label}: ${t.fullName ?? t.title}${t.status === 'todo' ? ' (todo)' : ''}`);
        }
      }
    }
    failed += broken;
    vitestSkipped = Math.max(vitestSkipped, (vitest.numPendingTests ?? 0) + (vitest.numTodoTests ?? 0));
    console.log(
      `${label}: ${vitest.numPassedTests} passed, ${vitest.numFailedTests} failed, ${vitestSkipped} skipped` +
        `${broken ? `, ${broken} file${broken === 1 ? '' : 's'} failed outside tests (counted as failed)` : ''}`,
    );
  } else {
    failed += 1;
    console.log(`${label}: no results file (the run did not finish)`);
  }
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
