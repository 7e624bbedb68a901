// The system configuration a person writes: the VMs to run, each with its machine, memory,
// firmware, disks, serial ports and host CPU. YAML or JSON (YAML is a superset). Validation checks
// everything — fields, values, files — before anything starts, and its error names the field:
//   vms[1].disks[0].file: guests/x.img does not exist
// The schema is documented in docs/configuration.md; keep the two in step.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** The machines a configuration may name, and what each takes. */
export const MACHINE_KINDS = {
  pc: {
    architecture: 'x86',
    /** Where a person meets the guest (Machine.console): a screen and keyboard, or the first serial port. */
    console: 'display',
    firmware: ['bios', 'vgabios'],
    /** Where each firmware role is found when the configuration names none (`l4vm images fetch`, or Debian's package). */
    defaultFirmware: { bios: 'usr/share/seabios/bios.bin', vgabios: 'usr/share/seabios/vgabios-isavga.bin' },
    /** The Debian package (`l4vm images fetch` catalogue) that has the default firmware. */
    firmwarePackage: 'seabios',
    requiredFirmware: ['bios'],
    /** Whether the machine loads a kernel, initrd and command line itself (QEMU's -kernel). */
    loadsKernel: false,
    minMemory: 2 << 20,
    maxMemory: 2 ** 31,
    serialPorts: 2,
    disks: 4,
  },
  virt: {
    architecture: 'arm',
    /** No screen or keyboard: the console shows the PL011's output, keys are typed into it. */
    console: 'serial',
    firmware: ['bios'],
    /** U-Boot for QEMU's 32-bit virt board, from Debian's u-boot-qemu; loaded into flash bank 0. */
    defaultFirmware: { bios: 'usr/lib/u-boot/qemu_arm/u-boot.bin' },
    firmwarePackage: 'u-boot-qemu',
    requiredFirmware: ['bios'],
    loadsKernel: false,
    minMemory: 16 << 20,
    maxMemory: 2 ** 31,
    serialPorts: 1,
    /** Disks go on the virtio-mmio transports (32 exist); four, as the pc, keep the block server's share. */
    disks: 4,
  },
} as const;
export type MachineKind = keyof typeof MACHINE_KINDS;

export type DiskMode = 'copy-on-write' | 'persist' | 'read-only';

export type SerialDestination = { kind: 'none' } | { kind: 'terminal' } | { kind: 'file'; path: string } | { kind: 'tcp'; port: number; host: string };

export interface VmConfig {
  name: string;
  machine: MachineKind;
  architecture: string;
  memoryBytes: number;
  /** Host CPU (0 = the main thread). */
  cpu: number;
  /** Firmware file by role (bios, vgabios); null for "none". Absolute paths. */
  firmware: Record<string, string | null>;
  disks: { file: string; mode: DiskMode }[];
  serial: SerialDestination[];
  onTripleFault: 'reset' | 'stop';
  /** Tests only: a device that throws when written (docs/configuration.md). */
  faultInjection: boolean;
}

export interface SystemConfig {
  vms: VmConfig[];
  /** Host CPUs the system uses (1 = everything on the main thread). */
  hostCpus: number;
  /** Where the log server's lines go: a file path, or null for none (the front end may show them). */
  log: string | null;
}

export class SystemConfigError extends Error {
  override readonly name = 'SystemConfigError';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(field === '' ? problem : `${field}: ${problem}`);
  }
}

const TOP_FIELDS = ['vms', 'hostCpus', 'log'];
const VM_FIELDS = ['name', 'machine', 'memory', 'cpu', 'firmware', 'kernel', 'initrd', 'cmdline', 'disks', 'serial', 'onTripleFault', 'faultInjection'];
const DISK_FIELDS = ['file', 'mode'];
const MAX_VMS = 16;
const MAX_HOST_CPUS = 16;
/** Block sessions of one system (one bit each in the block server's doorbell). */
const MAX_DISKS = 32;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkFields(value: Record<string, unknown>, known: readonly string[], field: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new SystemConfigError(field === '' ? key : `${field}.${key}`, `is not a known field (known: ${known.join(', ')})`);
  }
}

