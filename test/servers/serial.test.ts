// The serial server: each VM's UART output to its destination (the console's serial pane, a file, a
// TCP socket's clients), bytes from TCP clients and the input server into the VM's serial-in ring,
// with the senders told apart by their badges.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Kernel, KernelOptions } from '../../src/kernel/kernel.js';
import type { Sys } from '../../src/kernel/syscalls.js';
import type { Task } from '../../src/kernel/task.js';
import { KernelLabel, Rights, milliseconds, type Tag } from '../../src/kernel/types.js';
import { ConsoleLabel } from '../../src/protocols/console.js';
import { INPUT_RING_BYTES, InputConsumer, NOTIFY_SERIAL } from '../../src/protocols/input.js';
import {
  SERIAL_ERROR_CODES,
  SERIAL_INPUT_BADGE,
  SERIAL_REPLY_ERROR,
  SerialLabel,
  decodeSerialReply,
  decodeSerialRequest,
  encodeSerialReply,
  encodeSerialRequest,
  sendSerialInput,
  sendSerialOutput,
  type SerialRequest,
} from '../../src/protocols/serial.js';
import { serialServer, type SerialPortConfig, type SerialServerOptions } from '../../src/servers/serial/main.js';
import { assertAllFinished, assertIpcOk, deriveInto, fromText, newKernel, runKernel, text, unwrap } from '../kernel/helpers.js';

const CONSOLE_BADGE = 77;

interface TestVm {
  task: Task;
  /** The VM's endpoint capability to the serial server (badged with its number). */
  gate: number;
  /** Its own serial-in ring and events notification. */
  ring: number;
  events: number;
}

interface SerialTestSystem {
  kernel: Kernel;
  log: string[];
  server: Task;
  vms: Map<string, TestVm>;
  /** A task holding the input server's badge. */
  input: { task: Task; gate: number };
  /** A task holding a badge the serial server does not know. */
  stranger: { task: Task; gate: number };
  /** What the fake console server received: "vm/port: text" with the serial server's badge. */
  consoleRequests: string[];
  stop: AbortController;
}

/**
 * A kernel with the serial server, one task per VM (each declaring its serial-in ring and events
 * notification, the server getting `serial-in-<vm>` and `events-<vm>`), a fake console server, the
 * input server's badge and a stranger's.
 */
function serialSystem(
  vms: { name: string; badge: number; ports: SerialPortConfig[] }[],
  extra: Partial<SerialServerOptions> = {},
  kernelOptions: KernelOptions = {},
): SerialTestSystem {
  const { kernel, log } = newKernel(kernelOptions);
  const server = kernel.createTask('serial');
  const requests = kernel.createObject(server, 'endpoint');
  server.environment.set('requests', requests);

  const consoleTask = kernel.createTask('console');
  const consoleEndpoint = kernel.createObject(consoleTask, 'endpoint');
  server.environment.set('console', deriveInto(kernel, consoleTask, consoleEndpoint, server, Rights.write, CONSOLE_BADGE));
  const consoleRequests: string[] = [];
  kernel.createThread(consoleTask, 'main', async (sys) => {
    let reply: Tag | null = null;
    for (;;) {
      const result = await sys.replyWait(consoleEndpoint, reply);
      assertIpcOk(result, 'console receive');
      const item = sys.received[0];
      assert.equal(result.tag.label, ConsoleLabel.serial);
      assert.equal(result.badge, CONSOLE_BADGE);
      assert.ok(item !== undefined && item.kind === 'string');
      consoleRequests.push(`${sys.mr[0]}/${sys.mr[1]}: ${fromText(item.bytes)}`);
      reply = sys.message(0);
    }
  });

  const testVms = new Map<string, TestVm>();
  for (const vm of vms) {
    const task = kernel.createTask(vm.name);
    const ring = kernel.createObject(task, 'dataspace', INPUT_RING_BYTES);
    const events = kernel.createObject(task, 'notification');
    server.environment.set(`serial-in-${vm.name}`, deriveInto(kernel, task, ring, server, Rights.read | Rights.write));
    server.environment.set(`events-${vm.name}`, deriveInto(kernel, task, events, server, Rights.write));
    testVms.set(vm.name, { task, ring, events, gate: deriveInto(kernel, server, requests, task, Rights.write, vm.badge) });
  }
  const inputTask = kernel.createTask('input');
  const strangerTask = kernel.createTask('stranger');
  const stop = new AbortController();
  kernel.createThread(
    server,
    'main',
    serialServer({
      vms: vms.map((vm) => ({ ...vm, serialInCap: `serial-in-${vm.name}`, eventsCap: `events-${vm.name}` })),
      consoleCap: 'console',
      log: (line) => log.push(line),
      stop: stop.signal,
      ...extra,
    }),
  );
  return {
    kernel,
    log,
    server,
    vms: testVms,
    input: { task: inputTask, gate: deriveInto(kernel, server, requests, inputTask, Rights.write, SERIAL_INPUT_BADGE) },
    stranger: { task: strangerTask, gate: deriveInto(kernel, server, requests, strangerTask, Rights.write, 999) },
    consoleRequests,
    stop,
  };
}

