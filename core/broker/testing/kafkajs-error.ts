// For tests: the Kafka error type kafkajs reports for a failed call, unwrapping its aggregate and
// retry wrappers (and a failed test if the call succeeds).
export async function kafkajsErrorType(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e: any) {
    let inner = e;
    while (inner.cause || inner.errors?.[0] || inner.partitions?.[0]?.error) {
      inner = inner.cause ?? inner.errors?.[0] ?? inner.partitions[0].error;
    }
    return inner.type ?? inner.name;
  }
  throw new Error('expected the call to fail');
}
