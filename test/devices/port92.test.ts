// System control port A (0x92): fast A20 and the fast reset pulse.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Port92 } from '../../src/devices/port92.js';
import { IoPorts } from '../../src/hw/ioports.js';

function rig(): { io: IoPorts; port: Port92; events: string[] } {
  const io = new IoPorts();
  const events: string[] = [];
  const port = new Port92({ onA20: (enabled) => events.push(`a20 ${enabled}`), onReset: () => events.push('reset') });
  port.attach(io);
  return { io, port, events };
}

test('PORT0001 bit 1 gates A20, reported only when it changes; the byte reads back', () => {
  const { io, port, events } = rig();
  assert.equal(io.read(0x92, 1), 0x00);
  io.write(0x92, 1, 0x02);
  io.write(0x92, 1, 0x02 | 0x40);
  assert.equal(port.a20, true);
  assert.equal(io.read(0x92, 1), 0x42);
  io.write(0x92, 1, 0x00);
  assert.deepEqual(events, ['a20 true', 'a20 false']);
});

test('PORT0002 bit 0 resets on its 0→1 transition only, and leaves A20 as written', () => {
  const { io, events } = rig();
  io.write(0x92, 1, 0x03);
  io.write(0x92, 1, 0x03);
  assert.deepEqual(events, ['a20 true', 'reset']);
  io.write(0x92, 1, 0x02);
  io.write(0x92, 1, 0x03);
  assert.deepEqual(events, ['a20 true', 'reset', 'reset']);
});

test('PORT0003 reset and saved state round trip', () => {
  const { io, port, events } = rig();
  io.write(0x92, 1, 0x0a);
  const saved = JSON.parse(JSON.stringify(port.saveState()));
  port.reset();
  assert.equal(io.read(0x92, 1), 0);
  assert.deepEqual(events, ['a20 true', 'a20 false']);
  const copy = rig();
  copy.port.restoreState(saved);
  assert.equal(copy.io.read(0x92, 1), 0x0a);
  assert.deepEqual(copy.events, ['a20 true'], 'restoring tells the machine the A20 state');
  assert.throws(() => copy.port.restoreState({ value: 256 }), /value/);
});
