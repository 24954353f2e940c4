// IncrementalAlterConfigs (44) v0-1: what Kafka 4's Admin.incrementalAlterConfigs and
// kafka-configs.sh send. Unlike AlterConfigs (33) it changes only the named keys: SET, DELETE, and
// APPEND/SUBTRACT on LIST configs. Answered as a Kafka 4.x broker does: its preprocessing
// (ConfigAdminManager.preprocess: duplicate resources and keys, null values, BROKER and
// BROKER_LOGGER resources), then, for topics, the controller's per-key apply
// (ConfigurationControlManager.incrementalAlterConfigResource) and checks (topic-config-change.ts).
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import type {
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsRequestAlterConfigsResource as Resource,
  IncrementalAlterConfigsResponseAlterConfigsResourceResponseInput as ResourceResponse,
  IncrementalAlterConfigsResponseInput,
} from '../../protocol/schema/generated/index.js';
import { brokerConfigDef } from '../broker-configs.js';
import { defineHandler, type RequestContext } from '../handler.js';
import { CONFIG_RESOURCE_TYPE_NAMES, changeTopicConfigs, ConfigResourceType } from '../topic-config-change.js';
import { configDef } from '../topic-configs.js';

/** AlterConfigOp.OpType ids, by name. */
const OP_NAMES: readonly string[] = ['SET', 'DELETE', 'APPEND', 'SUBTRACT'];
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

