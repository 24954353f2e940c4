import { beforeEach, describe, expect, it } from 'vitest';
import type { SessionEvent } from '../api/contract';
import { ev, resetSeq, telemetry } from '../testing/fixtures';
import { describeEvent, severityOf } from './describe';
import { applyEvents, filterEvents, FOLD_WINDOW_MS, foldRoutineWarnings, initialEvents, ROUTINE_WARNINGS, routineWarningOf } from './events';

beforeEach(() => resetSeq());

const T0 = 2_000_000;

function log(id: string, message: string, ts: number, level: 'warn' | 'error' = 'warn') {
  return telemetry(id, { type: 'log', level, message }, ts);
}

function rebalance(id: string, ts: number, durationMs = 1200, generation = 3) {
  return telemetry(
    id,
    { type: 'rebalance', generation, memberId: `${id}-m`, leaderId: `${id}-m`, isLeader: true, assigned: ['0_0'], revoked: [], kept: [], durationMs, round: 'assign', reason: 'joining the group' },
    ts,
  );
}

/** The routine warnings a rebalance brings, as the runtime and kafkajs word them. */
function routineBurst(id: string, from: number): SessionEvent[] {
  return [
    log(id, 'commit deferred: OffsetCommit: REBALANCE_IN_PROGRESS (group wc is rebalancing)', from),
    log(id, 'kafkajs.admin: Response Heartbeat(key: 12, version: 3): The group is rebalancing, so a rejoin is needed', from + 100),
    log(id, 'rebalance (joining the group) failed: JoinGroup: REBALANCE_IN_PROGRESS; retrying', from + 200),
    log(id, 'Heartbeat: REBALANCE_IN_PROGRESS', from + 300),
    log(id, 'group is rebalancing again', from + 400),
  ];
}

const rowSeqs = (rows: ReturnType<typeof foldRoutineWarnings>) => rows.map((r) => [r.event.seq, r.folded.map((f) => f.seq)]);

describe('routine warnings', () => {
  it('knows each routine message and nothing else', () => {
    for (const e of routineBurst('i1', T0)) expect(routineWarningOf(e)).not.toBeNull();
    expect(routineWarningOf(log('i1', 'task migrated (generation): Heartbeat: ILLEGAL_GENERATION; closing 2 task(s) and rejoining', T0))).toBeNull();
    expect(routineWarningOf(log('i1', 'rebalance (joining the group) failed: JoinGroup: GROUP_AUTHORIZATION_FAILED', T0, 'error'))).toBeNull();
    // An error-level log is never routine, whatever it says.
    expect(routineWarningOf(log('i1', 'commit deferred: OffsetCommit: REBALANCE_IN_PROGRESS', T0, 'error'))).toBeNull();
    expect(routineWarningOf(ev('error', { source: 'monitor', message: 'group is rebalancing' }))).toBeNull();
    for (const r of ROUTINE_WARNINGS) expect(r.why.length).toBeGreaterThan(10);
  });
});

