// Interrupt lines between devices and interrupt controllers. A line has a level; edge-triggered
// inputs look at its changes. The receiving side is whatever the machine wires it to.

export interface IrqSink {
  /** Called when the level of input `line` changes. */
  setIrq(line: number, level: boolean): void;
}

export class IrqLine {
  private level = false;

  constructor(
    private readonly sink: IrqSink,
    readonly line: number,
  ) {}

  get high(): boolean {
    return this.level;
  }

  set(level: boolean): void {
    if (level === this.level) return;
    this.level = level;
    this.sink.setIrq(this.line, level);
  }

  raise(): void {
    this.set(true);
  }

  lower(): void {
    this.set(false);
  }

  /** A short pulse, for edge-triggered inputs. */
  pulse(): void {
    this.set(true);
    this.set(false);
  }
}

/** A sink that ignores everything: for a device input a machine leaves unconnected. */
export const unconnected: IrqSink = { setIrq: () => undefined };
