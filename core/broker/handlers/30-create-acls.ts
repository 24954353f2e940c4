// CreateAcls (30) v1-3 (Kafka 4.0 removed v0, KIP-896). No authorizer: every creation gets
// SECURITY_DISABLED, as CreateAclsRequest.getErrorResponse builds it (see acls.ts).
import { ErrorCode } from '../../protocol/errors.js';
import type { CreateAclsRequest, CreateAclsResponseInput } from '../../protocol/schema/generated/index.js';
import { ALTER_NO_AUTHORIZER, refuseUnknownElements } from '../acls.js';
import { defineHandler } from '../handler.js';

export const createAcls = defineHandler<CreateAclsRequest, CreateAclsResponseInput>({
  apiKey: 30,
  minVersion: 1,
  maxVersion: 3,
  handle(req) {
    refuseUnknownElements(
      'CreatableAcls',
      req.creations.map((c) => ({ ...c, patternType: c.resourcePatternType })),
    );
    return {
      throttleTimeMs: 0,
      results: req.creations.map(() => ({ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: ALTER_NO_AUTHORIZER })),
    };
  },
});
