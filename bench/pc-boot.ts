// The PC machine's boot benchmark: Debian's SeaBIOS and its VGA BIOS on the pc machine (no disk),
// from power-on until the screen shows "No bootable device." — guest instructions and host time,
// beside qemu-system-i386 -M isapc booting the same firmware to the same line on its debug console
// (port 0x402). QEMU's times include its start-up; ours are in-process (no Node start-up), so a
// second column gives ours as a whole `l4vm run` process too.
//
// npm run bench:pc -- [--runs N] [--json]

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcMachine } from '../src/machines/pc.js';
import { MachineRunner } from '../src/vmm/runner.js';
import { parseBenchArguments } from './arguments.js';
import { applyV8Flags } from '../src/host/v8-flags.js';

applyV8Flags();

const BIOS = '/usr/share/seabios/bios.bin';
const VGA_BIOS = '/usr/share/seabios/vgabios-isavga.bin';
const TARGET = 'No bootable device.';
/** QEMU 7.2 (TCG) runs about 6.9 M guest instructions to this line, as measured for the project's reference notes. */
const QEMU_INSTRUCTIONS = 6.9e6;
const L4VM = new URL('../../bin/l4vm', import.meta.url).pathname;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function runOurs(bios: Uint8Array, vgaBios: Uint8Array): Promise<{ seconds: number; instructions: number; guestSeconds: number }> {
  const start = performance.now();
  const machine = new PcMachine({ memoryBytes: 32 << 20, bios, vgaBios, vgaBiosName: 'vgabios-isavga.bin', vbe: true });
  const runner = new MachineRunner(machine, { paced: false, until: /No bootable device\./, timeoutMs: 120_000 });
  const outcome = await runner.run();
  if (outcome.kind !== 'matched') throw new Error(`l4vm did not reach "${TARGET}" in 120 s`);
  return { seconds: (performance.now() - start) / 1000, instructions: machine.instructions, guestSeconds: machine.guestTimeNs / 1e9 };
}

function runOursProcess(): number {
  const start = performance.now();
  const result = spawnSync(L4VM, ['run', '--machine', 'pc', '--display', 'none', '--until', TARGET, '--timeout', '120'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`l4vm run failed: ${result.stderr}`);
  return (performance.now() - start) / 1000;
}

/** Starts QEMU and waits until its debug console shows the line; returns the seconds it took. */
async function runQemu(): Promise<number> {
  const directory = mkdtempSync(join(tmpdir(), 'l4vm-bench-pc-'));
  const log = join(directory, 'debugcon.txt');
  const start = performance.now();
  const qemu = spawn(
    'qemu-system-i386',
    ['-M', 'isapc', '-m', '32', '-display', 'none', '-vga', 'none', '-device', 'isa-vga', '-chardev', `file,id=debug,path=${log}`, '-device', 'isa-debugcon,iobase=0x402,chardev=debug', '-monitor', 'none', '-serial', 'none', '-parallel', 'none'],
    { stdio: 'ignore' },
  );
  try {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (qemu.exitCode !== null) throw new Error(`qemu-system-i386 exited with ${qemu.exitCode}`);
      if (existsSync(log) && readFileSync(log, 'latin1').includes(TARGET)) return (performance.now() - start) / 1000;
      if (performance.now() - start > 60_000) throw new Error(`qemu-system-i386 did not print "${TARGET}" in 60 s`);
    }
  } finally {
    qemu.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { json, runs } = parseBenchArguments(process.argv.slice(2), 5);
  if (!existsSync(BIOS) || !existsSync(VGA_BIOS)) {
    console.error(`${BIOS} or ${VGA_BIOS} is missing: install Debian's seabios package`);
    process.exitCode = 1;
    return;
  }
  const bios = new Uint8Array(readFileSync(BIOS));
  const vgaBios = new Uint8Array(readFileSync(VGA_BIOS));
  await runOurs(bios, vgaBios); // warm-up
  const ours = [];
  for (let i = 0; i < runs; i++) ours.push(await runOurs(bios, vgaBios));
  const process_ = [];
  for (let i = 0; i < runs; i++) process_.push(runOursProcess());
  const haveQemu = spawnSync('qemu-system-i386', ['--version']).status === 0;
  const qemu: number[] = [];
  for (let i = 0; haveQemu && i < runs; i++) qemu.push(await runQemu());

  const result = {
    runs,
    target: TARGET,
    ours: { medianSeconds: median(ours.map((run) => run.seconds)), instructions: median(ours.map((run) => run.instructions)), guestSeconds: median(ours.map((run) => run.guestSeconds)) },
    oursProcessMedianSeconds: median(process_),
    qemu: haveQemu ? { medianSeconds: median(qemu), instructions: QEMU_INSTRUCTIONS } : null,
  };
  if (json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  const mips = result.ours.instructions / result.ours.medianSeconds / 1e6;
  console.log(`SeaBIOS 1.16.2 + SeaVGABIOS (isavga) on the pc machine, 32 MiB, no disk, to "${TARGET}" — median of ${runs} runs`);
  console.log('');
  console.log('| emulator                         | guest instructions | host seconds | guest MIPS |');
  console.log('|----------------------------------|-------------------:|-------------:|-----------:|');
  console.log(`| l4vm (in-process)                | ${(result.ours.instructions / 1e6).toFixed(2).padStart(16)} M | ${result.ours.medianSeconds.toFixed(3).padStart(12)} | ${mips.toFixed(1).padStart(10)} |`);
  console.log(`| l4vm run (whole process)         | ${''.padStart(18)} | ${result.oursProcessMedianSeconds.toFixed(3).padStart(12)} | ${''.padStart(10)} |`);
  if (result.qemu !== null) {
    console.log(`| qemu-system-i386 -M isapc (TCG)  | ${'≈6.9'.padStart(16)} M | ${result.qemu.medianSeconds.toFixed(3).padStart(12)} | ${''.padStart(10)} |`);
    console.log('');
    console.log(`l4vm in-process / QEMU process: ${(result.ours.medianSeconds / result.qemu.medianSeconds).toFixed(2)}×; whole processes: ${(result.oursProcessMedianSeconds / result.qemu.medianSeconds).toFixed(2)}×`);
  } else console.log('\nqemu-system-i386 is not installed (Debian package qemu-system-x86): no QEMU column.');
  console.log(`guest time to the line: ${result.ours.guestSeconds.toFixed(3)} s (l4vm's clock: 10 ns per instruction, idle time skipped)`);
}

await main();