/** A memory size: a number of bytes, or text like 32M, 512M, 1G (a plain number in text is MiB). */
export function parseSize(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  if (typeof value === 'string') {
    const match = /^(\d+)\s*([kmg])?(i?b)?$/i.exec(value.trim());
    if (match !== null) {
      const unit = (match[2] ?? 'm').toLowerCase();
      return Number(match[1]) * (unit === 'k' ? 1024 : unit === 'g' ? 1024 ** 3 : 1024 ** 2);
    }
  }
  throw new SystemConfigError(field, `${JSON.stringify(value)} is not a memory size; write it like 32M, 512M or 1G`);
}

function formatSize(bytes: number): string {
  if (bytes % 2 ** 30 === 0) return `${bytes / 2 ** 30} GiB`;
  if (bytes % 2 ** 20 === 0) return `${bytes / 2 ** 20} MiB`;
  return `${bytes} bytes`;
}

function hostFile(value: unknown, field: string, base: string, what: string): string {
  if (typeof value !== 'string' || value === '') throw new SystemConfigError(field, `needs the path of ${what}`);
  const path = isAbsolute(value) ? value : resolve(base, value);
  if (!existsSync(path)) throw new SystemConfigError(field, `${value} does not exist`);
  if (!statSync(path).isFile()) throw new SystemConfigError(field, `${value} is not a file`);
  return path;
}

export function parseSerialDestination(value: unknown, field: string, base: string): SerialDestination {
  if (value === 'none' || value === null) return { kind: 'none' };
  if (value === 'terminal') return { kind: 'terminal' };
  if (typeof value === 'string' && value.startsWith('file:') && value.length > 5) {
    const path = resolve(base, value.slice(5));
    if (!existsSync(dirname(path))) throw new SystemConfigError(field, `the directory of ${value.slice(5)} does not exist`);
    return { kind: 'file', path };
  }
  if (typeof value === 'string' && value.startsWith('tcp:')) {
    const port = Number(value.slice(4));
    if (Number.isInteger(port) && port > 0 && port < 65536) return { kind: 'tcp', port, host: '127.0.0.1' };
  }
  throw new SystemConfigError(field, `${JSON.stringify(value)} is not a serial destination (terminal, none, file:PATH or tcp:PORT)`);
}

/**
 * Where a machine's default firmware is looked for when a configuration names none: a package
 * path (`usr/share/seabios/bios.bin`) to a host file, or null. The front end passes the image
 * cache's lookup (src/host/images.ts findImage); the root task itself reads no cache.
 */
export type FirmwareFinder = (packagePath: string) => string | null;

const NO_FIRMWARE: FirmwareFinder = () => null;

/**
 * Checks a parsed configuration; `base` is the directory relative paths start from. Throws a
 * SystemConfigError naming the field.
 */
