// The multi-VM benchmark: 1, 2 and 4 VMs at once, each running the CPU-bound guest of
// guests/demo-primes (a prime search, forever) on l4vm's minibios, flat out (not paced to the
// clock), spread over the host CPUs (hostCpus 2: main thread and one worker). Printed per VM
// count: aggregate guest instructions per second (from each VM's published instruction count),
// the guest's own progress (prime-search rounds per second, from its serial output), and memory
// per VM beyond its guest RAM (the process's RSS over an idle baseline). Beside it, the same VM
// count of qemu-system-i386 -M isapc processes on the same BIOS and disk, by the same guest
// measure (rounds per second): QEMU cannot report instructions without slowing down.
//
// npm run bench:multi-vm -- [--runs N] [--json]      (each measurement in a fresh process)

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { L4vm } from '../src/api/l4vm.js';
import { parseBenchArguments } from './arguments.js';
import { applyV8Flags } from '../src/host/v8-flags.js';

applyV8Flags();

const root = fileURLToPath(new URL('../../', import.meta.url));
const MINIBIOS = join(root, 'guests/minibios/bios.bin');
const PRIMES = join(root, 'guests/demo-primes/disk.img');
const GUEST_MEMORY = 16 << 20;
const WARM_UP_MS = 1500;
const MEASURE_MS = 5000;
const COUNTS = [1, 2, 4];

interface Measurement {
  vms: number;
  mips: number;
  roundsPerSecond: number;
  rssPerVmBeyondRamMiB: number;
}

function rounds(text: string): number {
  return (text.match(/primes done/g) ?? []).length + (text.match(/prime \d+000:/g) ?? []).length / 10;
}

/** One measurement, in this (fresh) process. */
async function measure(count: number): Promise<Measurement> {
  const baseline = process.memoryUsage().rss;
  const system = await L4vm.start({
    config: {
      base: root,
      raw: {
        hostCpus: 2,
        vms: Array.from({ length: count }, (_unused, index) => ({
          name: `primes${index + 1}`,
          machine: 'pc',
          memory: GUEST_MEMORY,
          cpu: index % 2,
          firmware: { bios: MINIBIOS, vgabios: 'none' },
          disks: [PRIMES],
        })),
      },
    },
    paced: false,
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
    const instructions = (): number => system.frontEnd.vms.reduce((sum, vm) => sum + vm.instructions, 0);
    const progress = (): number => system.frontEnd.vms.reduce((sum, vm) => sum + rounds(vm.serial), 0);
    const startInstructions = instructions();
    const startProgress = progress();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
    const seconds = (performance.now() - started) / 1000;
    const rss = process.memoryUsage().rss;
    return {
      vms: count,
      mips: (instructions() - startInstructions) / seconds / 1e6,
      roundsPerSecond: (progress() - startProgress) / seconds,
      rssPerVmBeyondRamMiB: (rss - baseline) / count / 2 ** 20 - GUEST_MEMORY / 2 ** 20,
    };
  } finally {
    await system.stop();
  }
}

/** QEMU: `count` processes side by side; rounds per second from their serial output. */
async function measureQemu(count: number): Promise<number | null> {
  if (spawnSync('qemu-system-i386', ['--version']).status !== 0) return null;
  const directory = mkdtempSync(join(tmpdir(), 'l4vm-bench-qemu-'));
  const logs = Array.from({ length: count }, (_unused, index) => join(directory, `serial${index}.txt`));
  const processes = logs.map((log) =>
    spawn(
      'qemu-system-i386',
      ['-M', 'isapc', '-m', '16', '-bios', MINIBIOS, '-drive', `file=${PRIMES},format=raw,if=ide,snapshot=on`, '-display', 'none', '-serial', `file:${log}`, '-monitor', 'none', '-vga', 'none'],
      { stdio: 'ignore' },
    ),
  );
  try {
    const read = (): number => logs.reduce((sum, log) => sum + rounds(safeRead(log)), 0);
    await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
    const start = read();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
    return (read() - start) / ((performance.now() - started) / 1000);
  } finally {
    for (const process_ of processes) process_.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  }
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '';
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main(): Promise<void> {
  const childIndex = process.argv.indexOf('--child');
  if (childIndex >= 0) {
    console.log(JSON.stringify(await measure(Number(process.argv[childIndex + 1]))));
    return;
  }
  const { json, runs } = parseBenchArguments(process.argv.slice(2), 3);
  const script = fileURLToPath(import.meta.url);
  const rows = [];
  for (const count of COUNTS) {
    const samples: Measurement[] = [];
    for (let run = 0; run < runs; run++) {
      const child = spawnSync(process.execPath, [script, '--child', String(count)], { encoding: 'utf8', timeout: 120_000 });
      if (child.status !== 0) throw new Error(`the measurement of ${count} VMs failed: ${child.stderr}`);
      samples.push(JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as Measurement);
    }
    const qemu: number[] = [];
    for (let run = 0; run < runs; run++) {
      const value = await measureQemu(count);
      if (value !== null) qemu.push(value);
    }
    rows.push({
      vms: count,
      mips: median(samples.map((sample) => sample.mips)),
      roundsPerSecond: median(samples.map((sample) => sample.roundsPerSecond)),
      rssPerVmBeyondRamMiB: median(samples.map((sample) => sample.rssPerVmBeyondRamMiB)),
      qemuRoundsPerSecond: qemu.length > 0 ? median(qemu) : null,
    });
  }
  const single = rows[0].mips;
  if (json) {
    console.log(JSON.stringify({ runs, rows, scaling: rows.map((row) => row.mips / single) }, null, 2));
    return;
  }
  console.log(`${COUNTS.join(', ')} VMs of guests/demo-primes (CPU-bound) on 2 host CPUs, flat out; median of ${runs} runs of ${MEASURE_MS / 1000} s`);
  console.log('');
  console.log('| VMs | aggregate guest MIPS | × 1 VM | rounds/s (l4vm) | rounds/s (QEMU, n processes) | RSS per VM beyond its 16 MiB RAM |');
  console.log('|----:|---------------------:|-------:|----------------:|-----------------------------:|---------------------------------:|');
  for (const row of rows) {
    console.log(
      `| ${String(row.vms).padStart(3)} | ${row.mips.toFixed(1).padStart(20)} | ${(row.mips / single).toFixed(2).padStart(6)} | ${row.roundsPerSecond.toFixed(2).padStart(15)} | ${(row.qemuRoundsPerSecond === null ? 'qemu-system-i386 missing' : row.qemuRoundsPerSecond.toFixed(1)).padStart(28)} | ${`${row.rssPerVmBeyondRamMiB.toFixed(1)} MiB`.padStart(32)} |`,
    );
  }
  console.log('');
  console.log('A round is the guest finding the first 10000 primes (about 16 M instructions). Goal: 4 VMs give at least 1.6× the aggregate of 1 VM.');
}

await main();
