// StreamsAssignmentProtocolVersions: the versions of Kafka Streams' SubscriptionInfo /
// AssignmentInfo user data. Kafka Streams 4.x writes version 11 (last bumped before 3.0); a
// member that receives a newer one than it knows answers with its own latest ("version probing").
export const LATEST_SUPPORTED_VERSION = 11;
export const EARLIEST_PROBEABLE_VERSION = 3;
/** From this version on, task ids carry a named-topology name (empty for ordinary apps). */
export const MIN_NAMED_TOPOLOGY_VERSION = 10;
/** latestSupportedVersion of versions 1 and 2, which do not carry it. */
export const UNKNOWN_VERSION = -1;
