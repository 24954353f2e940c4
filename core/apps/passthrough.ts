// passthrough: copies records from input to output, key and value bytes unchanged. The smallest
// app there is, for watching the runtime itself (rebalances, lag, the per-record delay that the
// runtime applies to slow an instance down).
import { Serdes, StreamsBuilder } from '../streams/index.js';
import type { Topology } from '../streams/index.js';

export interface PassthroughOptions {
  applicationId: string;
  input?: string;
  output?: string;
}

export function passthroughTopology({ applicationId, input = 'input', output = 'output' }: PassthroughOptions): Topology {
  const b = new StreamsBuilder();
  b.stream(input, { key: Serdes.Bytes(), value: Serdes.Bytes() }).to(output);
  return b.build({ applicationId });
}
