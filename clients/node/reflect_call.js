#!/usr/bin/env node
'use strict';
// A grpcurl stand-in that knows nothing but the server address: every type
// comes from the server's reflection service (grpc.reflection.v1alpha, the
// one gRPC 1.51 C++ serves), through grpc-js-reflection-client.
//
//   node reflect_call.js [flags] ADDRESS list [SERVICE]
//   node reflect_call.js [flags] ADDRESS describe [SYMBOL]
//   node reflect_call.js [flags] -d JSON ADDRESS pkg.Service/Method
//
// Flags (grpcurl's spelling): -plaintext (the default here), -tls (system
// roots), -d JSON (`@file` reads a file, `@` stdin), -H 'name: value',
// -max-time SECONDS, -emit-defaults, -use-proto-names (snake_case output
// keys; grpcurl prints lowerCamelCase JSON names, as here by default).
//
// Output follows grpcurl: responses as proto3 JSON; a failed call prints
// `ERROR:` with Code, Message and each google.rpc detail decoded through
// reflection (BadRequest, ErrorInfo, ...) on stderr and exits 64 + code.

const fs = require('fs');
const grpc = require('@grpc/grpc-js');
const protobuf = require('protobufjs');
const { GrpcReflection } = require('grpc-js-reflection-client');
const { decodeStatusDetails, STATUS_DETAILS_KEY } = require('./status_details');

const USAGE = `usage:
  reflect_call.js [flags] ADDRESS list [SERVICE]
  reflect_call.js [flags] ADDRESS describe [SYMBOL]
  reflect_call.js [flags] [-d JSON|@file|@] ADDRESS pkg.Service/Method
flags: -plaintext | -tls, -H 'name: value', -max-time SECONDS, -emit-defaults, -use-proto-names`;

class UsageError extends Error {}

function parseArgs(argv) {
  const o = { tls: false, data: null, headers: [], maxTimeS: 30, emitDefaults: false, protoNames: false, positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i].replace(/^--/, '-');
    const value = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '-plaintext') o.tls = false;
    else if (a === '-tls') o.tls = true;
    else if (a === '-d') o.data = value();
    else if (a === '-H') o.headers.push(value());
    else if (a === '-max-time') o.maxTimeS = Number(value());
    else if (a === '-emit-defaults') o.emitDefaults = true;
    else if (a === '-use-proto-names') o.protoNames = true;
    else if (a === '-h' || a === '-help') throw new UsageError('');
    else if (a.startsWith('-') && a.length > 1) throw new UsageError(`unknown flag ${a}`);
    else o.positional.push(argv[i]);
  }
  if (o.positional.length < 2) throw new UsageError('need ADDRESS and a verb or method');
  return o;
}

// --- reflection --------------------------------------------------------------

class Reflector {
  constructor(address, credentials, deadlineMs) {
    this.reflection = new GrpcReflection(address, credentials, {}, 'v1alpha');
    this.deadlineMs = deadlineMs;
    this.roots = new Map(); // symbol -> protobufjs Root
  }

  options() { return { deadline: Date.now() + this.deadlineMs }; }

  async listServices() {
    return (await this.reflection.listServices('*', new grpc.Metadata(), this.options())).sort();
  }

  // The protobufjs Root of the file that defines `symbol` (with its imports).
  async rootFor(symbol) {
    if (!this.roots.has(symbol)) {
      const descriptor = await this.reflection.getDescriptorBySymbol(symbol, new grpc.Metadata(), this.options());
      this.roots.set(symbol, descriptor.getProtobufJsRoot());
    }
    return this.roots.get(symbol);
  }

  // Resolves a fully-qualified name to a protobufjs reflection object. A
  // method (pkg.Service.Method) is found through its service.
  async lookup(symbol) {
    try {
      return (await this.rootFor(symbol)).lookup(symbol);
    } catch (e) {
      const dot = symbol.lastIndexOf('.');
      if (dot < 0) throw e;
      const parent = await this.lookup(symbol.slice(0, dot)).catch(() => { throw e; });
      if (parent instanceof protobuf.Service && parent.methods[symbol.slice(dot + 1)]) {
        return parent.methods[symbol.slice(dot + 1)];
      }
      throw e;
    }
  }

  async lookupType(name) {
    const found = await this.lookup(name);
    if (!(found instanceof protobuf.Type)) throw new Error(`${name} is not a message`);
    return found;
  }

