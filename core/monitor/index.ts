// core/monitor: watches any Kafka cluster for the console. See README.md.
export { ClusterMonitor, type ClusterMonitorOptions } from './cluster-monitor.js';
export { createMonitorKafka } from './kafka-client.js';
export { DEFAULT_EVALUATOR_RULES, type EvaluatorRules } from './lag-evaluator.js';
