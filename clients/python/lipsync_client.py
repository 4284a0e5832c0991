"""A small Python client for kling.lipsync.v1.LipSyncService (lipsync-gateway).

It wraps the generated stub with what every caller needs and nobody should
rewrite: a channel with the gateway's message-size and retry settings, a
deadline on every call, an idempotency key on creates, and errors whose
google.rpc details (BadRequest field violations, ErrorInfo, RetryInfo) are
decoded from the `grpc-status-details-bin` trailer.

The generated modules are not committed: `clients/python/generate.sh OUT_DIR`
writes them to OUT_DIR/lipsync_gen, and `load_generated(OUT_DIR)` (or the
environment variable LIPSYNC_PY_GEN_DIR) puts that directory on sys.path.
Without either, the first use generates them into a temporary directory.

Needs Debian's python3-grpcio and python3-protobuf: run it with
/usr/bin/python3 (a pyenv python3 on PATH does not see them).

    import lipsync_client as lc
    with lc.LipSyncClient("127.0.0.1:50051") as client:
        faces = client.identify_face(video_url="https://example.com/a.mp4")
        try:
            task = client.create_task(session_id=faces.session_id, face_choose=[...])
        except lc.LipSyncError as e:
            for v in e.field_violations:
                print(v.field, v.description)
"""

import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import uuid

import grpc

_HERE = os.path.dirname(os.path.abspath(__file__))

# The gateway accepts a 5 MiB audio as bytes; with the rest of the request
# that needs more than gRPC's default 4 MiB.
MAX_MESSAGE_BYTES = 8 * 1024 * 1024

# The retry policy the C++ client publishes (client/service_config.h): reads
# only, on UNAVAILABLE. IdentifyFace and CreateLipSyncTask are billed upstream
# and never retried blindly; retry a create yourself with the same request_id.
SERVICE_CONFIG = {
    "methodConfig": [{
        "name": [
            {"service": "kling.lipsync.v1.LipSyncService",
             "method": "GetLipSyncTask"},
            {"service": "kling.lipsync.v1.LipSyncService",
             "method": "ListLipSyncTasks"},
        ],
        "retryPolicy": {
            "maxAttempts": 3,
            "initialBackoff": "0.2s",
            "maxBackoff": "2s",
            "backoffMultiplier": 2,
            "retryableStatusCodes": ["UNAVAILABLE"],
        },
    }]
}

STATUS_DETAILS_KEY = "grpc-status-details-bin"
# Trailing metadata of every call: its W3C trace id.
TRACE_ID_TRAILER = "trace-id"

_TYPE_URL_PREFIX = "type.googleapis.com/"

# Filled by load_generated().
lipsync_pb2 = None
lipsync_pb2_grpc = None
status_pb2 = None
error_details_pb2 = None


def load_generated(gen_dir=None):
    """Makes the generated modules importable and binds them in this module.

    gen_dir is the OUT_DIR given to generate.sh (holding lipsync_gen/).
    Defaults to $LIPSYNC_PY_GEN_DIR, else generates into a temp directory.
    """
    global lipsync_pb2, lipsync_pb2_grpc, status_pb2, error_details_pb2
    if lipsync_pb2 is not None:
        return
    gen_dir = gen_dir or os.environ.get("LIPSYNC_PY_GEN_DIR")
    if not gen_dir:
        gen_dir = tempfile.mkdtemp(prefix="lipsync-pygen-")
    root = os.path.join(gen_dir, "lipsync_gen")
    if not os.path.isfile(
            os.path.join(root, "kling", "lipsync", "v1", "lipsync_pb2.py")):
        subprocess.run([os.path.join(_HERE, "generate.sh"), gen_dir],
                       check=True)
    if root not in sys.path:
        sys.path.insert(0, root)
    # `kling` and `google.rpc` are namespace packages under lipsync_gen/;
    # `google` merges with the installed google.protobuf.
    from kling.lipsync.v1 import lipsync_pb2 as pb2
    from kling.lipsync.v1 import lipsync_pb2_grpc as pb2_grpc
    from google.rpc import error_details_pb2 as details
    from google.rpc import status_pb2 as status
    lipsync_pb2, lipsync_pb2_grpc = pb2, pb2_grpc
    status_pb2, error_details_pb2 = status, details


class FieldViolation:
    """One google.rpc.BadRequest.FieldViolation: a field path such as
    `face_choose[0].sound_end_time` and what is wrong with it."""

    def __init__(self, field, description):
        self.field = field
        self.description = description

    def __repr__(self):
        return "FieldViolation(%r, %r)" % (self.field, self.description)


