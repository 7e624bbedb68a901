// An I/O-port space (x86 IN/OUT; other machines may have one behind a bridge): 65536 ports, each
// handled by the device registered for it. Unhandled reads return all ones, as an empty ISA bus does.

export interface PortHandler {
  read(port: number, size: 1 | 2 | 4): number;
  write(port: number, size: 1 | 2 | 4, value: number): void;
}

export const PORT_COUNT = 0x10000;

export class IoPorts {
  private readonly handlers: (PortHandler | null)[] = new Array<PortHandler | null>(PORT_COUNT).fill(null);
  private readonly owners: (string | null)[] = new Array<string | null>(PORT_COUNT).fill(null);
  /**
   * Called before every access, so a machine can bring guest time up to the instruction doing the
   * I/O (a device that reads the clock then sees the time of the access, not of the slice start).
   */
  beforeAccess: (() => void) | null = null;
  /** Told about accesses to ports nobody handles. */
  onUnassigned: (port: number, size: number, write: boolean, value: number) => void = () => undefined;

  /** Gives ports first … first+count-1 to `handler`; throws if one is taken. */
  register(name: string, first: number, count: number, handler: PortHandler): void {
    if (!Number.isInteger(first) || first < 0 || count <= 0 || first + count > PORT_COUNT) {
      throw new RangeError(`${name}: ports 0x${first.toString(16)}+${count} are outside the I/O space`);
    }
    for (let port = first; port < first + count; port++) {
      const owner = this.owners[port];
      if (owner !== null) throw new RangeError(`${name}: port 0x${port.toString(16)} already belongs to ${owner}`);
    }
    for (let port = first; port < first + count; port++) {
      this.handlers[port] = handler;
      this.owners[port] = name;
    }
  }

  owner(port: number): string | null {
    return this.owners[port & 0xffff];
  }

  read(port: number, size: 1 | 2 | 4): number {
    port &= 0xffff;
    if (this.beforeAccess !== null) this.beforeAccess();
    const handler = this.handlers[port];
    if (handler === null) {
      this.onUnassigned(port, size, false, 0);
      return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
    }
    return handler.read(port, size);
  }

  write(port: number, size: 1 | 2 | 4, value: number): void {
    port &= 0xffff;
    if (this.beforeAccess !== null) this.beforeAccess();
    const handler = this.handlers[port];
    if (handler === null) {
      this.onUnassigned(port, size, true, value);
      return;
    }
    handler.write(port, size, value);
  }
}
