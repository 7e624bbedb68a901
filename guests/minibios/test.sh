#!/usr/bin/env bash
# Boot the guests of guests/pc-boot, guests/demo-counter and guests/demo-primes on the minibios
# under l4vm (and under qemu-system-i386 -M isapc when it is installed) and check what they
# print. Run from anywhere after `npx tsc -p tsconfig.json`; exit status 0 if all passed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
fail=0
l4vm=(./bin/l4vm run --machine pc --bios guests/minibios/bios.bin --vgabios none --display none --serial stdio)

expect() {                      # expect NAME FILE EXPECTED-TEXT: COM1 (CR LF -> LF) must equal it
    local got
    got="$(tr -d '\r' < "$2")"
    if [ "$got" = "$3" ]; then echo "ok   $1"; else
        echo "FAIL $1"; diff <(echo "$3") <(echo "$got") || true; fail=1; fi
}

pc_boot='l4vm minibios
L4VM: boot sector running
L4VM: stage 2 running
key 1E 61
key 1E 41
key 02 31
key 02 21
key 1C 0D
L4VM: keys done
L4VM: disk write ok
L4VM: pattern drawn'
"${l4vm[@]}" --hda guests/pc-boot/disk.img --keys 'aA1!{Enter}' --until 'pattern drawn' --timeout 60 \
    --screenshot "$out/pc-boot.png" > "$out/pc-boot.txt"
expect 'l4vm: pc-boot COM1' "$out/pc-boot.txt" "$pc_boot"
python3 guests/minibios/png2ppm.py "$out/pc-boot.png" "$out/pc-boot.ppm"
if python3 guests/pc-boot/check-screendump.py "$out/pc-boot.ppm" > "$out/check.txt"; then
    echo 'ok   l4vm: pc-boot mode 12h screenshot'; else echo 'FAIL l4vm: pc-boot mode 12h screenshot'; fail=1; fi

counter='l4vm minibios
key 1E 61
key 30 42
key 1C 0D
key 48 00
key 01 1B
counter: 1
counter: 2
counter: 3'
"${l4vm[@]}" --hda guests/demo-counter/disk.img --keys 'aB{Enter}{Up}{Escape}' --until 'counter: 3' \
    --timeout 60 --screen-text > "$out/counter.txt"
expect 'l4vm: demo-counter COM1' <(sed -n '1,9p' "$out/counter.txt") "$counter"
if grep -q '^l4vm demo: counter' "$out/counter.txt" && grep -q '^last key: 01 1B' "$out/counter.txt"; then
    echo 'ok   l4vm: demo-counter screen'; else echo 'FAIL l4vm: demo-counter screen'; fail=1; fi

primes='l4vm minibios
prime 1000: 7919
prime 2000: 17389
prime 3000: 27449
prime 4000: 37813
prime 5000: 48611
prime 6000: 59359
prime 7000: 70657
prime 8000: 81799
prime 9000: 93179
prime 10000: 104729
primes done'
"${l4vm[@]}" --hda guests/demo-primes/disk.img --until 'primes done' --timeout 120 > "$out/primes.txt"
expect 'l4vm: demo-primes COM1' "$out/primes.txt" "$primes"

if command -v qemu-system-i386 > /dev/null; then
    if python3 guests/pc-boot/qemu-compare.py --out "$out/qemu" -- -bios guests/minibios/bios.bin \
            > "$out/qemu.txt" 2>&1 || true; then
        expect 'qemu: pc-boot COM1' "$out/qemu/com1.txt" "$pc_boot"
        if grep -q '^OK: all 307200 pixels match' "$out/qemu.txt"; then
            echo 'ok   qemu: pc-boot mode 12h screendump'; else echo 'FAIL qemu: pc-boot mode 12h screendump'; fail=1; fi
    fi
    timeout 20 qemu-system-i386 -M isapc -m 32 -bios guests/minibios/bios.bin -display none \
        -drive file=guests/demo-primes/disk.img,format=raw,if=ide,snapshot=on -serial "file:$out/qp.txt" \
        -monitor none > /dev/null 2>&1 &
    qemu=$!
    for _ in $(seq 100); do grep -q 'primes done' "$out/qp.txt" 2> /dev/null && break; sleep 0.2; done
    kill "$qemu" 2> /dev/null || true
    wait "$qemu" 2> /dev/null || true
    expect 'qemu: demo-primes COM1' <(sed -n '1,12p' "$out/qp.txt") "$primes"
else
    echo 'skip qemu: qemu-system-i386 is not installed'
fi
exit $fail
