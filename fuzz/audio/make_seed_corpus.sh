#!/usr/bin/env bash
# Writes small real audio files, one directory per fuzz target, as seeds:
#   fuzz/audio/make_seed_corpus.sh OUT_DIR
# Needs sox, libsox-fmt-mp3 and ffmpeg (the same tools as the tests).
set -euo pipefail
out="${1:?usage: $0 OUT_DIR}"
mkdir -p "$out"/{wav,mp3,m4a,adts,sniff}
ff() { ffmpeg -nostdin -hide_banner -v error -y "$@"; }
sine() { echo "sine=frequency=440:sample_rate=$1:duration=$2"; }

ff -f lavfi -i "$(sine 8000 0.2)" -c:a pcm_u8 "$out/wav/u8.wav"
ff -f lavfi -i "$(sine 8000 0.2)" -ac 4 -c:a pcm_s16le "$out/wav/ext4ch.wav"
ff -f lavfi -i "$(sine 8000 0.2)" -rf64 always "$out/wav/rf64.wav"
ff -f lavfi -i "$(sine 8000 0.2)" -c:a adpcm_ima_wav "$out/wav/adpcm.wav"
sox -n -r 8000 -c 1 -b 32 -e floating-point "$out/wav/f32.wav" synth 0.2 sine 440

ff -f lavfi -i "$(sine 8000 0.5)" -c:a libmp3lame -b:a 8k "$out/mp3/info.mp3"
ff -f lavfi -i "$(sine 16000 0.5)" -c:a libmp3lame -q:a 9 -write_id3v1 1 "$out/mp3/vbr.mp3"
ff -f lavfi -i "$(sine 8000 0.5)" -c:a libmp3lame -b:a 8k -write_xing 0 -id3v2_version 0 "$out/mp3/bare.mp3"
ff -f lavfi -i "$(sine 8000 0.5)" -c:a mp2 -b:a 32k -ar 16000 -f mp2 "$out/mp3/layer2.mp2"

ff -f lavfi -i "$(sine 8000 0.3)" -c:a aac -b:a 8k "$out/m4a/plain.m4a"
ff -f lavfi -i "$(sine 8000 0.3)" -c:a aac -b:a 8k -movflags +faststart "$out/m4a/faststart.m4a"
ff -f lavfi -i "$(sine 8000 0.3)" -c:a aac -b:a 8k -movflags frag_keyframe+empty_moov "$out/m4a/fragmented.m4a"

ff -f lavfi -i "$(sine 8000 0.3)" -c:a aac -b:a 8k "$out/adts/plain.aac"
ff -f lavfi -i "$(sine 8000 0.3)" -c:a aac -b:a 8k -write_id3v2 1 -f adts "$out/adts/id3.aac"

cp "$out"/{wav,mp3,m4a,adts}/* "$out/sniff/"
echo "seeds in $out: $(find "$out" -type f | wc -l) files"
