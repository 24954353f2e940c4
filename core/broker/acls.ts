// ACLs without an authorizer. Kafka 4.x advertises DescribeAcls / CreateAcls / DeleteAcls even
// when no `authorizer.class.name` is set, and answers them with SECURITY_DISABLED (AclApis.scala);
// this broker has no authorizer either (every client may do everything), so it answers the same.
import { ProtocolError } from '../protocol/primitives.js';

/** AclApis.handleDescribeAcls: top-level error message. */
export const DESCRIBE_NO_AUTHORIZER = 'No Authorizer is configured on the broker';
/** AclApis.handleCreateAcls / handleDeleteAcls: SecurityDisabledException's message, per creation / filter. */
export const ALTER_NO_AUTHORIZER = 'No Authorizer is configured.';

/** Code 0 of ResourceType, PatternType, AclOperation and AclPermissionType: UNKNOWN. */
const UNKNOWN = 0;

interface AclFields {
  readonly operation: number;
  readonly permissionType: number;
}

/**
 * Kafka's request classes refuse an ACL binding or filter with an UNKNOWN element while parsing
 * it (DescribeAclsRequest.normalizeAndValidate, CreateAclsRequest.validate,
 * DeleteAclsRequest.normalizeAndValidate); the parse failure closes the connection. Thrown as a
 * ProtocolError, the connection does the same.
 */
export function refuseUnknownElements(
  what: string,
  items: readonly (AclFields & { resourceType: number; patternType: number })[],
): void {
  if (items.some((a) => [a.resourceType, a.patternType, a.operation, a.permissionType].includes(UNKNOWN))) {
    throw new ProtocolError(`${what} contain UNKNOWN elements`);
  }
}