describe('foldRoutineWarnings', () => {
  it('folds the 5 routine warnings of a rebalance into one row', () => {
    const burst = routineBurst('i1', T0);
    const r = rebalance('i1', T0 + 1500);
    const rows = foldRoutineWarnings([...burst, r]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.event).toBe(r);
    expect(rows[0]!.folded).toEqual(burst);
  });

  it('keeps a warning that is not routine as its own row, in the same window', () => {
    const burst = routineBurst('i1', T0);
    const odd = log('i1', 'task 0_1: state wiped on open (corrupt); restoring it from the changelog', T0 + 250);
    const r = rebalance('i1', T0 + 1500);
    const rows = foldRoutineWarnings([...burst.slice(0, 3), odd, ...burst.slice(3), r]);
    expect(rowSeqs(rows)).toEqual([
      [odd.seq, []],
      [r.seq, burst.map((e) => e.seq)],
    ]);
  });

  it("does not fold another instance's warnings into this instance's rebalance", () => {
    const mine = routineBurst('i1', T0);
    const theirs = routineBurst('i2', T0);
    const r = rebalance('i1', T0 + 1500);
    const rows = foldRoutineWarnings([...mine, ...theirs, r]);
    expect(rows.map((row) => row.event)).toEqual([...theirs, r]);
    expect(rows.at(-1)!.folded).toEqual(mine);
  });

  it('folds each warning into the rebalance it belongs to, stragglers into the one just before', () => {
    const first = routineBurst('i1', T0);
    const r1 = rebalance('i1', T0 + 1000, 800, 3);
    const straggler = log('i1', 'commit deferred: OffsetCommit: REBALANCE_IN_PROGRESS', T0 + 1000 + FOLD_WINDOW_MS - 1);
    const late = log('i1', 'Heartbeat: REBALANCE_IN_PROGRESS', T0 + 60_000);
    const second = routineBurst('i1', T0 + 120_000);
    const r2 = rebalance('i1', T0 + 121_000, 800, 4);
    const rows = foldRoutineWarnings([...first, r1, straggler, late, ...second, r2]);
    expect(rowSeqs(rows)).toEqual([
      [r1.seq, [...first, straggler].map((e) => e.seq)],
      // A minute away from either rebalance: not theirs, so shown.
      [late.seq, []],
      [r2.seq, second.map((e) => e.seq)],
    ]);
  });

  it('counts a long join from when it started', () => {
    const early = log('i1', 'group is rebalancing again', T0 - FOLD_WINDOW_MS - 5_000 - 1);
    const w = log('i1', 'group is rebalancing again', T0);
    // The JoinGroup was held 45 s: it began 5 s after the warning, 50 s before the rebalance event.
    const r = rebalance('i1', T0 + 5_000 + 45_000, 45_000);
    expect(rowSeqs(foldRoutineWarnings([w, r]))).toEqual([[r.seq, [w.seq]]]);
    expect(rowSeqs(foldRoutineWarnings([early, w, r]))).toEqual([
      [early.seq, []],
      [r.seq, [w.seq]],
    ]);
  });

  it('leaves routine warnings shown while no rebalance has completed', () => {
    const burst = routineBurst('i1', T0);
    expect(foldRoutineWarnings(burst).map((r) => r.event)).toEqual(burst);
  });

  it('works on the newest-first list the view filters, keeping its order', () => {
    const s = initialEvents();
    const burst = routineBurst('i1', T0);
    const r = rebalance('i1', T0 + 1500);
    const other = ev('error', { source: 'monitor', message: 'Timeout', ts: T0 + 2000 });
    for (const e of [...burst, r, other]) applyEvents(s, e);
    const shown = filterEvents(s.notable, { categories: [], text: '', severity: 'all' }, describeEvent, severityOf);
    expect(rowSeqs(foldRoutineWarnings(shown))).toEqual([
      [other.seq, []],
      [r.seq, burst.map((e) => e.seq)],
    ]);
    // Asking for warnings hides the rebalance row, so its warnings are listed, not lost.
    const warnings = filterEvents(s.notable, { categories: [], text: '', severity: 'warn' }, describeEvent, severityOf);
    expect(foldRoutineWarnings(warnings).map((row) => row.event)).toEqual([other, ...[...burst].reverse()]);
  });

  it('is a view concern: the log keeps every event, and every event is in exactly one row', () => {
    const s = initialEvents();
    const all = [...routineBurst('i1', T0), log('i1', 'task 0_1: unreadable checkpoint (bad); restoring from the changelog', T0 + 50), ...routineBurst('i2', T0), rebalance('i1', T0 + 1500), rebalance('i2', T0 + 1600)];
    for (const e of all) applyEvents(s, e);
    const before = [...s.items];
    const rows = foldRoutineWarnings(s.items);
    expect(rows).toHaveLength(3);
    expect(rows.flatMap((r) => [r.event, ...r.folded]).sort((a, b) => a.seq - b.seq)).toEqual(all);
    // Folding changes nothing the store keeps (the items the session's export is made of are the session's own history, untouched by the view).
    expect(s.items).toEqual(before);
    expect(s.items).toHaveLength(all.length);
    expect(s.notable).toHaveLength(all.length);
    expect(s.counts['instance.telemetry:log']).toBe(11);
  });
});
