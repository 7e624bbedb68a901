// Scenario tests of the whole system: configurations of several VMs under the microkernel with
// their servers, run until a pattern appears on a VM's screen or serial port (Genode's run
// scripts are the model). The guests are the ones in guests/ on l4vm's minibios, plus two small
// boot sectors in test/system/guests/ that break things on purpose.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { L4vm } from '../../src/api/l4vm.js';
import { keyToTerminalBytes, textToKeyStrokes, PREFIX_KEY } from '../../src/host/terminal-keys.js';
import { Recorder } from '../../src/host/recorder.js';
import type { Sys } from '../../src/kernel/syscalls.js';
import { System } from '../../src/kernel/system.js';
import { boot } from '../../src/servers/root/root.js';
import { buildSystem } from '../../src/servers/root/system.js';
import { validateSystemConfig } from '../../src/servers/root/vm-config.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'l4vm-system-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const MINIBIOS = join(root, 'guests/minibios/bios.bin');
const firmware = { bios: MINIBIOS, vgabios: 'none' };
const disk = (name: string): string => join(root, 'guests', name, 'disk.img');

function assemble(name: string): string {
  const output = join(scratch, `${name}.img`);
  const result = spawnSync('nasm', ['-f', 'bin', '-o', output, join(root, 'test/system/guests', `${name}.asm`)], { encoding: 'utf8' });
  assert.equal(result.status, 0, `nasm (Debian package nasm) assembles ${name}.asm: ${result.stderr}`);
  return output;
}

async function start(raw: unknown, frontEnd = new Recorder()): Promise<L4vm> {
  return L4vm.start({ config: { raw, base: root }, frontEnd });
}

/** A key as a person types it on the real keyboard (not paced by the VMM). */
function press(system: L4vm, text: string): void {
  for (const key of textToKeyStrokes(text)) system.frontEnd.input({ kind: 'key', key, bytes: keyToTerminalBytes(key) });
}

function hotkey(system: L4vm, text: string): void {
  system.frontEnd.input({ kind: 'key', key: PREFIX_KEY, bytes: Uint8Array.of(0x1d) });
  press(system, text);
}

test('SCN0001 three VMs on two host CPUs run at once; keys go to the focused VM only; the hotkey moves the focus; serial output stays apart', async () => {
  const system = await start({
    hostCpus: 2,
    vms: [
      { name: 'alpha', machine: 'pc', memory: '16M', cpu: 0, firmware, disks: [disk('pc-boot')] },
      { name: 'counter', machine: 'pc', memory: '16M', cpu: 0, firmware, disks: [disk('demo-counter')] },
      { name: 'primes', machine: 'pc', memory: '16M', cpu: 1, firmware, disks: [disk('demo-primes')] },
    ],
  });
  try {
    await system.waitForText('alpha', 'Type keys, Enter ends:');
    await system.waitForText('counter', 'counter: 1', { on: 'serial' });
    await system.waitForText('primes', 'prime 1000: 7919', { on: 'serial' });
    assert.equal(system.frontEnd.focused, 0, 'the first VM has the focus at start');

    press(system, 'q');
    await system.waitForText('alpha', 'key 10 71', { on: 'serial' });
    hotkey(system, '2');
    await system.frontEnd.waitFor(() => system.frontEnd.focused === 1, 10_000, 'the focus on counter');
    press(system, 'z');
    await system.waitForText('counter', 'key 2C 7A', { on: 'serial' });
    await system.waitForText('counter', 'last key: 2C 7A', { on: 'screen' });

    assert.ok(!system.serial('alpha').includes('key 2C'), `alpha did not get the key typed into counter:\n${system.serial('alpha')}`);
    assert.ok(!system.serial('counter').includes('key 10'), `counter did not get the key typed into alpha:\n${system.serial('counter')}`);
    assert.ok(!system.serial('alpha').includes('counter:') && !system.serial('alpha').includes('prime'), 'alpha\'s serial output is its own');
    assert.ok(!system.serial('counter').includes('L4VM') && !system.serial('counter').includes('prime'), 'counter\'s serial output is its own');
    assert.ok(!system.serial('primes').includes('L4VM') && !system.serial('primes').includes('counter:'), 'primes\' serial output is its own');
    assert.match(system.screenText('alpha').join('\n'), /Type keys, Enter ends:q/);
    assert.doesNotMatch(system.screenText('alpha').join('\n'), /z/, 'alpha\'s screen did not echo the key typed into counter');
  } finally {
    await system.stop();
  }
});

