import { beforeEach, describe, expect, it } from 'vitest';
import { ev, resetSeq, telemetry } from '../testing/fixtures';
import { applyCluster, clusterSummary, initialCluster } from './cluster';
import { ColorBook, PALETTE } from './colors';
import { categoryOf, describeEvent, severityOf } from './describe';
import { applyEvents, filterEvents, initialEvents, recordInvalid } from './events';
import { fmtAgo, fmtInt, fmtMs, fmtRate } from './format';
import { applyLedger, initialLedger, verdict } from './ledger';
import { applyLoad, initialLoad, loadRunning } from './load';
import { hashFor, viewFromHash } from './nav';
import { emptyForm, formFromProfile, parseBootstrap, profileFromForm } from './profile-form';
import { activeProgress, applyProgress, initialProgress, progressMatching } from './progress';
import { toneOf } from './tones';

beforeEach(() => resetSeq());

describe('cluster', () => {
  it('summarises connection state', () => {
    const s = initialCluster();
    expect(clusterSummary(s).tone).toBe('idle');
    applyCluster(s, ev('embedded.status', { state: 'running', bootstrap: '127.0.0.1:9092', message: '' }));
    expect(clusterSummary(s)).toEqual({ tone: 'ok', text: 'Embedded cluster running on 127.0.0.1:9092' });
    applyCluster(
      s,
      ev('cluster.status', { connected: false, embedded: false, bootstrap: 'k:9092', brokers: [], clusterId: null, error: 'Connection refused', retryInMs: 5000 }),
    );
    expect(clusterSummary(s)).toEqual({ tone: 'bad', text: 'Cluster unreachable: Connection refused' });
    applyCluster(
      s,
      ev('cluster.status', { connected: true, embedded: true, bootstrap: '127.0.0.1:9092', brokers: [{ nodeId: 0, host: '127.0.0.1', port: 9092 }], clusterId: 'c', error: null, retryInMs: null }),
    );
    expect(clusterSummary(s)).toEqual({ tone: 'ok', text: 'Connected to embedded cluster · 1 broker' });
    applyCluster(s, ev('embedded.status', { state: 'running', bootstrap: '127.0.0.1:9092', message: 'ready' }));
    expect(s.embedded!.state).toBe('running');
  });
});

describe('progress', () => {
  it('tracks active tasks and their start', () => {
    const s = initialProgress();
    applyProgress(s, ev('progress', { task: 'embedded.start', message: 'opening log', fraction: 0.2, done: false, ts: 10 }));
    applyProgress(s, ev('progress', { task: 'embedded.start', message: 'listening', fraction: 0.9, done: false, ts: 20 }));
    expect(activeProgress(s)).toMatchObject([{ message: 'listening', startedTs: 10 }]);
    applyProgress(s, ev('progress', { task: 'embedded.start', message: 'ready', fraction: 1, done: true, ts: 30 }));
    expect(activeProgress(s)).toEqual([]);
    expect(progressMatching(s, 'embedded')!.message).toBe('ready');
  });
});

describe('ledger and load', () => {
  it('judges exactly-once from the verifier', () => {
    const s = initialLedger();
    expect(verdict(null)).toBe('pending');
    const snap = (missing: number, duplicated: number, moneyConserved: boolean | null) =>
      ev('verifier.snapshot', { app: 'bank-ledger', inputs: 10, outputs: 10, missing, duplicated, outOfOrder: 0, pending: 0, moneyConserved });
    applyLedger(s, snap(0, 0, true));
    expect(verdict(s.byApp['bank-ledger'])).toBe('holding');
    applyLedger(s, snap(0, 2, true));
    expect(verdict(s.byApp['bank-ledger'])).toBe('violated');
    applyLedger(s, snap(0, 0, false));
    expect(verdict(s.byApp['bank-ledger'])).toBe('violated');
    expect(s.latest).toBe('bank-ledger');
  });

  it('knows when the load generator runs', () => {
    const s = initialLoad();
    expect(loadRunning(s)).toBe(false);
    applyLoad(s, ev('load.stats', { state: 'paused', sent: 1, acked: 1, failed: 0, ratePerSecond: 0, targetRatePerSecond: 10, lastError: null }));
    expect(loadRunning(s)).toBe(true);
    expect(s.rateSeries).toHaveLength(1);
  });
});

