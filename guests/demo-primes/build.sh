#!/usr/bin/env bash
# Build guests/demo-primes/disk.img (32768 bytes). Reproducible: nasm -f bin output
# depends only on the source.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
nasm -f bin -w+all -o disk.img.tmp boot.asm
size=$(stat -c %s disk.img.tmp)
if [ "$size" -ne 32768 ]; then
    echo "build.sh: disk.img is $size bytes, expected 32768" >&2
    rm -f disk.img.tmp
    exit 1
fi
mv disk.img.tmp disk.img
sig=$(od -An -tx1 -j510 -N2 disk.img | tr -d ' ')
[ "$sig" = "55aa" ] || { echo "build.sh: boot signature is $sig" >&2; exit 1; }
echo "disk.img: $size bytes, sha256 $(sha256sum disk.img | cut -d' ' -f1)"