  close() {
    if (this.reflection.client && this.reflection.client.close) this.reflection.client.close();
  }
}

// --- proto3 JSON <-> protobufjs ------------------------------------------------

function jsonName(field) {
  return field.name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

const INTEGER_TYPES = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32',
  'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

// proto3 JSON (either JSON or proto field names) -> a plain object keyed by
// proto field names, rejecting unknown fields and fractional integers as
// protojson (and so grpcurl) does.
function normalizeJson(type, json, where) {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new Error(`${where}: expected a JSON object for ${type.fullName.slice(1)}`);
  }
  const out = {};
  for (const [key, value] of Object.entries(json)) {
    const field = type.fields[key] || type.fieldsArray.find((f) => jsonName(f) === key);
    if (!field) throw new Error(`${where}: message type ${type.fullName.slice(1)} has no known field named ${key}`);
    if (value === null) continue; // null means "not set"
    const path = `${where}.${key}`;
    field.resolve();
    const one = (v, p) => {
      if (field.resolvedType instanceof protobuf.Type) return normalizeJson(field.resolvedType, v, p);
      if (INTEGER_TYPES.has(field.type)) {
        const n = typeof v === 'string' ? Number(v) : v;
        if (typeof n !== 'number' || !Number.isInteger(n)) throw new Error(`${p}: not an integer: ${JSON.stringify(v)}`);
      }
      return v;
    };
    if (field.map) {
      out[field.name] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, one(v, `${path}[${k}]`)]));
    } else if (field.repeated) {
      if (!Array.isArray(value)) throw new Error(`${path}: expected an array`);
      out[field.name] = value.map((v, i) => one(v, `${path}[${i}]`));
    } else {
      out[field.name] = one(value, path);
    }
  }
  return out;
}

function fromJson(type, json) {
  const message = type.fromObject(normalizeJson(type, json, '$'));
  const problem = type.verify(message);
  if (problem) throw new Error(`invalid request: ${problem}`);
  return message;
}

// A decoded message -> proto3 JSON as protojson prints it: default values of
// implicit-presence fields left out, int64 as strings, enums by name.
function toJson(type, message, opts) {
  const out = {};
  for (const field of type.fieldsArray) {
    field.resolve();
    const key = opts.protoNames ? field.name : jsonName(field);
    const present = Object.prototype.hasOwnProperty.call(message, field.name) && message[field.name] != null;
    const explicitPresence = field.resolvedType instanceof protobuf.Type ||
      (field.partOf && field.partOf.oneof) || (field.options && field.options.proto3_optional);
    let value = present ? message[field.name] : undefined;
    const scalar = (v) => {
      if (field.resolvedType instanceof protobuf.Type) return toJson(field.resolvedType, v, opts);
      if (field.resolvedType instanceof protobuf.Enum) return field.resolvedType.valuesById[v] || v;
      if (field.type === 'bytes') return Buffer.from(v).toString('base64');
      if (field.long || /64$/.test(field.type)) return String(v);
      if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : (v > 0 ? 'Infinity' : '-Infinity');
      return v;
    };
    if (field.map) {
      const entries = Object.entries(value || {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)); // protojson sorts map keys
      if (entries.length || opts.emitDefaults) out[key] = Object.fromEntries(entries.map(([k, v]) => [k, scalar(v)]));
    } else if (field.repeated) {
      if ((value && value.length) || opts.emitDefaults) out[key] = (value || []).map(scalar);
    } else if (present && (explicitPresence || !isDefault(field, value))) {
      out[key] = scalar(value);
    } else if (opts.emitDefaults && !explicitPresence) {
      out[key] = scalar(field.typeDefault);
    }
  }
  return out;
}

function isDefault(field, v) {
  if (v == null) return true;
  if (typeof v === 'object' && typeof v.length === 'number') return v.length === 0; // bytes
  if (typeof v === 'object' && 'low' in v && 'high' in v) return v.low === 0 && v.high === 0; // Long
  return v === 0 || v === '' || v === false;
}

// --- describe (proto text like grpcurl's) --------------------------------------

const LONG_FORM = { int32: 1, int64: 1, uint32: 1, uint64: 1, sint32: 1, sint64: 1, fixed32: 1, fixed64: 1, sfixed32: 1, sfixed64: 1, bool: 1, string: 1, bytes: 1, double: 1, float: 1 };