function vmOf(system: SerialTestSystem, name: string): TestVm {
  const vm = system.vms.get(name);
  assert.ok(vm, `VM ${name} exists`);
  return vm;
}

/** Everything in a VM's serial-in ring now, as "port:text". */
function drain(sys: Sys, vm: TestVm): string[] {
  const memory = unwrap(sys.region(vm.ring)).view();
  assert.ok(memory);
  const consumer = new InputConsumer(memory);
  const out: string[] = [];
  for (let event = consumer.next(); event !== null; event = consumer.next()) {
    assert.equal(event.kind, 'serial');
    if (event.kind === 'serial') out.push(`${event.port}:${String.fromCharCode(event.byte)}`);
  }
  return out;
}

/** A TCP port nobody listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

/** A promise that settles when `log` gets a line matching `pattern`. */
function logLineMatching(options: { log: string[] }, pattern: RegExp): Promise<string> {
  return new Promise<string>((resolve) => {
    const check = (): void => {
      const line = options.log.find((entry) => pattern.test(entry));
      if (line !== undefined) resolve(line);
      else setTimeout(check, 1);
    };
    check();
  });
}

test('SER0001 output to a file: truncated at start, every output appended in order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'l4vm-serial-'));
  try {
    const path = join(dir, 'com1.log');
    writeFileSync(path, 'left over from an earlier run\n');
    const system = serialSystem([{ name: 'vm1', badge: 1, ports: [{ port: 0, destination: { kind: 'file', path } }] }]);
    const vm = vmOf(system, 'vm1');
    const results: (string | null)[] = [];
    const thread = system.kernel.createThread(vm.task, 'main', async (sys) => {
      results.push(await sendSerialOutput(sys, vm.gate, 0, text('SeaBIOS\r\n')));
      results.push(await sendSerialOutput(sys, vm.gate, 0, text('Booting from Hard Disk...\r\n')));
      system.stop.abort();
      results.push(await sendSerialOutput(sys, vm.gate, 0, text('after the end')));
    });
    await runKernel(system.kernel);
    assertAllFinished(thread);
    assert.deepEqual(results, [null, null, 'stopped']);
    assert.equal(readFileSync(path, 'utf8'), 'SeaBIOS\r\nBooting from Hard Disk...\r\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SER0002 terminal output goes to the console server as ConsoleLabel.serial [vm, port]; "none" is taken and dropped', async () => {
  const system = serialSystem([
    {
      name: 'vm1',
      badge: 1,
      ports: [
        { port: 0, destination: { kind: 'terminal' } },
        { port: 1, destination: { kind: 'none' } },
      ],
    },
    { name: 'vm2', badge: 2, ports: [{ port: 1, destination: { kind: 'terminal' } }] },
  ]);
  const vm1 = vmOf(system, 'vm1');
  const vm2 = vmOf(system, 'vm2');
  const results: (string | null)[] = [];
  const a = system.kernel.createThread(vm1.task, 'main', async (sys) => {
    results.push(await sendSerialOutput(sys, vm1.gate, 0, text('login: ')));
    results.push(await sendSerialOutput(sys, vm1.gate, 1, text('to nowhere')));
  });
  const b = system.kernel.createThread(vm2.task, 'main', async (sys) => {
    results.push(await sendSerialOutput(sys, vm2.gate, 1, text('ttyS1 ready')));
  });
  await runKernel(system.kernel);
  assertAllFinished(a, b);
  assert.deepEqual(results, [null, null, null]);
  // Words carry the VM's number, its badge − 1 (vmBadge in src/protocols/console.ts).
  assert.deepEqual(system.consoleRequests, ['0/0: login: ', '1/1: ttyS1 ready']);
});

test('SER0003 TCP: clients receive the output; their bytes reach the serial-in ring with NOTIFY_SERIAL', async () => {
  const port = await freePort();
  const system = serialSystem([{ name: 'vm1', badge: 1, ports: [{ port: 1, destination: { kind: 'tcp', port } }] }]);
  const vm = vmOf(system, 'vm1');
  let client: Socket | null = null;
  let received = '';
  const clientGot = (wanted: string): Promise<void> =>
    new Promise<void>((resolve) => {
      const check = (): void => (received.includes(wanted) ? resolve() : void setTimeout(check, 1));
      check();
    });
  const seen: string[] = [];
  const thread = system.kernel.createThread(vm.task, 'main', async (sys) => {
    await sys.hostAwait(logLineMatching(system, /vm1 port 1 \(COM2\): listening on tcp 127\.0\.0\.1:\d+/));
    const socket = connect(port, '127.0.0.1');
    client = socket;
    socket.on('data', (data: Buffer) => (received += data.toString('latin1')));
    await sys.hostAwait(logLineMatching(system, /client 127\.0\.0\.1:\d+ connected/));
    assert.equal(await sendSerialOutput(sys, vm.gate, 1, text('Welcome to the guest\r\n')), null);
    await sys.hostAwait(clientGot('Welcome to the guest\r\n'));
    socket.write('ls\r');
    while (seen.length < 3) {
      const bits = unwrap(await sys.wait(vm.events));
      assert.equal(bits & NOTIFY_SERIAL, NOTIFY_SERIAL);
      seen.push(...drain(sys, vm));
    }
    // Output to a port with no TCP client left is dropped, not refused.
    socket.destroy();
    await sys.hostAwait(logLineMatching(system, /client disconnected/));
    assert.equal(await sendSerialOutput(sys, vm.gate, 1, text('nobody listens')), null);
    system.stop.abort();
  });
  await runKernel(system.kernel);
  assertAllFinished(thread);
  assert.equal(received, 'Welcome to the guest\r\n');
  assert.deepEqual(seen, ['1:l', '1:s', '1:\r']);
  assert.ok(client);
  // Shut down: the port is free again.
  const again = createServer();
  await new Promise<void>((resolve, reject) => {
    again.once('error', reject);
    again.listen(port, '127.0.0.1', resolve);
  });
  await new Promise<void>((resolve) => again.close(() => resolve()));
});

test('SER0004 input from the input server goes into that VM\'s ring and signals NOTIFY_SERIAL', async () => {
  const system = serialSystem([
    { name: 'vm1', badge: 1, ports: [{ port: 0, destination: { kind: 'terminal' } }] },
    { name: 'vm2', badge: 2, ports: [{ port: 0, destination: { kind: 'none' } }] },
  ]);
  const vm1 = vmOf(system, 'vm1');
  const vm2 = vmOf(system, 'vm2');
  const results: (string | null)[] = [];
  const seen: string[] = [];
  const typist = system.kernel.createThread(system.input.task, 'main', async (sys) => {
    results.push(await sendSerialInput(sys, system.input.gate, 1, 0, text('root\n')));
  });
  const reader = system.kernel.createThread(vm2.task, 'main', async (sys) => {
    assert.equal(unwrap(await sys.wait(vm2.events)), NOTIFY_SERIAL);
    seen.push(...drain(sys, vm2));
  });
  const other = system.kernel.createThread(vm1.task, 'main', async (sys) => {
    await sys.sleep(1_000_000);
    assert.deepEqual(drain(sys, vm1), [], 'vm1 got nothing');
  });
  await runKernel(system.kernel);
  assertAllFinished(typist, reader, other);
  assert.deepEqual(results, [null]);
  assert.deepEqual(seen, ['0:r', '0:o', '0:o', '0:t', '0:\n']);
});

test('SER0005 senders are told apart by badge: a VM may not send input, unknown badges, VMs and ports are refused', async () => {
  const system = serialSystem([{ name: 'vm1', badge: 1, ports: [{ port: 0, destination: { kind: 'terminal' } }] }]);
  const vm = vmOf(system, 'vm1');
  const results: Record<string, string | null> = {};
  const a = system.kernel.createThread(vm.task, 'main', async (sys) => {
    results['vm sends input'] = await sendSerialInput(sys, vm.gate, 0, 0, text('x'));
    results['vm, unknown port'] = await sendSerialOutput(sys, vm.gate, 3, text('x'));
    const result = await sys.call(vm.gate, sys.message(SerialLabel.output, [0]));
    assertIpcOk(result);
    results['vm, no string item'] = decodeSerialReply(result.tag, sys.mr)?.kind === 'error' && sys.mr[0] === SERIAL_ERROR_CODES.malformed ? 'malformed' : 'ok?';
  });
  const b = system.kernel.createThread(system.stranger.task, 'main', async (sys) => {
    results['stranger output'] = await sendSerialOutput(sys, system.stranger.gate, 0, text('x'));
    results['stranger input'] = await sendSerialInput(sys, system.stranger.gate, 0, 0, text('x'));
  });
  const c = system.kernel.createThread(system.input.task, 'main', async (sys) => {
    results['input server sends output'] = await sendSerialOutput(sys, system.input.gate, 0, text('x'));
    results['input to unknown vm'] = await sendSerialInput(sys, system.input.gate, 1, 0, text('x'));
    results['input to unknown port'] = await sendSerialInput(sys, system.input.gate, 0, 2, text('x'));
    const result = await sys.call(system.input.gate, sys.message(42, [1, 0], [{ kind: 'string', bytes: text('x') }]));
    assertIpcOk(result);
    assert.deepEqual([result.tag.label, sys.mr[0]], [SERIAL_REPLY_ERROR, SERIAL_ERROR_CODES.malformed], 'unknown label');
  });
  await runKernel(system.kernel);
  assertAllFinished(a, b, c);
  assert.deepEqual(results, {
    'vm sends input': 'not-allowed',
    'vm, unknown port': 'unknown-port',
    'vm, no string item': 'malformed',
    'stranger output': 'unknown-sender',
    'stranger input': 'unknown-sender',
    'input server sends output': 'not-allowed',
    'input to unknown vm': 'unknown-vm',
    'input to unknown port': 'unknown-port',
  });
  assert.deepEqual(system.consoleRequests, [], 'nothing refused reached the console');
});

test('SER0006 a full ring: input waits in the server, in order, and arrives as the VM reads; beyond the limit it is refused with busy', async () => {
  const system = serialSystem([{ name: 'vm1', badge: 1, ports: [{ port: 0, destination: { kind: 'none' } }] }], { inputQueueLimit: 2500 });
  const vm = vmOf(system, 'vm1');
  // The ring holds 512 events of 8 bytes; 2000 bytes fill it almost four times over.
  const first = Array.from({ length: 2000 }, (_, i) => String.fromCharCode(0x21 + (i % 90))).join('');
  const results: (string | null)[] = [];
  let wakeups = 0;
  const typist = system.kernel.createThread(system.input.task, 'main', async (sys) => {
    results.push(await sendSerialInput(sys, system.input.gate, 0, 0, text(first)));
    // Queued behind the first: must come after it.
    results.push(await sendSerialInput(sys, system.input.gate, 0, 0, text('END')));
    // 2000 + 3 - 512 are waiting; this would go over the limit of 2500.
    results.push(await sendSerialInput(sys, system.input.gate, 0, 0, text('x'.repeat(1500))));
  });
  let got = '';
  const reader = system.kernel.createThread(vm.task, 'main', async (sys) => {
    await sys.sleep(1_000_000); // let the typist fill the ring first
    while (got.length < first.length + 3) {
      const bits = unwrap(await sys.wait(vm.events));
      assert.equal(bits & NOTIFY_SERIAL, NOTIFY_SERIAL);
      wakeups++;
      got += drain(sys, vm)
        .map((entry) => entry.slice(2))
        .join('');
    }
  });
  await runKernel(system.kernel);
  assertAllFinished(typist, reader);
  assert.deepEqual(results, [null, null, 'busy']);
  assert.equal(got, `${first}END`);
  assert.ok(wakeups >= 4, `the VM was woken for each refill (${wakeups} times)`);
});

test('SER0007 a TCP port in use stops the server at start, naming the VM, port and address; what it had opened is closed', async () => {
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const address = blocker.address();
  assert.ok(address !== null && typeof address === 'object');
  const taken = address.port;
  const free = await freePort();
  try {
    const system = serialSystem([
      { name: 'vm1', badge: 1, ports: [{ port: 0, destination: { kind: 'tcp', port: free } }] },
      { name: 'vm2', badge: 2, ports: [{ port: 1, destination: { kind: 'tcp', port: taken } }] },
    ]);
    await runKernel(system.kernel, { expectedFaults: (thread) => thread.task === system.server });
    const main = [...system.kernel.threads.values()].find((thread) => thread.task === system.server && thread.name === 'main');
    assert.ok(main);
    assert.equal(main.state, 'faulted');
    const message = main.fault instanceof Error ? main.fault.message : String(main.fault);
    assert.match(message, new RegExp(`^serial server: vm2 port 1 \\(COM2\\): cannot listen for TCP on 127\\.0\\.0\\.1:${taken}: the address is already in use`));
    assert.ok(system.log.includes(message), 'the message is logged too');
    // vm1's server was closed again: its port can be taken.
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(free, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => again.close(() => resolve()));
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
});

test('SER0008 options that contradict themselves are refused when the program is made', () => {
  const base = { serialInCap: 's', eventsCap: 'e' };
  const log = (): void => undefined;
  assert.throws(() => serialServer({ log, vms: [{ ...base, name: 'vm1', badge: SERIAL_INPUT_BADGE, ports: [] }] }), /badge 4294901761 is not a VM number/);
  assert.throws(
    () =>
      serialServer({
        log,
        vms: [
          { ...base, name: 'vm1', badge: 1, ports: [] },
          { ...base, name: 'vm2', badge: 1, ports: [] },
        ],
      }),
    /vm2: badge 1 is given to two VMs/,
  );
  assert.throws(
    () =>
      serialServer({
        log,
        vms: [
          { ...base, name: 'vm1', badge: 1, ports: [] },
          { ...base, name: 'vm2', badge: 7, number: 0, ports: [] },
        ],
      }),
    /vm2: VM number 0 is given to two VMs/,
  );
  assert.throws(() => serialServer({ log, vms: [{ ...base, name: 'vm1', badge: 1, ports: [{ port: 256, destination: { kind: 'none' } }] }] }), /port 256 is not a UART index/);
  assert.throws(
    () =>
      serialServer({
        log,
        vms: [
          { ...base, name: 'vm1', badge: 1, ports: [{ port: 0, destination: { kind: 'tcp', port: 4555 } }] },
          { ...base, name: 'vm2', badge: 2, ports: [{ port: 0, destination: { kind: 'tcp', port: 4555 } }] },
        ],
      }),
    /vm2 port 0 \(COM1\) and vm1 port 0 \(COM1\) both want TCP 127\.0\.0\.1:4555/,
  );
});

test('SER0009 requests and replies survive encoding', () => {
  const requests: SerialRequest[] = [
    { kind: 'output', port: 2, bytes: text('abc') },
    { kind: 'input', vm: 7, port: 1, bytes: text('q') },
  ];
  for (const request of requests) {
    const message = encodeSerialRequest(request);
    const decoded = decodeSerialRequest({ label: message.label, words: message.words.length, items: message.items.length }, Uint32Array.from(message.words), message.items.map((item) => (item.kind === 'string' ? item : { kind: 'map', slot: -1, size: 0, rights: 0 })));
    assert.deepEqual(decoded, request);
  }
  assert.equal(decodeSerialRequest({ label: SerialLabel.output, words: 1, items: 0 }, Uint32Array.of(0), []), null);
  assert.equal(decodeSerialRequest({ label: KernelLabel.fault, words: 1, items: 1 }, Uint32Array.of(0), [{ kind: 'string', bytes: text('x') }]), null);
  const busy = encodeSerialReply({ kind: 'error', error: 'busy' });
  assert.deepEqual(decodeSerialReply({ label: busy.label, words: busy.words.length, items: 0 }, Uint32Array.from(busy.words)), { kind: 'error', error: 'busy' });
  assert.deepEqual(decodeSerialReply({ label: 0, words: 0, items: 0 }, new Uint32Array(1)), { kind: 'ok' });
});

test('SER0010 a capability missing from the environment stops the server at start, naming it', async () => {
  const system = serialSystem([{ name: 'vm1', badge: 1, ports: [{ port: 0, destination: { kind: 'none' } }] }]);
  system.server.environment.delete('serial-in-vm1');
  await runKernel(system.kernel, { expectedFaults: (thread) => thread.task === system.server });
  const main = [...system.kernel.threads.values()].find((thread) => thread.task === system.server);
  assert.ok(main && main.fault instanceof Error);
  assert.equal(main.fault.message, 'serial server: vm1: no read-write dataspace capability named "serial-in-vm1" (the VM\'s serial-in ring)');
});

test('SER0011 a TCP client sending faster than the VM reads is paused, not dropped: every byte arrives in order (host clock)', async () => {
  const port = await freePort();
  // A queue limit below one TCP read, so the client is paused and resumed again and again.
  const system = serialSystem([{ name: 'vm1', badge: 1, ports: [{ port: 0, destination: { kind: 'tcp', port } }] }], { inputQueueLimit: 600 }, { clock: 'host' });
  const vm = vmOf(system, 'vm1');
  const sent = Array.from({ length: 20000 }, (_, i) => String.fromCharCode(0x30 + (i % 64))).join('');
  let got = '';
  const thread = system.kernel.createThread(vm.task, 'main', async (sys) => {
    await sys.hostAwait(logLineMatching(system, /listening on tcp/));
    const socket = connect(port, '127.0.0.1');
    socket.write(sent);
    while (got.length < sent.length) {
      await sys.wait(vm.events);
      got += drain(sys, vm)
        .map((entry) => entry.slice(2))
        .join('');
      await sys.sleep(milliseconds(1)); // a slow reader
    }
    socket.destroy();
    system.stop.abort();
    // On the host clock the run loop waits for host events for ever: end it.
    system.kernel.stop();
  });
  await runKernel(system.kernel);
  assertAllFinished(thread);
  assert.equal(got.length, sent.length);
  assert.ok(got === sent, 'the bytes arrived in the order they were sent');
});
