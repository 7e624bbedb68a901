// V8 settings for the emulators' hot loops, applied once at start-up, before any guest code runs.
//
// With concurrent recompilation (V8's default) the interpreters' hot functions are optimised on a
// background thread while the loop keeps running; on a 2-CPU host busy with VMs this sometimes left
// the x86 interpreter at half speed for a whole process (the same guest ran at 22–43 MIPS from one
// process to the next). Compiling on the main thread costs a few milliseconds at start-up and gives
// the fast code every time (136–144 M instructions in 4 s over six runs, against 83–146 M).

import { setFlagsFromString } from 'node:v8';

let applied = false;

export function applyV8Flags(): void {
  if (applied) return;
  applied = true;
  setFlagsFromString('--no-concurrent-recompilation');
}