test('SCN0002 a disk written by one VM is seen neither by another VM on the same image nor in the host file; with persist it is in the file after a clean stop', async () => {
  const image = join(scratch, 'shared.img');
  copyFileSync(disk('pc-boot'), image);
  const before = readFileSync(image);
  const persisted = join(scratch, 'persisted.img');
  copyFileSync(disk('pc-boot'), persisted);
  const system = await start({
    vms: [
      { name: 'one', machine: 'pc', memory: '8M', firmware, disks: [image] },
      { name: 'two', machine: 'pc', memory: '8M', firmware, disks: [{ file: image, mode: 'copy-on-write' }] },
      { name: 'three', machine: 'pc', memory: '8M', firmware, disks: [{ file: persisted, mode: 'persist' }] },
    ],
  });
  try {
    for (const vm of ['one', 'two', 'three']) {
      await system.waitForText(vm, 'Type keys, Enter ends:');
      system.sendKeys(vm, '{Enter}');
      await system.waitForText(vm, 'L4VM: disk write ok', { on: 'serial' });
    }
  } finally {
    await system.stop();
  }
  assert.ok(readFileSync(image).equals(before), 'copy-on-write: the shared image file is not written');
  const after = readFileSync(persisted);
  for (let i = 0; i < 512; i++) assert.equal(after[5 * 512 + i], (i * 7 + 0x5a) & 0xff, `persisted byte ${i} of LBA 5`);
  assert.ok(!existsSync(`${persisted}.l4vm-wal`) || readFileSync(`${persisted}.l4vm-wal`).length === 0, 'no log left behind after a clean stop');
});

test('SCN0003 a VM that triple-faults is stopped or reset as configured, and reported; the others keep running and take keys', async () => {
  const triple = assemble('triple-fault');
  const system = await start({
    vms: [
      { name: 'stops', machine: 'pc', memory: '4M', firmware, disks: [triple], onTripleFault: 'stop' },
      { name: 'resets', machine: 'pc', memory: '4M', firmware, disks: [triple], onTripleFault: 'reset' },
      { name: 'counter', machine: 'pc', memory: '8M', firmware, disks: [disk('demo-counter')] },
    ],
  });
  try {
    await system.waitForState('stops', /^stopped .*triple fault/);
    await system.frontEnd.waitFor(() => (system.serial('resets').match(/about to triple fault/g) ?? []).length >= 2, 30_000, 'resets to boot again after its triple fault');
    await system.waitForText('counter', 'counter: 1', { on: 'serial' });
    system.sendKeys('counter', 'k');
    await system.waitForText('counter', 'key 25 6B', { on: 'serial' });
    assert.equal(system.state('stops'), 'stopped');
  } finally {
    await system.stop();
  }
});

test('SCN0004 a VM whose device model throws is stopped and reported; the others keep running and take keys', async () => {
  const broken = assemble('device-fault');
  const system = await start({
    vms: [
      { name: 'broken', machine: 'pc', memory: '4M', firmware, disks: [broken], faultInjection: true },
      { name: 'counter', machine: 'pc', memory: '8M', firmware, disks: [disk('demo-counter')] },
    ],
  });
  try {
    await system.waitForState('broken', /^stopped internal error: fault injected through port 0x4f0/);
    assert.match(system.serial('broken'), /about to break a device/);
    await system.waitForText('counter', 'counter: 1', { on: 'serial' });
    system.sendKeys('counter', 'j');
    await system.waitForText('counter', 'key 24 6A', { on: 'serial' });
  } finally {
    await system.stop();
  }
});

