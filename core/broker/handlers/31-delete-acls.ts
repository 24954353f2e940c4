// DeleteAcls (31) v1-3 (Kafka 4.0 removed v0, KIP-896). No authorizer: every filter gets
// SECURITY_DISABLED and no matching ACLs, as DeleteAclsRequest.getErrorResponse builds it.
import { ErrorCode } from '../../protocol/errors.js';
import type { DeleteAclsRequest, DeleteAclsResponseInput } from '../../protocol/schema/generated/index.js';
import { ALTER_NO_AUTHORIZER, refuseUnknownElements } from '../acls.js';
import { defineHandler } from '../handler.js';

export const deleteAcls = defineHandler<DeleteAclsRequest, DeleteAclsResponseInput>({
  apiKey: 31,
  minVersion: 1,
  maxVersion: 3,
  handle(req) {
    refuseUnknownElements(
      'Filters',
      req.filters.map((f) => ({ ...f, resourceType: f.resourceTypeFilter, patternType: f.patternTypeFilter })),
    );
    return {
      throttleTimeMs: 0,
      filterResults: req.filters.map(() => ({
        errorCode: ErrorCode.SECURITY_DISABLED,
        errorMessage: ALTER_NO_AUTHORIZER,
        matchingAcls: [],
      })),
    };
  },
});
