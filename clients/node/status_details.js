'use strict';
// Decodes the google.rpc.Status that gRPC servers put in the
// `grpc-status-details-bin` trailer: the gateway's BadRequest (one field
// violation per broken field, e.g. `face_choose[0].sound_end_time`),
// ErrorInfo (domain, reason, metadata) and RetryInfo.
//
// Works with any source of protobufjs types: example.js loads them from the
// .proto files, reflect_call.js from the server's reflection service.

const STATUS_DETAILS_KEY = 'grpc-status-details-bin';
const TYPE_URL_PREFIX = 'type.googleapis.com/';

const TO_OBJECT = { longs: String, enums: String, bytes: String, defaults: false };

// `metadata`: a grpc-js Metadata (the error's trailers).
// `lookupType(fullName)`: returns a protobufjs Type, or null if unknown.
// Returns { details: [{ '@type': fullName, ...fields }], fieldViolations:
// [{ field, description }], errorInfo: { reason, domain, metadata } | null,
// retryDelaySeconds: number | null }.
function decodeStatusDetails(metadata, lookupType) {
  const out = { details: [], fieldViolations: [], errorInfo: null, retryDelaySeconds: null };
  const values = metadata ? metadata.get(STATUS_DETAILS_KEY) : [];
  if (!values || values.length === 0) return out;
  const Status = lookupType('google.rpc.Status');
  if (!Status) throw new Error('google.rpc.Status is unknown: cannot decode error details');
  const status = Status.decode(values[0]);
  for (const any of status.details || []) {
    const name = any.type_url.startsWith(TYPE_URL_PREFIX)
      ? any.type_url.slice(TYPE_URL_PREFIX.length) : any.type_url;
    const Type = lookupType(name);
    if (!Type) {
      out.details.push({ '@type': name, undecoded_bytes: Buffer.from(any.value).length });
      continue;
    }
    const detail = Type.toObject(Type.decode(any.value), TO_OBJECT);
    out.details.push(Object.assign({ '@type': name }, detail));
    if (name === 'google.rpc.BadRequest') {
      for (const v of detail.field_violations || []) {
        out.fieldViolations.push({ field: v.field || '', description: v.description || '' });
      }
    } else if (name === 'google.rpc.ErrorInfo') {
      out.errorInfo = { reason: detail.reason || '', domain: detail.domain || '', metadata: detail.metadata || {} };
    } else if (name === 'google.rpc.RetryInfo' && detail.retry_delay) {
      out.retryDelaySeconds = Number(detail.retry_delay.seconds || 0) +
        Number(detail.retry_delay.nanos || 0) / 1e9;
    }
  }
  return out;
}

// Multi-line text for a failed call (a grpc-js ServiceError).
function describeError(err, lookupType, grpcStatus) {
  const codeName = Object.keys(grpcStatus).find((k) => grpcStatus[k] === err.code) || String(err.code);
  const decoded = decodeStatusDetails(err.metadata, lookupType);
  const lines = [`${codeName}: ${err.details}`];
  if (decoded.errorInfo) {
    const info = decoded.errorInfo;
    lines.push(`reason: ${info.reason} (domain ${info.domain}) ${JSON.stringify(info.metadata)}`);
  }
  if (decoded.retryDelaySeconds !== null) lines.push(`retry after: ${decoded.retryDelaySeconds}s`);
  for (const v of decoded.fieldViolations) lines.push(`field violation: ${v.field}: ${v.description}`);
  // The call's trace id: the gateway's `trace-id` trailer, else ErrorInfo's.
  const traceValues = err.metadata ? err.metadata.get('trace-id') : [];
  const traceId = traceValues && traceValues.length > 0 ? String(traceValues[0])
    : (decoded.errorInfo && decoded.errorInfo.metadata.trace_id) || '';
  if (traceId) lines.push(`trace id: ${traceId}`);
  return { codeName, decoded, text: lines.join('\n') };
}

module.exports = { STATUS_DETAILS_KEY, decodeStatusDetails, describeError };
