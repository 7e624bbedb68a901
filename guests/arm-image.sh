#!/usr/bin/env bash
# Compiles and links one bare-metal ARM guest image and checks it: the ARM counterpart of
# nasm-image.sh, shared by every ARM guest's build.sh.
#   arm-image.sh OUTPUT SIZE LINKER_SCRIPT SOURCE...
# SOURCE files are C (.c) or assembly with the C preprocessor (.S), built with Debian's
# gcc-arm-linux-gnueabihf for what the l4vm ARM core runs today: ARM state only (no Thumb), no
# VFP/NEON (soft-float, no FP registers touched), no unaligned accesses (with the MMU off every
# access is Device memory, where an unaligned one faults), freestanding, no libc or libgcc (a call
# the compiler would make into libgcc fails the link). The flat image (objcopy -O binary, from the
# sections' load addresses) is padded with 0xFF, as erased flash reads, to exactly SIZE bytes.
# Reproducible: no debug information, no time stamps, no paths in the image. The image is written
# under a temporary name and renamed, so a failed build leaves the old one.
set -euo pipefail
output=$1 expected=$2 script=$3
shift 3
prefix=arm-linux-gnueabihf-
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(-marm -mcpu=cortex-a15 -mfloat-abi=soft -mno-unaligned-access -mno-thumb-interwork
       -ffreestanding -fno-builtin -fno-pic -fno-common -fno-stack-protector -fno-exceptions
       -fno-unwind-tables -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns
       -Os -g0 -std=c11 -Wall -Wextra -Werror)
objects=()
for source in "$@"; do
    object=$work/$(basename "${source%.*}").o
    "${prefix}gcc" "${flags[@]}" -c -o "$object" "$source"
    objects+=("$object")
done
"${prefix}ld" -nostdlib --no-undefined -T "$script" -o "$work/image.elf" "${objects[@]}"
"${prefix}objcopy" -O binary --gap-fill 0xff --pad-to "$expected" "$work/image.elf" "$output.tmp"
size=$(stat -c %s "$output.tmp")
if [ "$size" -ne "$expected" ]; then
    echo "$output is $size bytes, more than the $expected it must fit in: raise SIZE in build.sh" >&2
    rm -f "$output.tmp"
    exit 1
fi
chmod 644 "$output.tmp"
mv "$output.tmp" "$output"
echo "$output: $size bytes, sha256 $(sha256sum "$output" | cut -d' ' -f1)"
