#!/usr/bin/env bash
# Assembles one guest image with nasm and checks it: the shared part of every guest's build.sh.
#   nasm-image.sh SOURCE.asm OUTPUT SIZE [boot]
# SIZE is the exact size in bytes the image must have; "boot" also checks the 55 AA boot signature
# at offset 510. Reproducible: nasm -f bin output depends only on the sources. The image is
# written under a temporary name and renamed, so a failed build leaves the old one.
set -euo pipefail
source=$1 output=$2 expected=$3 kind=${4:-}
nasm -f bin -w+all -o "$output.tmp" "$source"
size=$(stat -c %s "$output.tmp")
if [ "$size" -ne "$expected" ]; then
    echo "$output is $size bytes, expected $expected" >&2
    rm -f "$output.tmp"
    exit 1
fi
if [ "$kind" = boot ]; then
    sig=$(od -An -tx1 -j510 -N2 "$output.tmp" | tr -d ' ')
    [ "$sig" = "55aa" ] || { echo "$output: boot signature is $sig, not 55aa" >&2; rm -f "$output.tmp"; exit 1; }
fi
mv "$output.tmp" "$output"
echo "$output: $size bytes, sha256 $(sha256sum "$output" | cut -d' ' -f1)"
