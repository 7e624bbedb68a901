#!/usr/bin/env python3
"""Boot disk.img under qemu-system-i386 -M isapc as the reference, drive it through the
QEMU monitor and check the result. Standard library only; needs qemu-system-i386.

  1. boots with -snapshot (the guest's disk-write test must not change disk.img),
  2. when COM1 shows "stage 2 running": dumps the text screen (monitor `xp` of 0xB8000)
     and a screendump; types a, shift-a, 1, shift-1 and dumps them again; then Enter,
  3. when COM1 shows "pattern drawn": screendump of mode 12h, checked by check-screendump.py,
  4. prints the COM1 transcript and compares it with the expected one.

Usage: qemu-compare.py [--out DIR] [-- extra qemu args, e.g. -vga std]
Exit status 0 if COM1 and the screendump are as expected.
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED_COM1 = (
    'L4VM: boot sector running\r\n'
    'L4VM: stage 2 running\r\n'
    'key 1E 61\r\n'
    'key 1E 41\r\n'
    'key 02 31\r\n'
    'key 02 21\r\n'
    'key 1C 0D\r\n'
    'L4VM: keys done\r\n'
    'L4VM: disk write ok\r\n'
    'L4VM: pattern drawn\r\n'
)


class Monitor:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        for _ in range(50):
            try:
                self.sock.connect(path)
                break
            except OSError:
                time.sleep(0.1)
        self.sock.settimeout(0.3)
        self.command('')

    def command(self, line):
        self.sock.sendall((line + '\n').encode())
        time.sleep(0.2)
        out = b''
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    break
                out += data
        except socket.timeout:
            pass
        return out.decode(errors='replace')


def text_screen(mon):
    """The 80x25 text screen from guest memory at 0xB8000: (rows, attribute bytes)."""
    out = mon.command('xp /1000xw 0xb8000')
    words = [int(w, 16) for w in re.findall(r'\b0x([0-9a-f]{8})\b', out.split('0xb8000', 1)[-1])]
    cells = []
    for w in words:
        cells += [w & 0xFFFF, w >> 16]
    rows = [''.join(chr(c & 0xFF) if 32 <= (c & 0xFF) < 127 else ' ' for c in cells[r * 80:(r + 1) * 80]).rstrip()
            for r in range(25)]
    return rows, [c >> 8 for c in cells]


def wait_for(path, needle, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if needle in open(path, 'rb').read():
            return True
        time.sleep(0.2)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=tempfile.mkdtemp(prefix='pc-boot-'))
    ap.add_argument('qemu_args', nargs='*')
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    com1 = os.path.join(args.out, 'com1.txt')
    mon_path = os.path.join(args.out, 'mon.sock')
    open(com1, 'wb').close()
    cmd = ['qemu-system-i386', '-M', 'isapc', '-m', '32', '-snapshot',
           '-drive', f'file={os.path.join(HERE, "disk.img")},format=raw,if=ide',
           '-display', 'none', '-serial', f'file:{com1}',
           '-monitor', f'unix:{mon_path},server,nowait'] + args.qemu_args
    print(' '.join(cmd))
    qemu = subprocess.Popen(cmd)
    ok = True
    try:
        mon = Monitor(mon_path)
        if not wait_for(com1, b'stage 2 running'):
            print('FAIL: no "stage 2 running" on COM1')
            return 1
        time.sleep(0.5)
        for name, keys in (('prompt', []), ('keys', ['a', 'shift-a', '1', 'shift-1'])):
            for k in keys:
                mon.command('sendkey ' + k)
                time.sleep(0.2)
            time.sleep(0.5)
            rows, attrs = text_screen(mon)
            with open(os.path.join(args.out, f'text-{name}.txt'), 'w') as f:
                f.write('\n'.join(rows) + '\n')
            mon.command(f'screendump {os.path.join(args.out, f"text-{name}.ppm")}')
            print(f'--- text screen ({name}), row 10 attribute(s) {sorted(set(attrs[800:818]))}:')
            print('\n'.join(rows).rstrip('\n'))
        mon.command('sendkey ret')
        if not wait_for(com1, b'pattern drawn'):
            print('FAIL: no "pattern drawn" on COM1')
            ok = False
        else:
            time.sleep(0.5)
            ppm = os.path.join(args.out, 'mode12h.ppm')
            mon.command(f'screendump {ppm}')
            time.sleep(0.5)
            print('--- check-screendump.py:')
            ok &= subprocess.call([sys.executable, os.path.join(HERE, 'check-screendump.py'), ppm]) == 0
        mon.command('quit')
    finally:
        try:
            qemu.wait(timeout=10)
        except subprocess.TimeoutExpired:
            qemu.kill()
    transcript = open(com1, 'rb').read().decode(errors='replace')
    print('--- COM1:')
    print(transcript, end='')
    if transcript != EXPECTED_COM1:
        print('FAIL: COM1 differs from the expected transcript')
        ok = False
    print(f'--- files in {args.out}')
    print('OK' if ok else 'FAIL')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
