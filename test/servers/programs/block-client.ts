// A block session client as a program module, so the root task can start it on any host CPU (a
// worker too). It writes eight sectors of its own pattern at sector 10, flushes, reads sectors
// 8–19 back and then sectors 0–99 one by one all at once, and reports to "report":
// "<task> cpu<N> <errors> <CRC-32 of the 12 sectors> <CRC-32 of the 100 sectors>".

import type { Sys } from '../../../src/kernel/syscalls.js';
import { BlockSessionClient } from '../../../src/protocols/block.js';
import { crc32 } from '../../../src/servers/block/write-ahead-log.js';
import { complete, settle } from './block-harness.js';

const SECTOR = 512;

/** The bytes a client named `task` writes at sector `sector`. */
export function clientSector(task: string, sector: number): Uint8Array {
  const bytes = new Uint8Array(SECTOR);
  for (let i = 0; i < SECTOR; i++) bytes[i] = (sector + i * 5 + task.charCodeAt(task.length - 1)) & 0xff;
  return bytes;
}

export async function blockClient(sys: Sys): Promise<void> {
  const client = await BlockSessionClient.open(sys, { server: sys.capability('block'), ring: sys.capability('disk'), doorbell: sys.capability('block-doorbell') });
  const events = sys.capability('events');
  const errors: string[] = [];
  const data = new Uint8Array(8 * SECTOR);
  for (let i = 0; i < 8; i++) data.set(clientSector(sys.taskName, 10 + i), i * SECTOR);
  errors.push(String(await complete(sys, client, events, (done) => client.write(10, 8, data, 0, done))));
  errors.push(String(await complete(sys, client, events, (done) => client.flush(done))));
  const back = new Uint8Array(12 * SECTOR);
  errors.push(String(await complete(sys, client, events, (done) => client.read(8, 12, back, 0, done))));
  const singles = new Uint8Array(100 * SECTOR);
  for (let i = 0; i < 100; i++) client.read(i, 1, singles, i * SECTOR, (error) => errors.push(String(error)));
  await settle(sys, client, events);
  const failed = errors.filter((error) => error !== 'null').length;
  const line = `${sys.taskName} cpu${sys.cpu} ${failed} ${crc32(back).toString(16)} ${crc32(singles).toString(16)}`;
  await sys.call(sys.capability('report'), sys.message(1, [], [{ kind: 'string', bytes: new TextEncoder().encode(line) }]));
}
