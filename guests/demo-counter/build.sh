#!/usr/bin/env bash
# Builds guests/demo-counter/disk.img (32768 bytes) from boot.asm (see README.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
../nasm-image.sh boot.asm disk.img 32768 boot
