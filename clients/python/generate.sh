#!/bin/sh
# Generates the Python code for kling.lipsync.v1 and the google.rpc error
# detail types into OUT_DIR/lipsync_gen (never committed).
#
#   clients/python/generate.sh OUT_DIR
#
# The generated modules keep their proto package paths (kling/lipsync/v1,
# google/rpc) under OUT_DIR/lipsync_gen, a directory of its own that callers
# put on sys.path (lipsync_client.py does it), so that nothing generated can
# shadow an installed package such as `grpc`.
#
# Uses the system protoc (3.21: proto3 `optional` needs >= 3.15, so not the
# protoc 3.5 bundled in python3-grpc-tools) and grpc_python_plugin from
# protobuf-compiler-grpc. Override with PROTOC, GRPC_PYTHON_PLUGIN and
# GOOGLEAPIS_PROTO_ROOT.
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$1/lipsync_gen"
protoc=${PROTOC:-protoc}
plugin=${GRPC_PYTHON_PLUGIN:-/usr/bin/grpc_python_plugin}
googleapis=${GOOGLEAPIS_PROTO_ROOT:-/usr/share/gocode/src/github.com/gogo/googleapis}

for need in "$plugin" "$googleapis/google/rpc/status.proto"; do
  if [ ! -e "$need" ]; then
    echo "generate.sh: $need is missing (Debian: protobuf-compiler-grpc," \
         "golang-github-gogo-googleapis-dev)" >&2
    exit 1
  fi
done

mkdir -p "$out"
"$protoc" -I "$repo/proto" -I "$googleapis" \
  --python_out="$out" --grpc_python_out="$out" \
  --plugin=protoc-gen-grpc_python="$plugin" \
  kling/lipsync/v1/lipsync.proto google/rpc/error_details.proto \
  google/rpc/status.proto google/rpc/code.proto