class LipSyncError(Exception):
    """A failed call, with the gRPC code and the decoded google.rpc details.

    Attributes:
      code: grpc.StatusCode.
      message: the status message (for humans; match on `reason`).
      field_violations: [FieldViolation] from google.rpc.BadRequest.
      reason, domain, metadata: google.rpc.ErrorInfo ("" / {} when absent).
      retry_delay: seconds from google.rpc.RetryInfo, or None.
      details: every detail message that could be decoded.
      trace_id: the call's W3C trace id (the gateway's `trace-id` trailer,
        else ErrorInfo's `trace_id`), "" when unknown: quote it to the
        gateway's operators beside Kling's request_id.
    """

    def __init__(self, code, message, details=(), trace_id=""):
        super().__init__("%s: %s" % (code.name, message))
        self.code = code
        self.message = message
        self.details = list(details)
        self.field_violations = []
        self.reason = ""
        self.domain = ""
        self.metadata = {}
        self.retry_delay = None
        for d in self.details:
            name = d.DESCRIPTOR.full_name
            if name == "google.rpc.BadRequest":
                self.field_violations.extend(
                    FieldViolation(v.field, v.description)
                    for v in d.field_violations)
            elif name == "google.rpc.ErrorInfo":
                self.reason, self.domain = d.reason, d.domain
                self.metadata = dict(d.metadata)
            elif name == "google.rpc.RetryInfo":
                self.retry_delay = (d.retry_delay.seconds +
                                    d.retry_delay.nanos / 1e9)
        self.trace_id = trace_id or self.metadata.get("trace_id", "")

    def describe(self):
        """Multi-line text for logs: code, message, reason and violations."""
        lines = ["%s: %s" % (self.code.name, self.message)]
        if self.reason:
            lines.append("reason: %s (domain %s) %s" % (
                self.reason, self.domain,
                json.dumps(self.metadata, sort_keys=True)))
        if self.retry_delay is not None:
            lines.append("retry after: %.3fs" % self.retry_delay)
        for v in self.field_violations:
            lines.append("field violation: %s: %s" % (v.field, v.description))
        if self.trace_id:
            lines.append("trace id: %s" % self.trace_id)
        return "\n".join(lines)


def decode_status_details(trailing_metadata):
    """Returns the detail messages of the google.rpc.Status carried in the
    `grpc-status-details-bin` trailer (an empty list when there is none).
    Details of unknown types are skipped."""
    load_generated()
    for key, value in trailing_metadata or ():
        if key == STATUS_DETAILS_KEY:
            status = status_pb2.Status.FromString(value)
            return [m for m in map(_unpack_any, status.details)
                    if m is not None]
    return []


def _unpack_any(any_msg):
    type_name = any_msg.type_url[len(_TYPE_URL_PREFIX):] if \
        any_msg.type_url.startswith(_TYPE_URL_PREFIX) else any_msg.type_url
    for cls in (error_details_pb2.BadRequest, error_details_pb2.ErrorInfo,
                error_details_pb2.RetryInfo, error_details_pb2.DebugInfo,
                error_details_pb2.QuotaFailure,
                error_details_pb2.PreconditionFailure,
                error_details_pb2.ResourceInfo, error_details_pb2.Help,
                error_details_pb2.LocalizedMessage,
                error_details_pb2.RequestInfo):
        if cls.DESCRIPTOR.full_name == type_name:
            msg = cls()
            any_msg.Unpack(msg)
            return msg
    return None


