#!/usr/bin/env bash
# Builds guests/minibios/bios.bin (exactly 65536 bytes) from bios.asm; font.inc comes from
# make-font.py (committed, so the build needs only nasm).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
../nasm-image.sh bios.asm bios.bin 65536
