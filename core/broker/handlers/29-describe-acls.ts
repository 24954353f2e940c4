// DescribeAcls (29) v1-3 (Kafka 4.0 removed v0, KIP-896; kafkajs and kafka-python 2.0.2 send v1).
// No authorizer: SECURITY_DISABLED at the top level, as Kafka's AclApis answers (see acls.ts).
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeAclsRequest, DescribeAclsResponseInput } from '../../protocol/schema/generated/index.js';
import { DESCRIBE_NO_AUTHORIZER, refuseUnknownElements } from '../acls.js';
import { defineHandler } from '../handler.js';

export const describeAcls = defineHandler<DescribeAclsRequest, DescribeAclsResponseInput>({
  apiKey: 29,
  minVersion: 1,
  maxVersion: 3,
  handle(req) {
    refuseUnknownElements('DescribeAclsRequest filter', [
      { resourceType: req.resourceTypeFilter, patternType: req.patternTypeFilter, operation: req.operation, permissionType: req.permissionType },
    ]);
    return { throttleTimeMs: 0, errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: DESCRIBE_NO_AUTHORIZER, resources: [] };
  },
});
