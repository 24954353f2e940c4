// Builders for session events in tests (not part of the bundle: only tests import this).
import type { GroupSnapshot, InstanceInfo, SessionEvent } from '../api/contract';

let seq = 0;
export function resetSeq(): void {
  seq = 0;
}

type Input<T extends SessionEvent['type']> = Omit<Extract<SessionEvent, { type: T }>, 'seq' | 'ts' | 'type'> & { seq?: number; ts?: number };

export function ev<T extends SessionEvent['type']>(type: T, body: Input<T>): Extract<SessionEvent, { type: T }> {
  const { seq: s, ts, ...rest } = body as Input<T>;
  const n = s ?? ++seq;
  return { ...rest, type, seq: n, ts: ts ?? 1_000_000 + n * 100 } as unknown as Extract<SessionEvent, { type: T }>;
}

export function info(id: string, over: Partial<InstanceInfo> = {}): InstanceInfo {
  return {
    id,
    app: 'word-count',
    applicationId: 'word-count',
    guarantee: 'exactly_once_v2',
    state: 'running',
    startedAt: 1000,
    exitCode: null,
    lastError: null,
    streamsState: 'RUNNING',
    tasks: [],
    ...over,
  };
}

export function telemetry(id: string, event: Record<string, unknown>, ts?: number): Extract<SessionEvent, { type: 'instance.telemetry' }> {
  return ev('instance.telemetry', { id, event: { at: ts ?? 0, ...event }, ...(ts !== undefined ? { ts } : {}) });
}

export function group(groupId: string, over: Partial<GroupSnapshot> = {}): GroupSnapshot {
  return {
    groupId,
    state: 'Stable',
    protocolType: 'consumer',
    protocol: 'streams',
    generation: 1,
    members: [],
    partitions: [],
    totalLag: 0,
    totalTimeLagMs: null,
    status: 'OK',
    ...over,
  };
}

export function metrics(inPerSec: number, outPerSec: number, tasks: { taskId: string; phase?: string; processed?: number }[] = []) {
  return {
    type: 'metrics',
    recordsInPerSec: inPerSec,
    recordsOutPerSec: outPerSec,
    processLatencyMs: 0.5,
    commitLatencyMs: 12,
    commitLatencyMaxMs: 20,
    tasks: tasks.map((t) => ({ taskId: t.taskId, phase: t.phase ?? 'running', processed: t.processed ?? 0, positions: [] })),
  };
}