export function validateSystemConfig(raw: unknown, base: string, findFirmware: FirmwareFinder = NO_FIRMWARE): SystemConfig {
  if (!isRecord(raw)) throw new SystemConfigError('', 'the configuration is not a mapping with a "vms" list');
  checkFields(raw, TOP_FIELDS, '');
  if (!Array.isArray(raw.vms) || raw.vms.length === 0) throw new SystemConfigError('vms', 'needs a list of at least one VM');
  if (raw.vms.length > MAX_VMS) throw new SystemConfigError('vms', `has ${raw.vms.length} VMs; at most ${MAX_VMS} run at once`);
  let hostCpus = 1;
  if (raw.hostCpus !== undefined) {
    if (typeof raw.hostCpus !== 'number' || !Number.isInteger(raw.hostCpus) || raw.hostCpus < 1 || raw.hostCpus > MAX_HOST_CPUS) {
      throw new SystemConfigError('hostCpus', `${JSON.stringify(raw.hostCpus)} is not a whole number from 1 to ${MAX_HOST_CPUS}`);
    }
    hostCpus = raw.hostCpus;
  }
  let log: string | null = null;
  if (raw.log !== undefined) {
    if (typeof raw.log !== 'string' || raw.log === '') throw new SystemConfigError('log', 'needs the path of a file for the log');
    log = resolve(base, raw.log);
    if (!existsSync(dirname(log))) throw new SystemConfigError('log', `the directory of ${raw.log} does not exist`);
  }

  const names = new Set<string>();
  const persisted = new Map<string, string>();
  const tcpPorts = new Map<number, string>();
  const vms = raw.vms.map((entry: unknown, index: number): VmConfig => {
    const field = `vms[${index}]`;
    if (!isRecord(entry)) throw new SystemConfigError(field, 'is not a mapping');
    checkFields(entry, VM_FIELDS, field);
    if (typeof entry.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_.-]{0,31}$/.test(entry.name)) {
      throw new SystemConfigError(`${field}.name`, `${JSON.stringify(entry.name)} is not a VM name (a letter, then up to 31 letters, digits, _ . -)`);
    }
    if (names.has(entry.name)) throw new SystemConfigError(`${field}.name`, `two VMs are named "${entry.name}"`);
    names.add(entry.name);
    if (typeof entry.machine !== 'string' || !(entry.machine in MACHINE_KINDS)) {
      throw new SystemConfigError(`${field}.machine`, `${JSON.stringify(entry.machine)} is not a machine (known: ${Object.keys(MACHINE_KINDS).join(', ')})`);
    }
    const machine = entry.machine as MachineKind;
    const kind = MACHINE_KINDS[machine];
    const memoryBytes = entry.memory === undefined ? 32 << 20 : parseSize(entry.memory, `${field}.memory`);
    if (memoryBytes < kind.minMemory || memoryBytes > kind.maxMemory) {
      throw new SystemConfigError(`${field}.memory`, `${formatSize(memoryBytes)} does not fit the ${machine} machine: it takes ${formatSize(kind.minMemory)} to ${formatSize(kind.maxMemory)}`);
    }
    let cpu = index % hostCpus;
    if (entry.cpu !== undefined) {
      if (typeof entry.cpu !== 'number' || !Number.isInteger(entry.cpu) || entry.cpu < 0 || entry.cpu >= hostCpus) {
        throw new SystemConfigError(`${field}.cpu`, `${JSON.stringify(entry.cpu)} is not a host CPU of this system (0 to ${hostCpus - 1}; set hostCpus for more)`);
      }
      cpu = entry.cpu;
    }
    const firmware: Record<string, string | null> = {};
    if (entry.firmware !== undefined) {
      if (!isRecord(entry.firmware)) throw new SystemConfigError(`${field}.firmware`, 'is not a mapping of firmware files by role');
      checkFields(entry.firmware, kind.firmware, `${field}.firmware`);
      for (const [role, value] of Object.entries(entry.firmware)) {
        firmware[role] = value === 'none' ? null : hostFile(value, `${field}.firmware.${role}`, base, `the ${role} image`);
      }
    }
    for (const key of ['kernel', 'initrd', 'cmdline'] as const) {
      if (entry[key] !== undefined && !kind.loadsKernel) {
        throw new SystemConfigError(`${field}.${key}`, `the ${machine} machine boots from its firmware and disks; it does not load a kernel itself`);
      }
    }
    for (const [role, path] of Object.entries(kind.defaultFirmware)) {
      if (role in firmware) continue;
      const found = findFirmware(path);
      if (found === null && (kind.requiredFirmware as readonly string[]).includes(role)) {
        throw new SystemConfigError(
          `${field}.firmware.${role}`,
          `none given, and no ${path.slice(path.lastIndexOf('/') + 1)} found: run \`l4vm images fetch ${kind.firmwarePackage}\`, install Debian's ${kind.firmwarePackage} package, or name a file`,
        );
      }
      firmware[role] = found;
    }
    const disks: VmConfig['disks'] = [];
    if (entry.disks !== undefined) {
      if (!Array.isArray(entry.disks)) throw new SystemConfigError(`${field}.disks`, 'is not a list');
      if (entry.disks.length > kind.disks) throw new SystemConfigError(`${field}.disks`, `has ${entry.disks.length} disks; the ${machine} machine takes ${kind.disks}`);
      entry.disks.forEach((disk: unknown, diskIndex: number) => {
        const diskField = `${field}.disks[${diskIndex}]`;
        const spec = typeof disk === 'string' ? { file: disk } : disk;
        if (!isRecord(spec)) throw new SystemConfigError(diskField, 'is not a file name or a mapping with "file" and "mode"');
        checkFields(spec, DISK_FIELDS, diskField);
        const file = hostFile(spec.file, `${diskField}.file`, base, 'a disk image');
        const size = statSync(file).size;
        if (size === 0 || size % 512 !== 0) throw new SystemConfigError(`${diskField}.file`, `${String(spec.file)} is ${size} bytes, not a whole number of 512-byte sectors`);
        const mode = spec.mode ?? 'copy-on-write';
        if (mode !== 'copy-on-write' && mode !== 'persist' && mode !== 'read-only') {
          throw new SystemConfigError(`${diskField}.mode`, `${JSON.stringify(mode)} is not copy-on-write, persist or read-only`);
        }
        if (mode === 'persist') {
          const other = persisted.get(file);
          if (other !== undefined) throw new SystemConfigError(`${diskField}.file`, `${String(spec.file)} is already persisted by ${other}; two VMs writing one image would corrupt it`);
          persisted.set(file, `${field} (${entry.name})`);
        }
        disks.push({ file, mode });
      });
    }
    const serial: SerialDestination[] = [];
    if (entry.serial !== undefined) {
      const list = Array.isArray(entry.serial) ? entry.serial : [entry.serial];
      if (list.length > kind.serialPorts) throw new SystemConfigError(`${field}.serial`, `has ${list.length} ports; the ${machine} machine has ${kind.serialPorts}`);
      list.forEach((value: unknown, port: number) => {
        const destination = parseSerialDestination(value, `${field}.serial[${port}]`, base);
        if (destination.kind === 'tcp') {
          const other = tcpPorts.get(destination.port);
          if (other !== undefined) throw new SystemConfigError(`${field}.serial[${port}]`, `TCP port ${destination.port} is already used by ${other}`);
          tcpPorts.set(destination.port, `${field}.serial[${port}]`);
        }
        serial.push(destination);
      });
    } else serial.push({ kind: 'terminal' });
    const onTripleFault = entry.onTripleFault ?? 'reset';
    if (onTripleFault !== 'reset' && onTripleFault !== 'stop') throw new SystemConfigError(`${field}.onTripleFault`, `${JSON.stringify(onTripleFault)} is not reset or stop`);
    if (entry.faultInjection !== undefined && typeof entry.faultInjection !== 'boolean') throw new SystemConfigError(`${field}.faultInjection`, 'is true or false');
    return { name: entry.name, machine, architecture: kind.architecture, memoryBytes, cpu, firmware, disks, serial, onTripleFault, faultInjection: entry.faultInjection === true };
  });
  const diskCount = vms.reduce((sum, vm) => sum + vm.disks.length, 0);
  if (diskCount > MAX_DISKS) throw new SystemConfigError('vms', `have ${diskCount} disks together; the block server serves at most ${MAX_DISKS}`);
  return { vms, hostCpus, log };
}

/** Reads and validates a configuration file (YAML or JSON). */
export function loadSystemConfig(path: string, findFirmware: FirmwareFinder = NO_FIRMWARE): SystemConfig {
  if (!existsSync(path)) throw new SystemConfigError('', `the configuration file ${path} does not exist`);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new SystemConfigError('', `${path} is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  try {
    return validateSystemConfig(raw, dirname(resolve(path)), findFirmware);
  } catch (error) {
    if (error instanceof SystemConfigError) throw new SystemConfigError('', `${path}: ${error.message}`);
    throw error;
  }
}
