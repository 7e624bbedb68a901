// The client side of the call+reply benchmark when it runs on a worker host CPU: it asks the
// coordinator on CPU 0 for the options, times round trips to "server", and reports the measurement
// back to the coordinator as a JSON string item.

import type { Sys } from '../../src/kernel/syscalls.js';
import { BenchLabel, callBatch, decodeOptions, measure } from './measure.js';

export async function callClient(sys: Sys): Promise<void> {
  const coordinator = sys.capability('coordinator');
  const server = sys.capability('server');
  const hello = await sys.call(coordinator, sys.message(BenchLabel.hello));
  if (!hello.ok || hello.tag.label !== BenchLabel.hello) return;
  const options = decodeOptions(sys.mr);
  let label: number = BenchLabel.result;
  let text: string;
  try {
    text = JSON.stringify(await measure(callBatch(sys, server), options));
  } catch (error) {
    label = BenchLabel.failed;
    text = error instanceof Error ? error.message : String(error);
  }
  await sys.call(coordinator, sys.message(label, [], [{ kind: 'string', bytes: new TextEncoder().encode(text) }]));
}
