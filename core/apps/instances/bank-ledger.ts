// Supervisor entry point: runs the bank-ledger topology as one instance (see core/supervisor/app.ts).
import type { InstanceContext } from '../../supervisor/app.js';
import { runStreamsInstance } from '../../supervisor/streams-instance.js';
import { bankLedgerTopology } from '../bank-ledger.js';
import { topicOption } from './app-options.js';

export function run(ctx: InstanceContext): Promise<void> {
  return runStreamsInstance(ctx, (config) =>
    bankLedgerTopology({ applicationId: config.applicationId, input: topicOption(config, 'input'), output: topicOption(config, 'output') }),
  );
}
