// ApiVersions (18). v0-2 plain, v3 flexible (librdkafka sends v3 first). The list comes from
// the handler registry; unsupported versions are answered by the connection (error 35, v0 body).
// Like Kafka 4.x, Produce is listed from v0 although v0-2 are refused (ADVERTISED_FROM).
import { ADVERTISED_FROM } from '../../protocol/apis.js';
import type { ApiVersionsRequest, ApiVersionsResponseInput } from '../../protocol/schema/generated/index.js';
import { defineHandler } from '../handler.js';

export const apiVersions = defineHandler<ApiVersionsRequest, ApiVersionsResponseInput>({
  apiKey: 18,
  minVersion: 0,
  maxVersion: 3,
  handle(_req, { broker }) {
    const apiKeys = [...broker.registry.values()]
      .map((h) => ({
        apiKey: h.apiKey,
        minVersion: Math.min(h.minVersion, ADVERTISED_FROM.get(h.apiKey) ?? h.minVersion),
        maxVersion: h.maxVersion,
      }))
      .sort((a, b) => a.apiKey - b.apiKey);
    return { errorCode: 0, apiKeys, throttleTimeMs: 0 };
  },
});
