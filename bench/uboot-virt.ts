// The ARM virt board's boot benchmark: Debian's U-Boot (u-boot-qemu, qemu_arm/u-boot.bin) on the
// virt machine with 256 MiB, from power-on to its "=> " prompt (through the 2-second autoboot
// countdown and the boot commands that find nothing) — guest instructions and host time, beside
// qemu-system-arm -M virt -cpu cortex-a15 -nic none doing the same. QEMU's instruction count is
// the project's reference figure (../shared/refs: 244 M); its time is a whole process, waiting the
// countdown in real time. Ours runs flat out in-process (guest time counted by instructions, so
// the countdown costs instructions, not waiting), and also as a whole `l4vm run` process, paced
// to the host clock as a user sees it.
//
// npm run bench:uboot -- [--runs N] [--json]

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { VirtArmMachine } from '../src/machines/virt-arm.js';
import { MachineRunner } from '../src/vmm/runner.js';
import { parseBenchArguments } from './arguments.js';
import { applyV8Flags } from '../src/host/v8-flags.js';

applyV8Flags();

const UBOOT = '/usr/lib/u-boot/qemu_arm/u-boot.bin';
const PROMPT = /\r\n=> $/;
/** QEMU 7.2 (TCG) runs about 244 M guest instructions to the prompt (the project's reference notes). */
const QEMU_INSTRUCTIONS = 244e6;
const L4VM = new URL('../../bin/l4vm', import.meta.url).pathname;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function runOurs(image: Uint8Array): Promise<{ seconds: number; instructions: number; guestSeconds: number }> {
  const start = performance.now();
  let runner: MachineRunner | null = null;
  const machine = new VirtArmMachine({ memoryBytes: 256 << 20, bios: image, serial: { transmit: (byte) => runner?.serialOutput(String.fromCharCode(byte)) } });
  runner = new MachineRunner(machine, { paced: false, until: PROMPT, timeoutMs: 300_000 });
  const outcome = await runner.run();
  if (outcome.kind !== 'matched') throw new Error('l4vm did not reach U-Boot\'s prompt in 300 s');
  return { seconds: (performance.now() - start) / 1000, instructions: machine.instructions, guestSeconds: machine.guestTimeNs / 1e9 };
}

/** Starts a process and resolves with the seconds until its standard output matches the prompt. */
function timeToPrompt(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} did not reach the prompt in 300 s`));
    }, 300_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString('latin1')).slice(-4096);
      if (PROMPT.test(output)) {
        const seconds = (performance.now() - start) / 1000;
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve(seconds);
      }
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function main(): Promise<void> {
  const { json, runs } = parseBenchArguments(process.argv.slice(2), 3);
  if (!existsSync(UBOOT)) {
    console.error(`${UBOOT} is missing: install Debian's u-boot-qemu (apt-get install -y u-boot-qemu, or l4vm images fetch u-boot-qemu)`);
    process.exit(1);
  }
  const image = new Uint8Array(readFileSync(UBOOT));
  const ours: { seconds: number; instructions: number; guestSeconds: number }[] = [];
  const oursProcess: number[] = [];
  const qemu: number[] = [];
  for (let run = 0; run < runs; run++) {
    ours.push(await runOurs(image));
    oursProcess.push(await timeToPrompt(L4VM, ['run', '--machine', 'virt', '--bios', UBOOT, '-m', '256M', '--display', 'none', '--serial', 'stdio', '--timeout', '300']));
    qemu.push(await timeToPrompt('qemu-system-arm', ['-M', 'virt', '-cpu', 'cortex-a15', '-m', '256', '-nographic', '-nic', 'none', '-monitor', 'none', '-bios', UBOOT]).catch(() => Number.NaN));
  }
  const result = {
    runs,
    instructions: median(ours.map((r) => r.instructions)),
    guestSeconds: median(ours.map((r) => r.guestSeconds)),
    inProcessSeconds: median(ours.map((r) => r.seconds)),
    processSeconds: median(oursProcess),
    mips: median(ours.map((r) => r.instructions / r.seconds / 1e6)),
    qemuInstructions: QEMU_INSTRUCTIONS,
    qemuSeconds: median(qemu),
  };
  if (json) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(`U-Boot (${UBOOT}) on the virt machine, 256 MiB, to "=> " — median of ${runs} runs`);
  console.log('');
  console.log('|                         | l4vm in-process | l4vm run (process, paced) | qemu-system-arm -M virt |');
  console.log('|-------------------------|----------------:|--------------------------:|------------------------:|');
  console.log(`| guest instructions      | ${(result.instructions / 1e6).toFixed(1)} M | same | ≈${(QEMU_INSTRUCTIONS / 1e6).toFixed(0)} M (reference notes) |`);
  console.log(`| host seconds            | ${result.inProcessSeconds.toFixed(2)} | ${result.processSeconds.toFixed(2)} | ${Number.isNaN(result.qemuSeconds) ? 'not installed' : result.qemuSeconds.toFixed(2)} |`);
  console.log(`| guest MIPS              | ${result.mips.toFixed(1)} | | |`);
  console.log(`| guest seconds (ours)    | ${result.guestSeconds.toFixed(2)} | | |`);
}

await main();
