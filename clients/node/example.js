#!/usr/bin/env node
'use strict';
// The lip-sync workflow through lipsync-gateway, in Node.js, with the .proto
// loaded at run time by @grpc/proto-loader (no generated code).
//
//   node clients/node/example.js --target 127.0.0.1:50051 [--video_url URL]
//
// 1. IdentifyFace on a video URL -> session_id and faces.
// 2. CreateLipSyncTask with the seed's values (audio_id, trim 0..5000 ms,
//    volumes 1.0) on the first face, inserted at the start of the face's
//    interval (trim shortened if the interval is shorter than 5 s).
// 3. WatchLipSyncTask until succeed / failed; prints the result URL.
// 4. One invalid create (trim of 1999 ms, volume 2.5): prints the
//    google.rpc.BadRequest field violations decoded from the
//    `grpc-status-details-bin` trailer.
//
// Exit status 0 when the task succeeded and the invalid request was refused
// with field violations.

const path = require('path');
const crypto = require('crypto');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');
const { describeError } = require('./status_details');

const REPO = path.resolve(__dirname, '..', '..');
const SEED_AUDIO_ID = '825451760499568680';
const SEED_TRIM_MS = 5000;
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
// Reads only, on UNAVAILABLE (the C++ client's client/service_config.h).
// IdentifyFace and CreateLipSyncTask are billed upstream: never retried
// blindly; retry a create yourself with the same request_id.
const SERVICE_CONFIG = {
  methodConfig: [{
    name: [
      { service: 'kling.lipsync.v1.LipSyncService', method: 'GetLipSyncTask' },
      { service: 'kling.lipsync.v1.LipSyncService', method: 'ListLipSyncTasks' },
    ],
    retryPolicy: {
      maxAttempts: 3,
      initialBackoff: '0.2s',
      maxBackoff: '2s',
      backoffMultiplier: 2,
      retryableStatusCodes: ['UNAVAILABLE'],
    },
  }],
};

function parseArgs(argv) {
  const args = {
    target: '127.0.0.1:50051',
    video_url: 'https://example.com/videos/presenter.mp4',
    proto_dir: path.join(REPO, 'proto'),
    googleapis: process.env.GOOGLEAPIS_PROTO_ROOT ||
      '/usr/share/gocode/src/github.com/gogo/googleapis',
    watch_timeout_s: 120,
  };
  for (const arg of argv) {
    const m = /^--([a-z_]+)=(.*)$/.exec(arg);
    if (!m || !(m[1] in args)) throw new Error(`unknown argument ${arg}; flags: --${Object.keys(args).join('=, --')}=`);
    args[m[1]] = m[2];
  }
  return args;
}

function loadService(args) {
  const definition = protoLoader.loadSync('kling/lipsync/v1/lipsync.proto', {
    keepCase: true, // field names as in the .proto (and the upstream JSON)
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [args.proto_dir, args.googleapis],
  });
  return grpc.loadPackageDefinition(definition).kling.lipsync.v1;
}

// The google.rpc types, to decode error details.
function loadErrorTypes(args) {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    for (const dir of [args.googleapis, args.proto_dir]) {
      const candidate = path.join(dir, target);
      if (require('fs').existsSync(candidate)) return candidate;
    }
    return protobuf.util.path.resolve(origin, target);
  };
  root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], { keepCase: true });
  root.resolveAll();
  return (name) => {
    try { return root.lookupType(name); } catch (e) { return null; }
  };
}

// W3C trace context: every call of this run joins one trace. The gateway
// logs the trace id on its access line, sends it upstream, and answers it in
// the `trace-id` trailer (and in ErrorInfo.metadata.trace_id of an error):
// quote it to the gateway's operators beside Kling's request_id.
const TRACE_ID = crypto.randomBytes(16).toString('hex');

function callMetadata() {
  const metadata = new grpc.Metadata();
  // A new span id per call; flags 00: this client records no spans.
  metadata.set('traceparent', `00-${TRACE_ID}-${crypto.randomBytes(8).toString('hex')}-00`);
  return metadata;
}

// The `trace-id` the gateway answered (a grpc-js Metadata of trailers).
function traceIdOf(trailers) {
  const values = trailers ? trailers.get('trace-id') : [];
  return values && values.length > 0 ? String(values[0]) : '';
}

