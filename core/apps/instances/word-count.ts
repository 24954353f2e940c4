// Supervisor entry point: runs the word-count topology as one instance (see core/supervisor/app.ts).
import type { InstanceContext } from '../../supervisor/app.js';
import { runStreamsInstance } from '../../supervisor/streams-instance.js';
import { wordCountTopology } from '../word-count.js';
import { topicOption } from './app-options.js';

export function run(ctx: InstanceContext): Promise<void> {
  return runStreamsInstance(ctx, (config) =>
    wordCountTopology({ applicationId: config.applicationId, input: topicOption(config, 'input'), output: topicOption(config, 'output') }),
  );
}