function typeRef(field) {
  return LONG_FORM[field.type] ? field.type : field.resolvedType.fullName;
}

function describeObject(obj) {
  const name = obj.fullName.slice(1);
  if (obj instanceof protobuf.Service) {
    const rpcs = obj.methodsArray.map((m) => `  ${rpcLine(m)}`);
    return `${name} is a service:\nservice ${obj.name} {\n${rpcs.join('\n')}\n}`;
  }
  if (obj instanceof protobuf.Method) return `${name} is a method:\n${rpcLine(obj)}`;
  if (obj instanceof protobuf.Enum) {
    const values = Object.entries(obj.values).map(([k, v]) => `  ${k} = ${v};`);
    return `${name} is an enum:\nenum ${obj.name} {\n${values.join('\n')}\n}`;
  }
  if (obj instanceof protobuf.Type) return `${name} is a message:\n${messageText(obj, '')}`;
  throw new Error(`${name} is not a service, method, message or enum`);
}

function rpcLine(m) {
  m.resolve();
  const req = `${m.requestStream ? 'stream ' : ''}${m.resolvedRequestType.fullName}`;
  const res = `${m.responseStream ? 'stream ' : ''}${m.resolvedResponseType.fullName}`;
  return `rpc ${m.name} ( ${req} ) returns ( ${res} );`;
}

function messageText(type, indent) {
  const lines = [`${indent}message ${type.name} {`];
  for (const field of type.fieldsArray) {
    field.resolve();
    if (field.partOf && !(field.options && field.options.proto3_optional)) continue; // printed in its oneof
    lines.push(`${indent}  ${fieldLine(field)}`);
  }
  for (const oneof of type.oneofsArray) {
    if (oneof.fieldsArray.length === 1 && oneof.fieldsArray[0].options && oneof.fieldsArray[0].options.proto3_optional) continue;
    lines.push(`${indent}  oneof ${oneof.name} {`);
    for (const f of oneof.fieldsArray) lines.push(`${indent}    ${fieldLine(f)}`);
    lines.push(`${indent}  }`);
  }
  for (const nested of type.nestedArray) {
    if (nested instanceof protobuf.Type) lines.push(messageText(nested, `${indent}  `));
  }
  lines.push(`${indent}}`);
  return lines.join('\n');
}

function fieldLine(field) {
  if (field.map) return `map<${field.keyType}, ${typeRef(field)}> ${field.name} = ${field.id};`;
  let label = '';
  if (field.repeated) label = 'repeated ';
  else if (field.options && field.options.proto3_optional) label = 'optional ';
  return `${label}${typeRef(field)} ${field.name} = ${field.id};`;
}

// --- calls ------------------------------------------------------------------------

function grpcCodeName(code) {
  const name = Object.keys(grpc.status).find((k) => grpc.status[k] === code) || `Code(${code})`;
  // Go's codes.Code spelling, as grpcurl prints it: INVALID_ARGUMENT -> InvalidArgument.
  return name === 'OK' ? 'OK' : name.toLowerCase().replace(/(^|_)([a-z])/g, (_, __, c) => c.toUpperCase());
}

function readData(spec) {
  if (spec === null) return {};
  if (spec === '@') return JSON.parse(fs.readFileSync(0, 'utf8'));
  if (spec.startsWith('@')) return JSON.parse(fs.readFileSync(spec.slice(1), 'utf8'));
  return JSON.parse(spec);
}

function metadataFrom(headers) {
  const md = new grpc.Metadata();
  for (const h of headers) {
    const i = h.indexOf(':');
    if (i <= 0) throw new UsageError(`-H wants 'name: value', got ${h}`);
    md.add(h.slice(0, i).trim().toLowerCase(), h.slice(i + 1).trim());
  }
  return md;
}

