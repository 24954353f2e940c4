// Reads the app-specific part of an instance config (topic names), which arrives as untyped data.
import type { StreamsInstanceConfig } from '../../supervisor/streams-instance.js';

export function topicOption(config: StreamsInstanceConfig, name: 'input' | 'output'): string | undefined {
  const value = config.app[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw new Error(`instance config app.${name} must be a topic name, got ${JSON.stringify(value)}`);
  return value;
}