// Resolves to { response, traceId }.
function unary(client, method, request, timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    let response = null;
    let error = null;
    const call = client[method](request, callMetadata(), { deadline: Date.now() + timeoutMs }, (err, r) => {
      error = err;
      response = r;
    });
    call.on('status', (status) => {
      if (error) reject(error); else resolve({ response, traceId: traceIdOf(status.metadata) });
    });
  });
}

function watch(client, request, timeoutMs, onTask) {
  return new Promise((resolve, reject) => {
    let last = null;
    const call = client.WatchLipSyncTask(request, callMetadata(), { deadline: Date.now() + timeoutMs });
    call.on('data', (task) => { last = task; onTask(task); });
    call.on('error', reject);
    call.on('end', () => resolve(last));
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const v1 = loadService(args);
  const lookupType = loadErrorTypes(args);
  const client = new v1.LipSyncService(args.target, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.service_config': JSON.stringify(SERVICE_CONFIG),
  });
  try {
    // 1. Identify.
    console.log(`trace: trace_id=${TRACE_ID}`);
    const { response: faces } = await unary(client, 'IdentifyFace', { video_url: args.video_url });
    console.log(`identify: session_id=${faces.session_id} faces=${faces.face_data.length} request_id=${faces.request_id}`);
    for (const f of faces.face_data) {
      console.log(`face: face_id=${f.face_id} interval=[${f.start_time}, ${f.end_time}] ms`);
    }
    if (faces.face_data.length === 0) throw new Error('no face to lip-sync');
    const face = faces.face_data[0];

    // 2. Create: the seed's values on that face.
    const trim = Math.min(SEED_TRIM_MS, Number(face.end_time) - Number(face.start_time));
    const request = {
      session_id: faces.session_id,
      face_choose: [{
        face_id: face.face_id,
        audio_id: SEED_AUDIO_ID,
        sound_start_time: 0,
        sound_end_time: trim,
        sound_insert_time: face.start_time,
        sound_volume: 1.0,
        original_audio_volume: 1.0,
      }],
      request_id: crypto.randomUUID(), // idempotency key: resend it to retry safely
    };
    const { response: task, traceId } = await unary(client, 'CreateLipSyncTask', request);
    console.log(`create: task_id=${task.task_id} status=${task.task_status} idempotency_key=${request.request_id} trace_id=${traceId}`);

    // 3. Watch to a terminal status.
    const last = await watch(client, { task_id: task.task_id }, Number(args.watch_timeout_s) * 1000,
      (t) => console.log(`watch: ${t.task_status}`));
    if (!last || last.task_status !== 'TASK_STATUS_SUCCEED') {
      console.log(`task did not succeed: ${last ? `${last.task_status} ${last.task_status_msg}` : 'no update'}`);
      return 1;
    }
    const videos = (last.task_result && last.task_result.videos) || [];
    for (const v of videos) console.log(`result: ${v.url} (duration ${v.duration}s)`);

    // 4. An invalid request: every broken field is reported at once.
    const bad = JSON.parse(JSON.stringify(request));
    bad.request_id = crypto.randomUUID();
    bad.face_choose[0].sound_end_time = 1999; // trim < 2000 ms
    bad.face_choose[0].sound_volume = 2.5; // outside [0, 2]
    try {
      await unary(client, 'CreateLipSyncTask', bad);
      console.error('invalid request was accepted');
      return 1;
    } catch (err) {
      if (err.code === undefined) throw err;
      const { codeName, decoded, text } = describeError(err, lookupType, grpc.status);
      console.log(text.split('\n').map((l) => `invalid: ${l}`).join('\n'));
      return videos.length > 0 && codeName === 'INVALID_ARGUMENT' && decoded.fieldViolations.length > 0 ? 0 : 1;
    }
  } catch (err) {
    if (err.code !== undefined && err.metadata) {
      console.error(`error: ${describeError(err, lookupType, grpc.status).text}`);
    } else {
      console.error(`error: ${err.stack || err}`);
    }
    return 1;
  } finally {
    client.close();
  }
}

main().then((code) => { process.exitCode = code; });