// Prints a failed call like grpcurl: Code, Message and the decoded details.
async function printError(err, reflector) {
  const lines = ['ERROR:', `  Code: ${grpcCodeName(err.code)}`, `  Message: ${err.details}`];
  const raw = err.metadata ? err.metadata.get(STATUS_DETAILS_KEY) : [];
  if (raw && raw.length) {
    const types = new Map();
    const resolve = async (name) => {
      try { types.set(name, await reflector.lookupType(name)); } catch (e) { /* printed as undecoded */ }
    };
    await resolve('google.rpc.Status');
    if (!types.has('google.rpc.Status')) types.set('google.rpc.Status', builtinStatusType());
    const status = types.get('google.rpc.Status').decode(raw[0]);
    for (const any of status.details || []) await resolve(any.type_url.replace(/^.*\//, ''));
    const decoded = decodeStatusDetails(err.metadata, (n) => types.get(n) || null);
    lines.push('  Details:');
    decoded.details.forEach((detail, i) => {
      const type = types.get(detail['@type']);
      const body = type
        ? Object.assign({ '@type': `type.googleapis.com/${detail['@type']}` },
          toJson(type, type.fromObject(detail), { protoNames: false }))
        : detail;
      const text = JSON.stringify(body, null, 2).split('\n');
      lines.push(`  ${i + 1})\t${text[0]}`);
      for (const l of text.slice(1)) lines.push(`    \t${l}`);
    });
  }
  process.stderr.write(`${lines.join('\n')}\n`);
}

// google.rpc.Status when the server does not serve it by reflection.
function builtinStatusType() {
  return protobuf.Root.fromJSON({
    nested: {
      google: { nested: {
        protobuf: { nested: { Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } } } },
        rpc: { nested: { Status: { fields: {
          code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 },
          details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 } } } } },
      } },
    },
  }).lookupType('google.rpc.Status');
}

async function invoke(o, reflector, address, credentials, target) {
  const m = /^\/?([\w.]+)[/.](\w+)$/.exec(target);
  if (!m) throw new UsageError(`not a method name: ${target} (want pkg.Service/Method)`);
  const [, serviceName, methodName] = m;
  const service = await reflector.lookup(serviceName);
  if (!(service instanceof protobuf.Service)) throw new Error(`${serviceName} is not a service`);
  const method = service.methods[methodName];
  if (!method) throw new Error(`service ${serviceName} has no method ${methodName}`);
  method.resolve();
  if (method.requestStream) throw new Error(`${methodName} is client-streaming: not supported here`);
  const requestType = method.resolvedRequestType;
  const responseType = method.resolvedResponseType;
  const request = fromJson(requestType, readData(o.data));
  const client = new grpc.Client(address, credentials, {
    'grpc.max_send_message_length': 8 * 1024 * 1024,
    'grpc.max_receive_message_length': 8 * 1024 * 1024,
  });
  const path = `/${serviceName}/${methodName}`;
  const serialize = (msg) => Buffer.from(requestType.encode(msg).finish());
  const deserialize = (bytes) => responseType.decode(bytes);
  const callOptions = { deadline: Date.now() + o.maxTimeS * 1000 };
  const print = (msg) => process.stdout.write(`${JSON.stringify(toJson(responseType, msg, o), null, 2)}\n`);
  try {
    await new Promise((resolve, reject) => {
      if (method.responseStream) {
        const call = client.makeServerStreamRequest(path, serialize, deserialize, request, metadataFrom(o.headers), callOptions);
        call.on('data', print);
        call.on('error', reject);
        call.on('end', resolve);
      } else {
        client.makeUnaryRequest(path, serialize, deserialize, request, metadataFrom(o.headers), callOptions,
          (err, response) => (err ? reject(err) : resolve(print(response))));
      }
    });
    return 0;
  } catch (err) {
    if (err.code === undefined) throw err;
    await printError(err, reflector);
    return 64 + err.code; // grpcurl's exit status for a failed call
  } finally {
    client.close();
  }
}

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message ? `${e.message}\n` : ''}${USAGE}\n`);
    return 2;
  }
  const [address, verb, arg] = o.positional;
  const credentials = o.tls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
  const reflector = new Reflector(address, credentials, o.maxTimeS * 1000);
  try {
    if (verb === 'list') {
      if (!arg) {
        for (const s of await reflector.listServices()) console.log(s);
      } else {
        const service = await reflector.lookup(arg);
        if (!(service instanceof protobuf.Service)) throw new Error(`${arg} is not a service`);
        for (const m of service.methodsArray) console.log(`${arg}.${m.name}`);
      }
      return 0;
    }
    if (verb === 'describe') {
      const symbols = arg ? [arg] : (await reflector.listServices());
      for (const s of symbols) console.log(describeObject(await reflector.lookup(s)));
      return 0;
    }
    return await invoke(o, reflector, address, credentials, verb);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`Failed: ${e.message || e}\n`);
    return 1;
  } finally {
    reflector.close();
  }
}

main().then((code) => { process.exitCode = code; });