describe('event log', () => {
  it('keeps, counts and filters events; invalid ones are counted apart', () => {
    const s = initialEvents();
    applyEvents(s, ev('error', { source: 'monitor', message: 'Timeout' }));
    applyEvents(s, telemetry('i1', { type: 'txn', tasks: ['0_0'], transactionalId: 't', phase: 'fenced', producerId: 1, producerEpoch: 2 }));
    applyEvents(s, telemetry('i1', { type: 'txn', phase: 5 }));
    applyEvents(s, telemetry('i1', { type: 'brand-new-kind' }));
    recordInvalid(s, { type: 'nope' }, 'nope: bad', 1);
    expect(s.counts).toEqual({ error: 1, 'instance.telemetry:txn': 2, 'instance.telemetry:brand-new-kind': 1 });
    expect(s.invalidCount).toBe(1);
    expect(s.invalidTelemetryCount).toBe(1);
    expect(s.invalid).toHaveLength(2);
    const errorsOnly = filterEvents(s.items, { categories: [], text: '', severity: 'error' }, describeEvent, severityOf);
    expect(errorsOnly.map((e) => e.type)).toEqual(['error']);
    const txns = filterEvents(s.items, { categories: ['instance.telemetry:txn'], text: 'fenced', severity: 'all' }, describeEvent, severityOf);
    expect(txns).toHaveLength(1);
    expect(describeEvent(txns[0]!)).toBe('i1 t fenced (epoch 2)');
    expect(categoryOf(s.items[3]!)).toBe('instance.telemetry:brand-new-kind');
    expect(describeEvent(s.items[3]!)).toBe('i1 brand-new-kind');
  });

  it('describes every kind of event in one line', () => {
    expect(
      describeEvent(
        ev('group.rebalance', { groupId: 'wc', generation: 4, phase: 'completed', cause: 'x', durationMs: 1500, membersBefore: [], membersAfter: ['a', 'b'], moved: [] }),
      ),
    ).toBe('Group wc generation 4 complete in 1.50 s: 2 members, 0 partitions moved');
    expect(describeEvent(ev('instance.state', { instance: { id: 'i', app: 'word-count', applicationId: 'wc', guarantee: 'exactly_once_v2', state: 'killed', startedAt: 0, exitCode: 1, lastError: null, streamsState: null, tasks: [] }, from: 'running', reason: 'kill' }))).toBe(
      'i running → killed (kill)',
    );
  });
});

describe('profile form', () => {
  it('turns the form into a profile, with errors in field words', () => {
    expect(parseBootstrap('a:1, b:2  c:3').servers).toEqual(['a:1', 'b:2', 'c:3']);
    expect(parseBootstrap('').error).toMatch(/at least one/);
    expect(parseBootstrap('localhost').error).toMatch(/'localhost' is not host:port/);
    expect(parseBootstrap('h:70000').error).toMatch(/out of range/);
    const form = { ...emptyForm(), bootstrap: 'k1:9092,k2:9092', sasl: 'scram-sha-512' as const, username: '', password: 'p' };
    expect(profileFromForm(form).error).toMatch(/needs a username/);
    const ok = profileFromForm({ ...form, username: 'alice', ssl: true });
    expect(ok.profile).toEqual({ name: 'k1:9092,k2:9092', bootstrapServers: ['k1:9092', 'k2:9092'], ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'p' } });
    expect(formFromProfile(ok.profile!)).toMatchObject({ bootstrap: 'k1:9092, k2:9092', sasl: 'scram-sha-512', username: 'alice' });
  });
});

describe('small helpers', () => {
  it('formats', () => {
    expect(fmtInt(1234567)).toBe('1,234,567');
    expect(fmtInt(null)).toBe('—');
    expect(fmtRate(0)).toBe('0/s');
    expect(fmtRate(12.34)).toBe('12.3/s');
    expect(fmtRate(1500)).toBe('1,500/s');
    expect(fmtMs(850)).toBe('850 ms');
    expect(fmtMs(0)).toBe('0 ms');
    expect(fmtMs(2345)).toBe('2.35 s');
    expect(fmtMs(65_000)).toBe('1 m 5 s');
    expect(fmtAgo(1000, 1500)).toBe('just now');
    expect(fmtAgo(1000, 4000)).toBe('3.00 s ago'.replace('3.00 s', '3 s'));
  });

  it('navigates by hash', () => {
    expect(viewFromHash('#/lag')).toBe('lag');
    expect(viewFromHash('#/group/wc')).toBe('group');
    expect(viewFromHash('#/nope')).toBeNull();
    expect(viewFromHash('')).toBeNull();
    expect(hashFor('events')).toBe('#/events');
  });

  it('colours owners stably, distinct until the palette runs out', () => {
    const book = new ColorBook();
    const a = book.colorFor('a');
    const colours = ['b', 'c', 'd'].map((k) => book.colorFor(k));
    expect(new Set([a, ...colours]).size).toBe(4);
    expect(book.colorFor('a')).toBe(a);
    expect(PALETTE).toContain(a);
  });

  it('tones states', () => {
    expect(toneOf('RUNNING')).toBe('ok');
    expect(toneOf('fenced')).toBe('bad');
    expect(toneOf('STALL')).toBe('bad');
    expect(toneOf('something')).toBe('info');
    expect(toneOf(null)).toBe('idle');
  });
});
