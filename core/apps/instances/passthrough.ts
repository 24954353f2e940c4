// Supervisor entry point: runs the passthrough topology as one instance (see core/supervisor/app.ts).
import type { InstanceContext } from '../../supervisor/app.js';
import { runStreamsInstance } from '../../supervisor/streams-instance.js';
import { passthroughTopology } from '../passthrough.js';
import { topicOption } from './app-options.js';

export function run(ctx: InstanceContext): Promise<void> {
  return runStreamsInstance(ctx, (config) =>
    passthroughTopology({ applicationId: config.applicationId, input: topicOption(config, 'input'), output: topicOption(config, 'output') }),
  );
}