test('SCN0005 a VM holds capabilities only to its own view, input, serial-in ring and disks; anything else is refused by the kernel', async () => {
  const config = validateSystemConfig(
    {
      vms: [
        { name: 'first', machine: 'pc', memory: '4M', firmware, disks: [disk('pc-boot')] },
        { name: 'second', machine: 'pc', memory: '4M', firmware, disks: [disk('pc-boot')] },
      ],
    },
    root,
  );
  const frontEnd = new Recorder();
  const abort = new AbortController();
  const built = buildSystem(config, { console: frontEnd, input: frontEnd, log: () => undefined, stop: abort.signal }, { paced: true });
  // The second VM's VMM is replaced by a probe with exactly the capabilities the VMM would get.
  const findings: string[] = [];
  let finished: () => void = () => undefined;
  const probed = new Promise<void>((resolve) => (finished = resolve));
  built.programs.set('probe', async (sys: Sys) => {
    findings.push(`names ${sys.capabilityNames().sort().join(',')}`);
    // Every slot the task might hold: only its own capabilities answer.
    let dataspaces = 0;
    for (let slot = 0; slot < 64; slot++) {
      const region = sys.region(slot);
      if (region.ok) dataspaces++;
    }
    findings.push(`dataspaces ${dataspaces}`);
    findings.push(`view-0 ${sys.capability('view-0')}`);
    // The first VM's view is not reachable: no name, and slots beyond its own are empty.
    const foreign = sys.region(4095);
    findings.push(`slot 4095 ${foreign.ok ? 'mapped' : foreign.error}`);
    finished();
    await sys.sleep(Number.POSITIVE_INFINITY);
  });
  const second = built.root.tasks.find((task) => task.name === 'vm-second');
  assert.ok(second !== undefined);
  second.program = 'probe';
  const system = await System.start({ cpus: 1, clock: 'host' });
  const booting = boot(system, built.root, built.programs);
  const running = system.cpu0.kernel.run();
  try {
    await booting.done;
    await probed;
  } finally {
    abort.abort();
    frontEnd.input({ kind: 'end' });
    frontEnd.close();
    await system.shutdown();
    await running.catch(() => undefined);
  }
  assert.equal(
    findings[0],
    'names block-doorbell0,block0,config,console,disk0,events,firmware-bios,input,log,serial,serial-in,timer,view',
    'exactly its own objects and badged server endpoints',
  );
  // view, input, serial-in, disk0 (its own, rw) and config, firmware-bios (read-only copies).
  assert.equal(findings[1], 'dataspaces 6');
  assert.equal(findings[2], 'view-0 -1', 'no capability to the other VM\'s view');
  assert.match(findings[3], /slot 4095 (no-right|invalid)/);
  const consoleTask = built.root.tasks.find((task) => task.name === 'console');
  assert.deepEqual(Object.keys(consoleTask?.caps ?? {}).sort(), ['view-0', 'view-1']);
  assert.ok(Object.values(consoleTask?.caps ?? {}).every((capability) => capability.rights === 'r'), 'the console maps the views read-only');
});

