#!/usr/bin/python3
"""The lip-sync workflow through lipsync-gateway, in Python.

    /usr/bin/python3 clients/python/example.py --target 127.0.0.1:50051 \
        [--video_url URL] [--gen_dir DIR]

1. IdentifyFace on a video URL -> session_id and faces.
2. CreateLipSyncTask with the seed's values (audio_id, trim 0..5000 ms,
   volumes 1.0) on the first face, inserted at the start of the face's
   interval (trim shortened if the interval is shorter than 5 s).
3. WatchLipSyncTask until succeed / failed; prints the result URL.
4. One invalid create (trim of 1999 ms, volume 2.5): prints the
   google.rpc.BadRequest field violations the gateway answers with.

Exit status 0 when the task succeeded and the invalid request was refused
with field violations.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lipsync_client as lc  # noqa: E402

# From the upstream's request example (seed-advanced-lip-sync).
SEED_AUDIO_ID = "825451760499568680"
SEED_TRIM_MS = 5000


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--target", default="127.0.0.1:50051")
    parser.add_argument("--video_url",
                        default="https://example.com/videos/presenter.mp4")
    parser.add_argument("--gen_dir", default=None,
                        help="OUT_DIR of generate.sh (default: "
                        "$LIPSYNC_PY_GEN_DIR or a temp dir)")
    parser.add_argument("--watch_timeout", type=float, default=120.0)
    args = parser.parse_args()

    lc.load_generated(args.gen_dir)
    pb = lc.lipsync_pb2
    with lc.LipSyncClient(args.target, timeout=30.0) as client:
        client.wait_ready()

        # Every call of this client joins one W3C trace (a traceparent is
        # sent on each); the gateway logs the trace id, sends it upstream
        # and answers it (trailer `trace-id`, ErrorInfo `trace_id`).
        print("trace: trace_id=%s" % client.trace_id)

        # 1. Identify.
        faces = client.identify_face(video_url=args.video_url)
        print("identify: session_id=%s faces=%d request_id=%s" %
              (faces.session_id, len(faces.face_data), faces.request_id))
        for f in faces.face_data:
            print("face: face_id=%s interval=[%d, %d] ms" %
                  (f.face_id, f.start_time, f.end_time))
        if not faces.face_data:
            print("no face to lip-sync", file=sys.stderr)
            return 1
        face = faces.face_data[0]

        # 2. Create: the seed's values on that face.
        trim = min(SEED_TRIM_MS, face.end_time - face.start_time)
        choice = pb.FaceChoose(
            face_id=face.face_id, audio_id=SEED_AUDIO_ID,
            sound_start_time=0, sound_end_time=trim,
            sound_insert_time=face.start_time, sound_volume=1.0,
            original_audio_volume=1.0)
        request = pb.CreateLipSyncTaskRequest(
            session_id=faces.session_id, face_choose=[choice],
            request_id=lc.new_request_id())
        task = client.create_task(request)
        print("create: task_id=%s status=%s idempotency_key=%s trace_id=%s" %
              (task.task_id, lc.status_name(task.task_status),
               request.request_id, client.last_trace_id()))

        # 3. Watch to a terminal status.
        last = None
        for update in client.watch_task(task_id=task.task_id,
                                        timeout=args.watch_timeout):
            last = update
            print("watch: %s" % lc.status_name(update.task_status))
        if last is None or not lc.is_terminal(last):
            print("watch ended before a terminal status", file=sys.stderr)
            return 1
        if last.task_status != pb.TASK_STATUS_SUCCEED:
            print("task failed: %s" % last.task_status_msg)
            return 1
        for video in last.task_result.videos:
            print("result: %s (duration %ss)" % (video.url, video.duration))
        succeeded = len(last.task_result.videos) > 0

        # 4. An invalid request: every broken field is reported at once.
        bad = pb.CreateLipSyncTaskRequest()
        bad.CopyFrom(request)
        bad.request_id = lc.new_request_id()
        bad.face_choose[0].sound_end_time = 1999  # trim < 2000 ms
        bad.face_choose[0].sound_volume = 2.5  # outside [0, 2]
        try:
            client.create_task(bad)
            print("invalid request was accepted", file=sys.stderr)
            return 1
        except lc.LipSyncError as e:
            print("invalid: " + e.describe().replace("\n", "\ninvalid: "))
            refused = (e.code.name == "INVALID_ARGUMENT" and
                       len(e.field_violations) > 0)
    return 0 if succeeded and refused else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except lc.LipSyncError as e:
        print("error: " + e.describe(), file=sys.stderr)
        sys.exit(1)
