#!/usr/bin/env bash
# Builds guests/virt-demo/flash.bin (16384 bytes) from start.S and main.c, and disk.img (32768
# bytes, 64 sectors) from disk.txt (see README.md). With a directory argument the two files are
# written there instead (test GUEST0001 rebuilds them and compares).
set -euo pipefail
out=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")}" && pwd)
cd "$(dirname "${BASH_SOURCE[0]}")"
../arm-image.sh "$out/flash.bin" 16384 virt-demo.ld start.S main.c

# The disk: disk.txt in sectors 0-3 (NUL-padded; it must leave at least one NUL), then sectors
# 4-63 each beginning with a line naming it.
text_size=$(stat -c %s disk.txt)
if [ "$text_size" -ge 2048 ]; then
    echo "disk.txt is $text_size bytes; it must fit sectors 0-3 with a NUL after it (at most 2047)" >&2
    exit 1
fi
disk=$out/disk.img.tmp
head -c 32768 /dev/zero > "$disk"
dd if=disk.txt of="$disk" conv=notrunc status=none
for sector in $(seq 4 63); do
    printf 'l4vm virt-demo disk, sector %d of 64\n' "$sector" | dd of="$disk" bs=512 seek="$sector" conv=notrunc status=none
done
mv "$disk" "$out/disk.img"
echo "$out/disk.img: 32768 bytes, sha256 $(sha256sum "$out/disk.img" | cut -d' ' -f1)"
