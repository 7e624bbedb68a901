// The serial server: connects each VM's UARTs to the host. A VMM calls with what its UARTs sent
// (SerialLabel.output); the server passes it to the port's destination: the console server's
// serial pane, a file, the clients of a TCP socket, or nowhere. Bytes from a TCP client or from the
// input server (SerialLabel.input) go into the VM's `serial-in` ring. The protocol is in
// src/protocols/serial.ts; the policy in README.md.
//
// Two threads: `main` loops on replyWait; `sockets` (only when some port is a TCP socket) waits with
// hostAwait for the next socket event (a client connected, sent bytes, left) and handles it.

import { closeSync, openSync, writeSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { Sys } from '../../kernel/syscalls.js';
import type { ThreadBody } from '../../kernel/thread.js';
import { NEVER, milliseconds, type Nanoseconds, type Tag } from '../../kernel/types.js';
import { ConsoleLabel } from '../../protocols/console.js';
import { InputProducer, NOTIFY_SERIAL } from '../../protocols/input.js';
import {
  SERIAL_INPUT_BADGE,
  SERIAL_MAX_PORT,
  decodeSerialRequest,
  encodeSerialReply,
  type SerialReply,
  type SerialRequest,
} from '../../protocols/serial.js';

export type SerialDestination = { kind: 'none' } | { kind: 'terminal' } | { kind: 'file'; path: string } | { kind: 'tcp'; port: number; host?: string };

export interface SerialPortConfig {
  /** The UART's index in its machine: 0 = COM1. */
  port: number;
  destination: SerialDestination;
}

export interface SerialVmConfig {
  /** The badge of the VM's capability to the serial server. */
  badge: number;
  /**
   * The VM's number in message words (to the console server, from the input server); default
   * badge − 1, the convention of vmBadge in src/protocols/console.ts (VM n has badge n + 1).
   */
  number?: number;
  /** For messages: "vm1". */
  name: string;
  ports: SerialPortConfig[];
  /** The capability name of the VM's `serial-in` ring dataspace (needs rw). */
  serialInCap: string;
  /** The capability name of the VM's `events` notification (needs w). */
  eventsCap: string;
}

export interface SerialServerOptions {
  vms: SerialVmConfig[];
  /** The capability name of the console server's endpoint, used when a port's destination is 'terminal'; default 'console'. */
  consoleCap?: string;
  /** The capability name of this server's own endpoint; default 'requests'. */
  requestsCap?: string;
  /** Where the server's own messages go (host side). */
  log: (line: string) => void;
  /** Aborting it shuts the server down: TCP servers and clients closed, files closed, later requests refused. */
  stop?: AbortSignal;
  /** Bytes waiting per VM for room in its serial-in ring before input is refused or TCP clients are paused; default 65536. */
  inputQueueLimit?: number;
}

/** How often queued input is retried into a full ring: by the main thread on the kernel's clock, by the sockets thread on the host's. */
const RETRY_INTERVAL: Nanoseconds = milliseconds(2);
const RETRY_INTERVAL_HOST_MS = 2;
const DEFAULT_INPUT_QUEUE_LIMIT = 65536;
const DEFAULT_HOST = '127.0.0.1';
/** Output a TCP client has not taken yet beyond which it is disconnected, so a stalled client cannot fill the host's memory. */
const TCP_CLIENT_BACKLOG = 1 << 20;

function portName(port: number): string {
  return `port ${port} (COM${port + 1})`;
}

interface PortState {
  readonly vm: VmState;
  readonly port: number;
  readonly destination: SerialDestination;
  /** An open file ('file'). */
  fd: number | null;
  /** The listening socket and its clients ('tcp'). */
  server: Server | null;
  readonly clients: Set<Socket>;
  /** host:port, for messages. */
  address: string;
}

/** Bytes for a VM that did not fit in its ring yet, in order: (port << 8) | byte. */
class InputQueue {
  private entries: number[] = [];
  private head = 0;

  get length(): number {
    return this.entries.length - this.head;
  }
  push(port: number, byte: number): void {
    this.entries.push((port << 8) | byte);
  }
  peek(): number {
    return this.entries[this.head];
  }
  shift(): void {
    this.head++;
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (this.head >= 4096 && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
  clear(): void {
    this.entries = [];
    this.head = 0;
  }
}

interface VmState {
  readonly config: SerialVmConfig;
  readonly number: number;
  readonly ports: Map<number, PortState>;
  producer: InputProducer | null;
  eventsSlot: number;
  readonly queue: InputQueue;
  /** TCP clients paused because the queue went over its limit. */
  paused: boolean;
  /** A failed signal is reported once. */
  signalFailed: boolean;
}

type HostEvent =
  | { kind: 'connection'; port: PortState; socket: Socket }
  | { kind: 'data'; port: PortState; socket: Socket; bytes: Uint8Array }
  | { kind: 'closed'; port: PortState; socket: Socket }
  | { kind: 'error'; port: PortState; message: string }
  | { kind: 'stop' };

/** Host callbacks push socket events here; the `sockets` thread takes them one by one through hostAwait. */
class HostEvents {
  private readonly events: HostEvent[] = [];
  private waiter: ((event: HostEvent) => void) | null = null;

  push(event: HostEvent): void {
    const waiter = this.waiter;
    if (waiter !== null) {
      this.waiter = null;
      waiter(event);
    } else this.events.push(event);
  }

  /** The next event; with `timeoutMs`, null when none came within that many milliseconds of host time. */
  next(timeoutMs: number | null = null): Promise<HostEvent | null> {
    const event = this.events.shift();
    if (event !== undefined) return Promise.resolve(event);
    return new Promise<HostEvent | null>((resolve) => {
      if (timeoutMs === null) {
        this.waiter = resolve;
        return;
      }
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve(null);
      }, timeoutMs);
      this.waiter = (next) => {
        clearTimeout(timer);
        resolve(next);
      };
    });
  }
}

function vmNumber(vm: SerialVmConfig): number {
  return vm.number ?? vm.badge - 1;
}

function checkOptions(options: SerialServerOptions): void {
  const badges = new Set<number>();
  const numbers = new Set<number>();
  const listening = new Map<string, string>();
  for (const vm of options.vms) {
    if (!Number.isInteger(vm.badge) || vm.badge < 1 || vm.badge > 0xffff_ffff || vm.badge === SERIAL_INPUT_BADGE) {
      throw new RangeError(`serial server: ${vm.name}: badge ${vm.badge} is not a VM number (1 to 2^32-1, not the input server's ${SERIAL_INPUT_BADGE})`);
    }
    if (badges.has(vm.badge)) throw new RangeError(`serial server: ${vm.name}: badge ${vm.badge} is given to two VMs; each VM needs its own`);
    badges.add(vm.badge);
    const number = vmNumber(vm);
    if (!Number.isInteger(number) || number < 0 || number > 0xffff_ffff) throw new RangeError(`serial server: ${vm.name}: ${number} is not a VM number (0 to 2^32-1)`);
    if (numbers.has(number)) throw new RangeError(`serial server: ${vm.name}: VM number ${number} is given to two VMs; each VM needs its own`);
    numbers.add(number);
    const ports = new Set<number>();
    for (const { port, destination } of vm.ports) {
      if (!Number.isInteger(port) || port < 0 || port > SERIAL_MAX_PORT) throw new RangeError(`serial server: ${vm.name}: port ${port} is not a UART index from 0 to ${SERIAL_MAX_PORT}`);
      if (ports.has(port)) throw new RangeError(`serial server: ${vm.name}: ${portName(port)} is configured twice`);
      ports.add(port);
      if (destination.kind === 'tcp') {
        if (!Number.isInteger(destination.port) || destination.port < 1 || destination.port > 65535) {
          throw new RangeError(`serial server: ${vm.name} ${portName(port)}: TCP port ${destination.port} is not from 1 to 65535`);
        }
        const address = `${destination.host ?? DEFAULT_HOST}:${destination.port}`;
        const other = listening.get(address);
        if (other !== undefined) throw new RangeError(`serial server: ${vm.name} ${portName(port)} and ${other} both want TCP ${address}; give each its own port`);
        listening.set(address, `${vm.name} ${portName(port)}`);
      }
    }
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: Error): void => reject(error);
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

function describeListenError(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (code === 'EADDRINUSE') return 'the address is already in use; choose another port in the configuration or stop the program that uses it';
  if (code === 'EACCES') return 'permission denied; choose a port above 1023';
  if (code === 'EADDRNOTAVAIL') return 'the host address is not one of this machine';
  return error instanceof Error ? error.message : String(error);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The serial server's program (host CPU 0: it uses node:fs and node:net). Throws at once when the
 * options contradict themselves; a destination that cannot be opened (a file, a TCP port in use)
 * makes the thread fault at start with an error naming the VM, the port and the address.
 */
export function serialServer(options: SerialServerOptions): ThreadBody {
  checkOptions(options);
  const log = options.log;
  const limit = options.inputQueueLimit ?? DEFAULT_INPUT_QUEUE_LIMIT;

  return async (sys: Sys): Promise<void> => {
    /** By badge; `byNumber` by the VM's number, as the input server names it. */
    const vms = new Map<number, VmState>();
    const byNumber = new Map<number, VmState>();
    const allPorts: PortState[] = [];
    const events = new HostEvents();
    let stopped = false;

    const closeAll = (): void => {
      if (stopped) return;
      stopped = true;
      for (const port of allPorts) {
        if (port.fd !== null) {
          try {
            closeSync(port.fd);
          } catch (error) {
            log(`serial: ${port.vm.config.name} ${portName(port.port)}: closing ${port.address}: ${errorText(error)}`);
          }
          port.fd = null;
        }
        port.server?.close();
        port.server = null;
        for (const client of port.clients) client.destroy();
        port.clients.clear();
      }
      for (const vm of vms.values()) vm.queue.clear();
      events.push({ kind: 'stop' });
    };

    for (const config of options.vms) {
      const vm: VmState = { config, number: vmNumber(config), ports: new Map(), producer: null, eventsSlot: -1, queue: new InputQueue(), paused: false, signalFailed: false };
      for (const { port, destination } of config.ports) {
        const state: PortState = { vm, port, destination, fd: null, server: null, clients: new Set(), address: '' };
        vm.ports.set(port, state);
        allPorts.push(state);
      }
      vms.set(config.badge, vm);
      byNumber.set(vm.number, vm);
    }

    /** A start-up failure: everything opened so far is closed, the message logged and thrown. */
    const failure = (message: string): Error => {
      closeAll();
      log(message);
      return new Error(message);
    };

    // Capabilities first: a missing one is a configuration error, found before anything is opened.
    const requests = sys.capability(options.requestsCap ?? 'requests');
    if (requests < 0) throw failure(`serial server: no capability named "${options.requestsCap ?? 'requests'}" (its own endpoint); the task has ${sys.capabilityNames().join(', ') || 'none'}`);
    const needsConsole = allPorts.some((port) => port.destination.kind === 'terminal');
    const consoleCap = options.consoleCap ?? 'console';
    const consoleSlot = needsConsole ? sys.capability(consoleCap) : -1;
    if (needsConsole && consoleSlot < 0) throw failure(`serial server: no capability named "${consoleCap}" (the console server's endpoint), needed for ports that go to the terminal`);
    for (const vm of vms.values()) {
      const { name, serialInCap, eventsCap } = vm.config;
      const ringSlot = sys.capability(serialInCap);
      const region = ringSlot < 0 ? null : sys.region(ringSlot);
      const view = region !== null && region.ok ? region.value.view() : null;
      if (view === null) throw failure(`serial server: ${name}: no read-write dataspace capability named "${serialInCap}" (the VM's serial-in ring)`);
      try {
        vm.producer = new InputProducer(view);
      } catch (error) {
        throw failure(`serial server: ${name}: the dataspace "${serialInCap}" cannot hold a serial-in ring: ${errorText(error)}`);
      }
      vm.eventsSlot = sys.capability(eventsCap);
      if (vm.eventsSlot < 0) throw failure(`serial server: ${name}: no capability named "${eventsCap}" (the VM's events notification)`);
    }

    // Shutting down may come while the destinations open.
    if (options.stop !== undefined) {
      if (options.stop.aborted) closeAll();
      else options.stop.addEventListener('abort', closeAll, { once: true });
    }

    // Then the destinations: files are created (or truncated), TCP servers listen.
    for (const port of allPorts) {
      if (stopped) break;
      const { destination } = port;
      const where = `serial server: ${port.vm.config.name} ${portName(port.port)}`;
      if (destination.kind === 'file') {
        port.address = destination.path;
        try {
          port.fd = openSync(destination.path, 'w');
        } catch (error) {
          throw failure(`${where}: cannot create the file ${destination.path}: ${errorText(error)}`);
        }
      } else if (destination.kind === 'tcp') {
        const host = destination.host ?? DEFAULT_HOST;
        port.address = `${host}:${destination.port}`;
        const server = createServer((socket) => {
          if (stopped) {
            socket.destroy();
            return;
          }
          socket.on('data', (data: Buffer) => events.push({ kind: 'data', port, socket, bytes: new Uint8Array(data) }));
          socket.on('close', () => events.push({ kind: 'closed', port, socket }));
          // 'close' follows every 'error'; the error is only reported.
          socket.on('error', (error) => events.push({ kind: 'error', port, message: `client: ${error.message}` }));
          events.push({ kind: 'connection', port, socket });
        });
        port.server = server;
        try {
          await sys.hostAwait(listen(server, destination.port, host));
        } catch (error) {
          port.server = null;
          throw failure(`${where}: cannot listen for TCP on ${port.address}: ${describeListenError(error)}`);
        }
        if (stopped) {
          server.close(); // shut down while it was starting to listen
          break;
        }
        server.on('error', (error) => events.push({ kind: 'error', port, message: error.message }));
        log(`serial: ${port.vm.config.name} ${portName(port.port)}: listening on tcp ${port.address}`);
      }
    }

    /** Pushes a VM's queued bytes into its ring while there is room; signals the VMM if any went in. */
    const flush = async (threadSys: Sys, vm: VmState): Promise<void> => {
      const producer = vm.producer;
      if (producer === null || vm.queue.length === 0) return;
      let pushed = 0;
      while (vm.queue.length > 0) {
        const entry = vm.queue.peek();
        if (!producer.push({ kind: 'serial', port: entry >> 8, byte: entry & 0xff })) break;
        vm.queue.shift();
        pushed++;
      }
      if (vm.paused && vm.queue.length === 0) {
        vm.paused = false;
        for (const port of vm.ports.values()) for (const client of port.clients) client.resume();
      }
      if (pushed > 0) {
        const error = await threadSys.signal(vm.eventsSlot, NOTIFY_SERIAL);
        if (error !== null && !vm.signalFailed) {
          vm.signalFailed = true;
          log(`serial: ${vm.config.name}: signalling its events notification failed (${error}); its input waits in the ring unannounced`);
        }
      }
    };

    const flushAll = async (threadSys: Sys): Promise<void> => {
      for (const vm of vms.values()) await flush(threadSys, vm);
    };

    const queueInput = (vm: VmState, port: number, bytes: Uint8Array): void => {
      for (const byte of bytes) vm.queue.push(port, byte);
    };

    const anyQueued = (): boolean => {
      for (const vm of vms.values()) if (vm.queue.length > 0) return true;
      return false;
    };

    const output = async (vm: VmState, port: PortState, bytes: Uint8Array): Promise<SerialReply> => {
      const destination = port.destination;
      switch (destination.kind) {
        case 'none':
          return { kind: 'ok' };
        case 'terminal': {
          const result = await sys.call(consoleSlot, sys.message(ConsoleLabel.serial, [vm.number, port.port], [{ kind: 'string', bytes }]));
          if (result.ok && result.tag.label === 0) return { kind: 'ok' };
          log(`serial: ${vm.config.name} ${portName(port.port)}: the console server refused the output (${result.ok ? `reply label ${result.tag.label}` : result.error})`);
          return { kind: 'error', error: 'io' };
        }
        case 'file': {
          if (port.fd === null) return { kind: 'error', error: 'stopped' };
          try {
            for (let at = 0; at < bytes.length; ) at += writeSync(port.fd, bytes, at, bytes.length - at);
          } catch (error) {
            log(`serial: ${vm.config.name} ${portName(port.port)}: writing to ${port.address} failed: ${errorText(error)}`);
            return { kind: 'error', error: 'io' };
          }
          return { kind: 'ok' };
        }
        case 'tcp':
          // Nobody connected: the bytes go nowhere, as on a serial line with nothing plugged in.
          for (const client of port.clients) {
            if (client.writableLength > TCP_CLIENT_BACKLOG) {
              log(`serial: ${vm.config.name} ${portName(port.port)} (tcp ${port.address}): a client left ${client.writableLength} bytes unread; disconnecting it`);
              port.clients.delete(client);
              client.destroy();
            } else client.write(bytes);
          }
          return { kind: 'ok' };
      }
    };

    const handle = async (badge: number, request: SerialRequest | null): Promise<SerialReply> => {
      if (request === null) return { kind: 'error', error: 'malformed' };
      if (request.kind === 'output') {
        if (badge === SERIAL_INPUT_BADGE) return { kind: 'error', error: 'not-allowed' };
        const vm = vms.get(badge);
        if (vm === undefined) return { kind: 'error', error: 'unknown-sender' };
        const port = vm.ports.get(request.port);
        if (port === undefined) return { kind: 'error', error: 'unknown-port' };
        if (stopped) return { kind: 'error', error: 'stopped' };
        return output(vm, port, request.bytes);
      }
      if (badge !== SERIAL_INPUT_BADGE) return { kind: 'error', error: vms.has(badge) ? 'not-allowed' : 'unknown-sender' };
      const vm = byNumber.get(request.vm);
      if (vm === undefined) return { kind: 'error', error: 'unknown-vm' };
      if (!vm.ports.has(request.port)) return { kind: 'error', error: 'unknown-port' };
      if (stopped) return { kind: 'error', error: 'stopped' };
      if (vm.queue.length + request.bytes.length > limit) return { kind: 'error', error: 'busy' };
      queueInput(vm, request.port, request.bytes);
      await flush(sys, vm);
      return { kind: 'ok' };
    };

    const handleHostEvent = (event: Exclude<HostEvent, { kind: 'stop' }>): void => {
      const port = event.port;
      const vm = port.vm;
      const where = `serial: ${vm.config.name} ${portName(port.port)} (tcp ${port.address})`;
      switch (event.kind) {
        case 'connection':
          if (stopped) {
            event.socket.destroy();
            return;
          }
          port.clients.add(event.socket);
          if (vm.paused) event.socket.pause();
          log(`${where}: client ${event.socket.remoteAddress ?? '?'}:${event.socket.remotePort ?? '?'} connected`);
          return;
        case 'data':
          if (stopped) return;
          queueInput(vm, port.port, event.bytes);
          if (vm.queue.length > limit && !vm.paused) {
            // TCP's flow control holds the rest back at the sender until the VM has read enough.
            vm.paused = true;
            for (const other of vm.ports.values()) for (const client of other.clients) client.pause();
          }
          return;
        case 'closed':
          if (port.clients.delete(event.socket)) log(`${where}: client disconnected`);
          return;
        case 'error':
          log(`${where}: ${event.message}`);
          return;
      }
    };

    if (allPorts.some((port) => port.destination.kind === 'tcp') && !stopped) {
      const spawned = sys.spawn('sockets', async (socketSys: Sys): Promise<void> => {
        for (;;) {
          // While input waits for room, wake up now and then even without an event: a paused client sends none.
          const event = await socketSys.hostAwait(events.next(anyQueued() ? RETRY_INTERVAL_HOST_MS : null));
          if (event !== null && event.kind === 'stop') return;
          if (event !== null) handleHostEvent(event);
          await flushAll(socketSys);
        }
      });
      if (!spawned.ok) throw failure(`serial server: cannot start its sockets thread (${spawned.error})`);
    }

    let reply: Tag | null = null;
    for (;;) {
      const result = await sys.replyWait(requests, reply, anyQueued() ? RETRY_INTERVAL : NEVER);
      reply = null;
      if (!result.ok) {
        if (result.error === 'timeout') {
          await flushAll(sys);
          continue;
        }
        log(`serial server: receiving on its endpoint failed (${result.error}); it stops serving`);
        closeAll();
        return;
      }
      const answer = await handle(result.badge, decodeSerialRequest(result.tag, sys.mr, sys.received));
      if (anyQueued()) await flushAll(sys);
      const message = encodeSerialReply(answer);
      reply = sys.message(message.label, message.words, message.items);
    }
  };
}