/** Java's String.split(",") (limit 0): trailing empty strings dropped; a string without a comma is itself. */
function javaSplitComma(s: string): string[] {
  if (!s.includes(',')) return [s];
  const parts = s.split(',');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Integer.parseInt: an optional sign and decimal digits within int range, else undefined. */
function javaInt(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : undefined;
}

/** The checks every resource gets before its type is looked at (ConfigAdminManager.preprocess). */
function preprocess(r: Resource): void {
  const names = r.configs.map((c) => c.name);
  if (new Set(names).size !== names.length) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys');
  const nulls = r.configs.filter((c) => c.configOperation !== DELETE && c.value === null).map((c) => c.name);
  if (nulls.length > 0) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${nulls.join(', ')}`);
}

/**
 * The controller's apply: each key from the topic's current override (else Kafka's default for a
 * LIST), the first failing key ending it; the resulting set is then checked whole.
 */
function alterTopic(ctx: RequestContext, r: Resource, validateOnly: boolean): void {
  const current = ctx.broker.topics.get(r.resourceName)?.configs ?? {};
  const next: Record<string, string> = { ...current };
  for (const c of r.configs) {
    const op = c.configOperation;
    if (op === SET) next[c.name] = c.value!;
    else if (op === DELETE) delete next[c.name];
    else if (op === APPEND || op === SUBTRACT) {
      const def = configDef(c.name);
      if (def?.type !== 'list') {
        throw new KafkaError(ErrorCode.INVALID_CONFIG, `Can't ${OP_NAMES[op]} to key ${c.name} because its type is not LIST.`);
      }
      // getParts: the override, else the ConfigDef default (not the broker's), empty parts dropped.
      const parts = javaSplitComma(current[c.name] ?? def.default).filter((p) => p !== '');
      for (const v of javaSplitComma(c.value!)) {
        if (op === APPEND && !parts.includes(v)) parts.push(v);
        if (op === SUBTRACT && parts.includes(v)) parts.splice(parts.indexOf(v), 1);
      }
      next[c.name] = parts.join(',');
    } else {
      // Kafka's controller has no answer of its own here; the broker's words for broker resources.
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unknown operations type ${op}`);
    }
  }
  changeTopicConfigs(ctx.broker, r.resourceName, next, validateOnly);
}

/** Scala's Set.toString: Set(…) up to four elements, HashSet(…) beyond. */
function scalaSet(names: readonly string[]): string {
  return `${names.length <= 4 ? 'Set' : 'HashSet'}(${names.join(', ')})`;
}

/**
 * The broker's own check of a broker resource (validateBrokerConfigChange). This broker has no
 * dynamic broker configs, so the keys a change would leave set are refused: those it describes
 * (all read-only) as Kafka refuses a static config, any other because it cannot store one.
 * Deleting only is a change to nothing, accepted as Kafka accepts deleting an unset key.
 */
function alterBroker(ctx: RequestContext, r: Resource): void {
  const name = r.resourceName;
  if (name !== '') {
    const id = javaInt(name);
    if (id === undefined) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Node id must be an integer, but it is: ${name}`);
    const own = ctx.node.nodeId;
    if (id !== own) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${own}, but received ${name}`);
  }
  const unknownOp = r.configs.find((c) => OP_NAMES[c.configOperation] === undefined);
  if (unknownOp) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unknown operations type ${unknownOp.configOperation}`);
  const left = new Set<string>();
  for (const c of r.configs) {
    const op = c.configOperation;
    if (op === DELETE) {
      left.delete(c.name);
      continue;
    }
    const def = brokerConfigDef(c.name);
    if ((op === APPEND || op === SUBTRACT) && def && def.type !== 'list') {
      const verb = op === APPEND ? 'append' : 'subtract';
      throw new KafkaError(ErrorCode.INVALID_CONFIG, `Config value ${verb} is not allowed for config key: ${c.name}`);
    }
    left.add(c.name);
  }
  const described = [...left].filter((n) => brokerConfigDef(n));
  if (described.length > 0) {
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Cannot update these configs dynamically: ${scalaSet(described)}`);
  }
  if (left.size > 0) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Dynamic broker configs are not supported by the embedded broker.');
}

/**
 * RuntimeLoggerManager: log4j levels by logger name. The embedded broker has no log4j loggers, so
 * SET and DELETE name a logger that does not exist; the other checks are Kafka's.
 */
function alterLoggers(ctx: RequestContext, r: Resource): void {
  const own = ctx.node.nodeId;
  const id = javaInt(r.resourceName);
  if (id === undefined) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Node id must be an integer, but it is: ${r.resourceName}`);
  // Kafka's message names its own id twice (RuntimeLoggerManager.validateResourceNameIsNodeId).
  if (id !== own) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unexpected node id. Expected ${own}, but received ${own}`);
  for (const c of r.configs) {
    const op = c.configOperation;
    if (op === SET || op === DELETE) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Logger ${c.name} does not exist!`);
    if (op === APPEND || op === SUBTRACT) {
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `${OP_NAMES[op]} operation is not allowed for the BROKER_LOGGER resource`);
    }
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unknown operation type ${op} is not allowed for the BROKER_LOGGER resource`);
  }
}

function alter(ctx: RequestContext, r: Resource, validateOnly: boolean): void {
  preprocess(r);
  switch (r.resourceType) {
    case ConfigResourceType.TOPIC:
      return alterTopic(ctx, r, validateOnly);
    case ConfigResourceType.BROKER:
      return alterBroker(ctx, r);
    case ConfigResourceType.BROKER_LOGGER:
      return alterLoggers(ctx, r);
    case ConfigResourceType.CLIENT_METRICS:
    case ConfigResourceType.GROUP:
      // Stored by Kafka's controller; not by this broker (as AlterConfigs answers them).
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unexpected resource type ${CONFIG_RESOURCE_TYPE_NAMES.get(r.resourceType)}.`);
    default:
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unknown resource type ${r.resourceType}`);
  }
}

export const incrementalAlterConfigs = defineHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponseInput>({
  apiKey: 44,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const key = (r: Resource) => `${r.resourceType}:${r.resourceName}`;
    const count = new Map<string, number>();
    for (const r of req.resources) count.set(key(r), (count.get(key(r)) ?? 0) + 1);
    // One answer per resource in request order; every occurrence of a repeated one is refused.
    const responses: ResourceResponse[] = req.resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      try {
        if (count.get(key(r))! > 1) throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.');
        alter(ctx, r, req.validateOnly);
        return { ...base, errorCode: 0, errorMessage: null };
      } catch (e) {
        if (!(e instanceof KafkaError)) throw e;
        return { ...base, errorCode: e.code, errorMessage: e.message };
      }
    });
    return { throttleTimeMs: 0, responses };
  },
});
