#!/usr/bin/env bash
# Build guests/minibios/bios.bin (exactly 65536 bytes) from bios.asm.
# Reproducible: nasm -f bin output depends only on the source.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
nasm -f bin -w+all -o bios.bin.tmp bios.asm
size=$(stat -c %s bios.bin.tmp)
if [ "$size" -ne 65536 ]; then
    echo "build.sh: bios.bin is $size bytes, expected 65536" >&2
    rm -f bios.bin.tmp
    exit 1
fi
mv bios.bin.tmp bios.bin
echo "bios.bin: $size bytes, sha256 $(sha256sum bios.bin | cut -d' ' -f1)"