def error_from_rpc(error):
    """Converts a grpc.RpcError (a failed call) into a LipSyncError."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = error.details() if hasattr(error, "details") else str(error)
    trailers = error.trailing_metadata() if hasattr(
        error, "trailing_metadata") else ()
    return LipSyncError(code, message or "", decode_status_details(trailers),
                        trace_id_of(trailers))


def trace_id_of(trailing_metadata):
    """The `trace-id` the gateway answered on every call ("" if none)."""
    for key, value in trailing_metadata or ():
        if key == TRACE_ID_TRAILER:
            return value
    return ""


def new_trace_id():
    """A random W3C trace id: 32 lower-case hex characters."""
    return secrets.token_hex(16)


def traceparent(trace_id):
    """A W3C traceparent for one call of the trace `trace_id`: a new span
    id each time; flags 00 (this client records no spans)."""
    return "00-%s-%s-00" % (trace_id, secrets.token_hex(8))


def new_request_id():
    """A fresh idempotency key for CreateLipSyncTask (a UUIDv4)."""
    return str(uuid.uuid4())


class LipSyncClient:
    """Typed, blocking calls to one gateway. Thread-safe (as the channel is).

    Args:
      target: "host:port" of the gateway.
      timeout: default deadline of unary calls, in seconds.
      tls: use TLS (root_certificates: PEM bytes, None = system roots).
      token: optional bearer token sent as `authorization` metadata (for
        an ingress in front of the gateway; the gateway itself needs none).
      trace_id: the W3C trace id every call joins (a `traceparent` is sent
        on each call); None: a new one for this client (`self.trace_id`).
    """

    def __init__(self, target, timeout=30.0, tls=False, root_certificates=None,
                 token=None, trace_id=None):
        load_generated()
        options = [
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.service_config", json.dumps(SERVICE_CONFIG)),
            ("grpc.enable_retries", 1),
        ]
        if tls:
            creds = grpc.ssl_channel_credentials(root_certificates)
            self._channel = grpc.secure_channel(target, creds, options)
        else:
            self._channel = grpc.insecure_channel(target, options)
        self._stub = lipsync_pb2_grpc.LipSyncServiceStub(self._channel)
        self._timeout = timeout
        self._metadata = (("authorization", "Bearer " + token),) if token \
            else ()
        self.trace_id = trace_id or new_trace_id()
        self._last = threading.local()

    def _call_metadata(self):
        return self._metadata + (("traceparent",
                                  traceparent(self.trace_id)),)

    def last_trace_id(self):
        """The trace id the gateway answered (`trace-id` trailer) for this
        thread's latest successful unary call; "" before any."""
        return getattr(self._last, "trace_id", "")

    def close(self):
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def wait_ready(self, timeout=10.0):
        """Blocks until the channel is connected (or raises
        grpc.FutureTimeoutError)."""
        grpc.channel_ready_future(self._channel).result(timeout=timeout)

    def _unary(self, method, request, timeout):
        try:
            response, call = method.with_call(
                request, timeout=timeout or self._timeout,
                metadata=self._call_metadata())
            self._last.trace_id = trace_id_of(call.trailing_metadata())
            return response
        except grpc.RpcError as e:
            raise error_from_rpc(e) from None

    def identify_face(self, video_url="", video_id="", timeout=None):
        """IdentifyFace (billed upstream): exactly one of video_url and
        video_id. Returns IdentifyFaceResponse."""
        request = lipsync_pb2.IdentifyFaceRequest(video_url=video_url,
                                                  video_id=video_id)
        return self._unary(self._stub.IdentifyFace, request, timeout)

    def create_task(self, request=None, timeout=None, **fields):
        """CreateLipSyncTask (billed upstream). Pass a
        CreateLipSyncTaskRequest or its fields as keyword arguments
        (face_choose as dicts or FaceChoose messages). A request_id
        (idempotency key) is added when missing: to retry after an error
        such as UNAVAILABLE, send the same request (same request_id) again.
        Returns LipSyncTask."""
        if request is None:
            request = lipsync_pb2.CreateLipSyncTaskRequest(**fields)
        if not request.request_id:
            request.request_id = new_request_id()
        return self._unary(self._stub.CreateLipSyncTask, request, timeout)

    def get_task(self, task_id="", external_task_id="", timeout=None):
        """GetLipSyncTask (retried on UNAVAILABLE). Returns LipSyncTask."""
        request = lipsync_pb2.GetLipSyncTaskRequest(
            task_id=task_id, external_task_id=external_task_id)
        return self._unary(self._stub.GetLipSyncTask, request, timeout)

    def list_tasks(self, page_num=0, page_size=0, timeout=None):
        """ListLipSyncTasks, newest first. Returns ListLipSyncTasksResponse."""
        request = lipsync_pb2.ListLipSyncTasksRequest(page_num=page_num,
                                                      page_size=page_size)
        return self._unary(self._stub.ListLipSyncTasks, request, timeout)

    def watch_task(self, task_id="", external_task_id="", timeout=600.0):
        """WatchLipSyncTask: yields the task at once and on every status
        change; ends after a terminal status (succeed / failed). `timeout`
        bounds the whole stream (DEADLINE_EXCEEDED past it)."""
        request = lipsync_pb2.WatchLipSyncTaskRequest(
            task_id=task_id, external_task_id=external_task_id)
        stream = self._stub.WatchLipSyncTask(request, timeout=timeout,
                                             metadata=self._call_metadata())
        try:
            for task in stream:
                yield task
        except grpc.RpcError as e:
            raise error_from_rpc(e) from None
        finally:
            stream.cancel()


def status_name(value):
    """TaskStatus number -> name, e.g. 3 -> "TASK_STATUS_SUCCEED"."""
    load_generated()
    return lipsync_pb2.TaskStatus.Name(value)


def is_terminal(task):
    load_generated()
    return task.task_status in (lipsync_pb2.TASK_STATUS_SUCCEED,
                                lipsync_pb2.TASK_STATUS_FAILED)
