// guests/virt-demo, the bare-metal ARM guest of the virt machine, run the same way under
// `qemu-system-arm -M virt -cpu cortex-a15 -nographic` (Debian's qemu-system-arm, QEMU 7.2) and
// under `l4vm run --machine virt`, with the same keys: the two transcripts must be the same byte
// for byte, except the one line that tells the time.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const FLASH = join(root, 'guests/virt-demo/flash.bin');
const DISK = join(root, 'guests/virt-demo/disk.img');

/** What is typed: as `--keys` text, and as the bytes a terminal sends for it. */
const KEYS: [string, string][] = [
  ['help{Enter}', 'help\r'],
  ['disk 5{Enter}', 'disk 5\r'],
  ['uptime{Enter}', 'uptime\r'],
  ['bogus x{Enter}', 'bogus x\r'],
  ['disk 99{Enter}', 'disk 99\r'],
  ['disk{Enter}', 'disk\r'],
  ['dixk{Backspace}{Backspace}sk 1{Enter}', 'dixk\x7f\x7fsk 1\r'],
  ['abc{Ctrl-C}', 'abc\x03'],
  ['{Up}{Left}  disk   0  {Enter}', '\x1b[A\x1b[D  disk   0  \r'],
  ['poweroff{Enter}', 'poweroff\r'],
];

/** The uptime line depends on the host's clock (the PL031 counts real seconds under QEMU). */
function normalise(transcript: string): string {
  return transcript.replace(/up \d+:\d\d:\d\d, PL031 RTC \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/, 'up H:MM:SS, PL031 RTC YYYY-MM-DD HH:MM:SS UTC');
}

/**
 * QEMU with the keys on standard input (-nographic's serial), all at once as soon as the prompt
 * shows: QEMU hands the PL011 only what its FIFO takes. Not earlier: the guest's UART set-up
 * (FIFOs on) empties the receive FIFO, as a byte typed before it is lost on real hardware too.
 */
function runQemu(): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'qemu-system-arm',
      ['-M', 'virt', '-cpu', 'cortex-a15', '-m', '256M', '-bios', FLASH, '-drive', `if=none,file=${DISK},format=raw,id=d0,readonly=on`, '-device', 'virtio-blk-device,drive=d0', '-nographic'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let typed = false;
    const timer = setTimeout(() => child.kill(), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('latin1');
      if (!typed && stdout.includes('Type help and Enter.\r\nvirt-demo> ')) {
        typed = true;
        child.stdin.end(Buffer.from(KEYS.map(([, bytes]) => bytes).join(''), 'latin1'));
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('latin1')));
    child.on('error', (error) => reject(new Error(`qemu-system-arm runs (Debian's qemu-system-arm): ${error.message}`)));
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

test('GUEST0002 guests/virt-demo prints the same under qemu-system-arm -M virt and l4vm run --machine virt: banner, disk text through virtio-blk, echo and commands', async () => {
  const qemu = await runQemu();
  assert.equal(qemu.status, 0, `the guest powers QEMU off: ${qemu.stderr}`);

  const ours = spawnSync(
    join(root, 'bin/l4vm'),
    ['run', '--machine', 'virt', '-m', '256M', '--bios', FLASH, '--hda', DISK, '--display', 'none', '--serial', 'stdio', '--keys', KEYS.map(([keys]) => keys).join(''), '--timeout', '60'],
    { encoding: 'latin1', timeout: 90_000 },
  );
  assert.equal(ours.status, 0, `the guest powers l4vm's machine off: ${ours.stderr}`);

  const expected = normalise(qemu.stdout);
  assert.match(expected, /^\r\nl4vm virt-demo: a bare-metal program for the ARM virt board\r\n/);
  assert.match(expected, /virtio-mmio: transport 31 at 0x0a003e00: virtio-blk, version 1, vendor QEMU, interrupt 79\r\nvirtio-blk: 64 sectors \(32 KiB\)/);
  assert.match(expected, /disk sectors 0-3:\r\nHello from the disk of l4vm's virt-demo!\r\n/);
  const shows = (text: string): void => assert.ok(expected.includes(text), `QEMU's transcript has ${JSON.stringify(text)}:\n${expected}`);
  shows('virt-demo> disk 5\r\n000a00  6c 34 76 6d 20 76 69 72 74 2d 64 65 6d 6f 20 64  |l4vm virt-demo d|\r\n');
  shows('virt-demo> dixk\b \b\b \bsk 1\r\n000200 ');
  shows('virt-demo> abc^C\r\nvirt-demo>   disk   0  \r\n000000  48 65 6c 6c 6f');
  assert.match(expected, /virt-demo> poweroff\r\npowering off\r\n$/);
  assert.equal(normalise(ours.stdout), expected);
});
