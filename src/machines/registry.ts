// Builds a machine by its name, from what a VMM (or `l4vm run`) has: memory size, firmware images
// by role, disks, serial backends. The names and what each machine takes are in
// src/servers/root/vm-config.ts (MACHINE_KINDS), which checks a configuration before this runs.

import type { UartBackend } from '../devices/uart16550.js';
import type { BlockBackend } from '../hw/block.js';
import type { Machine } from './machine.js';
import { PcMachine } from './pc.js';
import { VirtArmMachine } from './virt-arm.js';

export interface MachineOptions {
  memoryBytes: number;
  /** Firmware images by role (pc: bios, vgabios; virt: bios, loaded into flash bank 0); absent or null for none. */
  firmware: Record<string, Uint8Array | null | undefined>;
  /** The file names of the firmware images, where the machine passes them on (fw_cfg). */
  firmwareNames?: Record<string, string>;
  disks: readonly (BlockBackend | null)[];
  serial: readonly (UartBackend | null)[];
  baseTime?: Date;
  log?: (line: string) => void;
  onTripleFault?: 'reset' | 'stop';
  onReset?: (reason: string) => void;
  debugConsole?: (byte: number) => void;
  /** Tests only: a device model that throws when the guest writes port 0x4F0 (pc). */
  faultInjection?: boolean;
}

export function createMachine(kind: string, options: MachineOptions): Machine {
  switch (kind) {
    case 'pc': {
      const bios = options.firmware.bios;
      if (bios === null || bios === undefined) throw new Error('the pc machine needs a BIOS image (firmware.bios)');
      return new PcMachine({
        memoryBytes: options.memoryBytes,
        bios,
        biosName: options.firmwareNames?.bios,
        vgaBios: options.firmware.vgabios ?? null,
        vgaBiosName: options.firmwareNames?.vgabios ?? 'vgabios-isavga.bin',
        vbe: true,
        disks: options.disks,
        serial: options.serial,
        baseTime: options.baseTime,
        log: options.log,
        onTripleFault: options.onTripleFault,
        onReset: options.onReset,
        debugConsole: options.debugConsole,
        faultInjection: options.faultInjection,
      });
    }
    case 'virt': {
      const bios = options.firmware.bios;
      if (bios === null || bios === undefined) throw new Error("the virt machine needs a firmware image for its flash (firmware.bios, e.g. U-Boot's qemu_arm u-boot.bin)");
      return new VirtArmMachine({
        memoryBytes: options.memoryBytes,
        bios,
        biosName: options.firmwareNames?.bios,
        disks: options.disks,
        serial: options.serial[0] ?? null,
        baseTime: options.baseTime,
        log: options.log,
        onReset: options.onReset,
      });
    }
    default:
      throw new Error(`there is no machine named "${kind}"`);
  }
}