test('SCN0006 a bad configuration is refused with a sentence naming the field or file; nothing starts and nothing is written', () => {
  const persisted = join(scratch, 'twice.img');
  copyFileSync(disk('pc-boot'), persisted);
  const serialLog = join(scratch, 'never-serial.log');
  const cases: [unknown, RegExp][] = [
    [{ vms: [{ name: 'a', machine: 'pc', firmware, colour: 'red' }] }, /vms\[0\]\.colour: is not a known field/],
    [{ vms: [{ name: 'a', machine: 'pc', firmware, disks: ['missing.img'] }] }, /vms\[0\]\.disks\[0\]\.file: missing\.img does not exist/],
    [
      {
        vms: [
          { name: 'a', machine: 'pc', firmware, disks: [{ file: persisted, mode: 'persist' }], serial: [`file:${serialLog}`] },
          { name: 'b', machine: 'pc', firmware, disks: [{ file: persisted, mode: 'persist' }] },
        ],
      },
      /vms\[1\]\.disks\[0\]\.file: .*twice\.img is already persisted by vms\[0\] \(a\)/,
    ],
    [{ vms: [{ name: 'a', machine: 'pc', firmware, memory: '4G' }] }, /vms\[0\]\.memory: 4 GiB does not fit the pc machine: it takes 2 MiB to 2 GiB/],
    [{ vms: [{ name: 'a', machine: 'amiga' }] }, /vms\[0\]\.machine: "amiga" is not a machine \(known: pc, virt\)/],
  ];
  for (const [raw, message] of cases) {
    const file = join(scratch, 'bad.yaml');
    writeFileSync(file, JSON.stringify(raw));
    const result = spawnSync(join(root, 'bin/l4vm'), ['run', file, '--display', 'none', '--timeout', '20'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 2, `refused: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split('\n').length, 1, `one sentence: ${result.stderr}`);
  }
  assert.ok(!existsSync(serialLog), 'nothing written');
  assert.ok(readFileSync(persisted).equals(readFileSync(disk('pc-boot'))), 'the image is untouched');
});

test('SCN0008 the shipped firmware configuration boots every VM on Debian\'s SeaBIOS and its VGA BIOS side by side', async () => {
  assert.ok(existsSync('/usr/share/seabios/bios.bin'), 'Debian\'s seabios package is installed (.ci/run installs it)');
  const system = await L4vm.start({ config: join(root, 'configs/firmware.yaml') });
  try {
    await system.waitForText('alpha', 'Type keys, Enter ends:');
    assert.equal(system.screenText('alpha')[0], 'SeaBIOS (version 1.16.2-debian-1.16.2-1)');
    assert.equal(system.screenText('alpha')[1], 'Booting from Hard Disk...');
    await system.waitForText('counter', 'counter: 1', { on: 'serial' });
    await system.waitForText('primes', 'prime 1000: 7919', { on: 'serial' });
  } finally {
    await system.stop();
  }
});

test('SCN0009 the default demo: three PCs and the ARM virt board run at once; the virt guest reads its disk, and keys typed into it (focused) reach its serial console and are answered', async () => {
  const system = await L4vm.start({ config: join(root, 'configs/demo.yaml') });
  try {
    assert.deepEqual(
      system.config.vms.map((vm) => `${vm.name} ${vm.machine} cpu ${vm.cpu}`),
      ['alpha pc cpu 0', 'counter pc cpu 0', 'primes pc cpu 1', 'arm virt cpu 1'],
      'four VMs on two host CPUs',
    );
    assert.equal(system.frontEnd.vms[3]?.console, 'serial', 'the console knows the virt VM\'s screen is its serial port');
    await system.waitForText('arm', 'l4vm virt-demo: a bare-metal program for the ARM virt board', { on: 'serial' });
    await system.waitForText('arm', /disk sectors 0-3:\r\nHello from the disk of l4vm's virt-demo!\r\n/, { on: 'serial' });
    await system.waitForText('arm', 'Type help and Enter.\r\nvirt-demo> ', { on: 'serial' });

    // A person at the keyboard: focus the VM with the hotkey, type; the VMM types each stroke into the PL011.
    hotkey(system, '4');
    await system.frontEnd.waitFor(() => system.frontEnd.focused === 3, 10_000, 'the focus on arm');
    press(system, 'help\n');
    await system.waitForText('arm', /virt-demo> help\r\nhelp +this list\r\n/, { on: 'serial' });
    // A script: paced keys, each given when the guest has taken the one before.
    system.sendKeys('arm', 'dixk{Backspace}{Backspace}sk 4{Enter}uptime{Enter}');
    await system.waitForText('arm', 'virt-demo> dixk\b \b\b \bsk 4\r\n000800  6c 34 76 6d 20 76 69 72 74 2d 64 65 6d 6f 20 64  |l4vm virt-demo d|\r\n', { on: 'serial' });
    await system.waitForText('arm', /virt-demo> uptime\r\nup 0:\d\d:\d\d, PL031 RTC \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\r\nvirt-demo> $/, { on: 'serial' });

    // The PCs went on meanwhile, and kept their own output.
    await system.waitForText('alpha', 'Type keys, Enter ends:');
    await system.waitForText('counter', 'counter: 2', { on: 'serial' });
    await system.waitForText('primes', 'prime 2000: 17389', { on: 'serial' });
    assert.ok(!system.serial('alpha').includes('help'), 'the keys typed into arm reached arm only');
    assert.doesNotMatch(system.serial('arm'), /L4VM|counter:|prime/, 'arm\'s serial output is its own');
    for (const vm of ['alpha', 'counter', 'primes', 'arm']) assert.match(system.state(vm), /running|halted/, `${vm} runs`);
  } finally {
    await system.stop();
  }
});
