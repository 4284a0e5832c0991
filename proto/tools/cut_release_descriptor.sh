#!/bin/sh
# Records the current schema as "the last release": writes the
# FileDescriptorSet that proto/tools/breaking_check.py compares against.
# Run it when a version of the API is released, and commit the result:
#
#   proto/tools/cut_release_descriptor.sh     # -> proto/descriptors/lipsync_v1.pb
#
# No source info (comments may change freely between releases); imports
# included so that the set is self-contained.
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
out="$repo/proto/descriptors/lipsync_v1.pb"
mkdir -p "$(dirname "$out")"
"${PROTOC:-protoc}" -I "$repo/proto" --include_imports \
  --descriptor_set_out="$out" kling/lipsync/v1/lipsync.proto
echo "wrote $out"
