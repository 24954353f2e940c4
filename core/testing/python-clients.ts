// Third-party Python clients (kafka-python, confluent-kafka-python) that tests use as witnesses.
// CI installs them; a developer's machine may have /usr/bin/python3 without them, so a test that
// needs one runs only where the module actually imports (the interpreter alone is not enough).
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

export const PYTHON = '/usr/bin/python3';

const importable = new Map<string, boolean>();

/** Whether `PYTHON -c "import <module>"` succeeds; checked once per module per test file. */
export function pythonCanImport(module: 'kafka' | 'confluent_kafka'): boolean {
  let ok = importable.get(module);
  if (ok === undefined) {
    ok = spawnSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 20_000 }).status === 0;
    importable.set(module, ok);
  }
  return ok;
}

/** A group as kafka-python's admin describes it; assignment: topic → sorted partitions. */
export interface PythonDescribedGroup {
  state: string;
  protocol: string;
  protocol_type: string;
  members: { member_id: string; client_id: string; assignment: Record<string, number[]> }[];
}

const DESCRIBE_GROUP = `
import json, sys
from kafka import KafkaAdminClient
admin = KafkaAdminClient(bootstrap_servers=sys.argv[1], client_id='describe')
g = admin.describe_consumer_groups([sys.argv[2]])[0]
print(json.dumps({'state': g.state, 'protocol': g.protocol, 'protocol_type': g.protocol_type, 'members': [
  {'member_id': m.member_id, 'client_id': m.client_id,
   'assignment': {t: sorted(ps) for t, ps in m.member_assignment.assignment} if m.member_assignment else {}} for m in g.members]}))
admin.close()
`;

/** kafka-python's DescribeGroups (it finds the coordinator itself); needs pythonCanImport('kafka'). */
export async function describeGroupWithKafkaPython(bootstrap: string, groupId: string): Promise<PythonDescribedGroup> {
  const { stdout } = await promisify(execFile)(PYTHON, ['-c', DESCRIBE_GROUP, bootstrap, groupId], { timeout: 30_000 });
  return JSON.parse(stdout) as PythonDescribedGroup;
}
