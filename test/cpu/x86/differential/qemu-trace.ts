// QEMU's side: run a program under `qemu-i386 -cpu pentium3 -singlestep -d cpu,fpu,nochain,in_asm`
// and parse the log into a StateTrace. With -singlestep every translation block is one
// instruction, nochain makes QEMU log every block it enters, and `cpu` logs the state before the
// block runs (machine-facts.md, "Differential testing with QEMU 7.2"). `in_asm` logs each
// instruction's disassembly when it is translated, which names the instruction for the
// undefined-flag masks and for mismatch reports. `fpu` adds FCW/FSW/FTW and FPR0-7.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Field, StateTrace } from './trace.js';

export interface QemuRun {
  trace: StateTrace;
  /** Exit status, or null when a signal ended QEMU. */
  status: number | null;
  /** The signal that ended QEMU (SIGFPE for an unhandled #DE), or null. */
  signal: string | null;
  stderr: string;
}

const SEGMENT_INDEX: Record<string, number> = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5 };

/** Runs `program` (a path) in `directory` under qemu-i386 and parses its per-instruction log (with the x87 registers if `fpu`). */
export function runQemu(program: string, directory: string, logName = 'qemu.log', fpu = true): QemuRun {
  const log = join(directory, logName);
  // `ulimit -c 0`: QEMU dumps a guest core file on a fatal signal (the #DE programs) otherwise.
  const command = `ulimit -c 0; exec qemu-i386 -cpu pentium3 -singlestep -d cpu,${fpu ? 'fpu,' : ''}nochain,in_asm -D '${log}' '${program}'`;
  // A program that loops by mistake would fill the disk with log at ~1 GB a minute: time out early.
  const result = spawnSync('sh', ['-c', command], { cwd: directory, encoding: 'utf8', timeout: 20_000 });
  if (result.error !== undefined) {
    throw new Error(`qemu-i386 could not run ${program} (or it ran longer than 20 s, looping?): ${result.error.message}`);
  }
  return {
    trace: parseQemuLog(readFileSync(log, 'utf8')),
    status: result.status,
    signal: result.signal,
    stderr: result.stderr,
  };
}

function hexField(line: string, name: string): number {
  const at = line.indexOf(`${name}=`);
  if (at < 0) throw new Error(`QEMU log line has no ${name}=: ${line}`);
  return parseInt(line.slice(at + name.length + 1, at + name.length + 9), 16) | 0;
}

/** Parses a `-d cpu[,fpu],nochain[,in_asm]` log of qemu-i386. */
export function parseQemuLog(text: string): StateTrace {
  const hasFpu = text.includes('\nFCW=');
  const trace = new StateTrace(hasFpu, 4096);
  const data = (): Int32Array => trace.data;
  const disassembly = new Map<number, string>();
  let at = -1;
  let expectInstruction = false;
  for (const line of text.split('\n')) {
    if (expectInstruction) {
      // "0x08048065:  83 c0 01                 addl     $1, %eax"
      const match = /^0x([0-9a-f]+):\s+((?:[0-9a-f]{2} )+)\s*(.*)$/.exec(line);
      if (match !== null) {
        disassembly.set(parseInt(match[1], 16), match[3].replace(/\s+/g, ' ').trim());
        expectInstruction = false;
      }
      continue;
    }
    if (line.startsWith('IN:')) {
      expectInstruction = true;
    } else if (line.startsWith('EAX=')) {
      at = trace.append('');
      const d = data();
      d[at + 0] = hexField(line, 'EAX');
      d[at + 3] = hexField(line, 'EBX');
      d[at + 1] = hexField(line, 'ECX');
      d[at + 2] = hexField(line, 'EDX');
    } else if (at < 0) {
      continue;
    } else if (line.startsWith('ESI=')) {
      const d = data();
      d[at + 6] = hexField(line, 'ESI');
      d[at + 7] = hexField(line, 'EDI');
      d[at + 5] = hexField(line, 'EBP');
      d[at + 4] = hexField(line, 'ESP');
    } else if (line.startsWith('EIP=')) {
      const d = data();
      d[at + Field.EIP] = hexField(line, 'EIP');
      d[at + Field.EFLAGS] = hexField(line, 'EFL');
      trace.setText(trace.count - 1, disassembly.get(d[at + Field.EIP] >>> 0) ?? '');
    } else if (line.length > 8 && line[2] === ' ' && line[3] === '=' && SEGMENT_INDEX[line.slice(0, 2)] !== undefined) {
      data()[at + Field.SELECTOR + SEGMENT_INDEX[line.slice(0, 2)]] = parseInt(line.slice(4, 8), 16);
    } else if (line.startsWith('FCW=')) {
      // "FCW=037f FSW=3820 [ST=7] FTW=80 MXCSR=00001f80": FSW already has TOP in bits 11-13.
      const d = data();
      d[at + Field.FCW] = parseInt(line.slice(4, 8), 16);
      d[at + Field.FSW] = parseInt(line.slice(13, 17), 16);
      const ftw = line.indexOf('FTW=');
      d[at + Field.FTW] = parseInt(line.slice(ftw + 4, ftw + 6), 16);
    } else if (line.startsWith('FPR')) {
      // "FPR0=0000000000000000 0000 FPR1=0000000000000000 0000"
      const d = data();
      for (const match of line.matchAll(/FPR(\d)=([0-9a-f]{16}) ([0-9a-f]{4})/g)) {
        const base = at + Field.FPR + Number(match[1]) * 3;
        d[base] = parseInt(match[2].slice(8), 16) | 0;
        d[base + 1] = parseInt(match[2].slice(0, 8), 16) | 0;
        d[base + 2] = parseInt(match[3], 16);
      }
    }
  }
  return trace;
}
