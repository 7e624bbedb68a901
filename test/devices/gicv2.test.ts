// The GICv2 distributor and CPU interface: identification and reset values, enabling and
// prioritising, acknowledge/EOI with level and edge inputs, the priority mask and pre-emption,
// groups and FIQ, SGIs, the aliased group 1 registers, split priority drop/deactivation, and
// the sequence Linux's irq-gic driver and a bare-metal timer test use.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IrqLine, type IrqSink } from '../../src/hw/irq.js';
import { PhysicalMemory } from '../../src/hw/memory.js';
import {
  GICC_AEOIR,
  GICC_AHPPIR,
  GICC_AIAR,
  GICC_BPR,
  GICC_CTLR,
  GICC_DIR,
  GICC_EOIR,
  GICC_HPPIR,
  GICC_IAR,
  GICC_IIDR,
  GICC_PMR,
  GICC_RPR,
  GICD_CTLR,
  GICD_ICACTIVER,
  GICD_ICENABLER,
  GICD_ICFGR,
  GICD_ICPENDR,
  GICD_IGROUPR,
  GICD_IIDR,
  GICD_IPRIORITYR,
  GICD_ISACTIVER,
  GICD_ISENABLER,
  GICD_ISPENDR,
  GICD_ITARGETSR,
  GICD_SGIR,
  GICD_SPENDSGIR,
  GICD_TYPER,
  GicV2,
  VIRT_TIMER_PPI,
  ppiId,
  spiId,
} from '../../src/devices/gicv2.js';

class Pins implements IrqSink {
  irq = false;
  fiq = false;
  setIrq(line: number, level: boolean): void {
    if (line === 0) this.irq = level;
    else this.fiq = level;
  }
}

function makeGic() {
  const pins = new Pins();
  const gic = new GicV2({ irq: new IrqLine(pins, 0), fiq: new IrqLine(pins, 1) });
  const memory = new PhysicalMemory('little');
  memory.addMmio('gic-dist', 0x08000000, 0x10000, gic.distributor, 'little');
  memory.addMmio('gic-cpu', 0x08010000, 0x10000, gic.cpuInterface, 'little');
  const dist = (offset: number) => memory.read32(0x08000000 + offset);
  const setDist = (offset: number, value: number) => memory.write32(0x08000000 + offset, value);
  const cpu = (offset: number) => memory.read32(0x08010000 + offset);
  const setCpu = (offset: number, value: number) => memory.write32(0x08010000 + offset, value);
  return { pins, gic, memory, dist, setDist, cpu, setCpu };
}

/** What Linux's gic_dist_init/gic_cpu_init do, reduced to one CPU: everything group 0, priority 0xa0, PMR 0xf0. */
function linuxInit(rig: ReturnType<typeof makeGic>): void {
  const { setDist, setCpu, memory } = rig;
  setDist(GICD_CTLR, 0);
  for (let i = 32; i < 288; i += 16) setDist(GICD_ICFGR + i / 4, 0);
  for (let i = 32; i < 288; i += 4) setDist(GICD_IPRIORITYR + i, 0xa0a0a0a0);
  for (let i = 32; i < 288; i += 32) {
    setDist(GICD_ICACTIVER + i / 8, 0xffffffff);
    setDist(GICD_ICENABLER + i / 8, 0xffffffff);
  }
  setDist(GICD_CTLR, 1);
  setDist(GICD_ICACTIVER, 0xffffffff);
  setDist(GICD_ICENABLER, 0xffff0000);
  setDist(GICD_ISENABLER, 0x0000ffff);
  for (let i = 0; i < 32; i += 4) setDist(GICD_IPRIORITYR + i, 0xa0a0a0a0);
  setCpu(GICC_PMR, 0xf0);
  setCpu(GICC_CTLR, 1);
  void memory;
}

test('GIC0001 identification and reset: TYPER for 288 interrupts, IIDRs, PrimeCell IDs, SGIs enabled and edge', () => {
  const { dist, cpu, pins } = makeGic();
  assert.equal(dist(GICD_TYPER), 8, 'ITLinesNumber 8 (288 IDs), one CPU, no Security Extensions');
  assert.equal(dist(GICD_IIDR), 0x43b);
  assert.equal(cpu(GICC_IIDR), 0x0002043b);
  assert.deepEqual([0xfd0, 0xfe0, 0xfe4, 0xfe8, 0xfec, 0xff0, 0xffc].map(dist), [0x04, 0x90, 0xb4, 0x2b, 0x00, 0x0d, 0xb1]);
  assert.equal(dist(GICD_CTLR), 0);
  assert.equal(dist(GICD_ISENABLER), 0x0000ffff);
  assert.equal(dist(GICD_ICFGR), 0xaaaaaaaa);
  assert.equal(dist(GICD_ITARGETSR + 32), 0, 'targets are RAZ/WI on a uniprocessor GIC');
  assert.equal(cpu(GICC_IAR), 1023);
  assert.equal(cpu(GICC_RPR), 0xff);
  assert.equal(pins.irq || pins.fiq, false);
  assert.equal(dist(GICD_ISENABLER + 0x24), 0, 'beyond 288 reads as zero');
  assert.deepEqual([spiId(1), ppiId(VIRT_TIMER_PPI.physical), ppiId(VIRT_TIMER_PPI.virtual)], [33, 30, 27]);
});

test('GIC0002 a level SPI: pending while high, acknowledged, active and pending, EOI, then it interrupts again until lowered', () => {
  const rig = makeGic();
  const { gic, pins, dist, setDist, cpu, setCpu } = rig;
  linuxInit(rig);
  gic.setIrq(spiId(1), true);
  assert.equal(pins.irq, false, 'not enabled yet');
  assert.equal(dist(GICD_ISPENDR + 4) & 2, 2, 'pending is visible though');
  setDist(GICD_ISENABLER + 4, 1 << 1);
  assert.equal(pins.irq, true);
  assert.equal(cpu(GICC_HPPIR), 33);
  assert.equal(cpu(GICC_IAR), 33);
  assert.equal(pins.irq, false, 'active: no more signalling');
  assert.equal(cpu(GICC_RPR), 0xa0);
  assert.equal(dist(GICD_ISACTIVER + 4) & 2, 2);
  assert.equal(dist(GICD_ISPENDR + 4) & 2, 2, 'active and pending while the line is high');
  setCpu(GICC_EOIR, 33);
  assert.equal(pins.irq, true, 'line still high: signalled again');
  gic.setIrq(spiId(1), false);
  assert.equal(pins.irq, false);
  assert.equal(cpu(GICC_IAR), 1023);
});

test('GIC0003 an edge interrupt latches: one acknowledge per edge; ICPENDR clears; ISPENDR sets', () => {
  const rig = makeGic();
  const { gic, pins, setDist, cpu, setCpu } = rig;
  linuxInit(rig);
  setDist(GICD_ICFGR + 8, 0x2 << 2 * 1); // ID 33 edge
  setDist(GICD_ISENABLER + 4, 0xffffffff);
  gic.setIrq(33, true);
  gic.setIrq(33, false);
  assert.equal(pins.irq, true);
  assert.equal(cpu(GICC_IAR), 33);
  setCpu(GICC_EOIR, 33);
  assert.equal(pins.irq, false, 'the edge was consumed');
  gic.setIrq(33, true);
  setDist(GICD_ICPENDR + 4, 1 << 1);
  assert.equal(pins.irq, false);
  setDist(GICD_ISPENDR + 4, 1 << 2); // ID 34 by software
  assert.equal(cpu(GICC_IAR), 34);
});

test('GIC0004 priorities: lowest value wins, ties by lowest ID; PMR masks; a higher priority pre-empts an active one', () => {
  const rig = makeGic();
  const { gic, pins, memory, setDist, cpu, setCpu } = rig;
  linuxInit(rig);
  setDist(GICD_ISENABLER + 4, 0xffffffff);
  memory.write8(0x08000000 + GICD_IPRIORITYR + 40, 0x80);
  memory.write8(0x08000000 + GICD_IPRIORITYR + 41, 0x40);
  memory.write8(0x08000000 + GICD_IPRIORITYR + 42, 0x40);
  assert.equal(memory.read8(0x08000000 + GICD_IPRIORITYR + 41), 0x40, 'priorities are byte-accessible');
  gic.setIrq(40, true);
  assert.equal(cpu(GICC_IAR), 40);
  assert.equal(cpu(GICC_RPR), 0x80);
  gic.setIrq(42, true);
  gic.setIrq(41, true);
  assert.equal(pins.irq, true, '0x40 pre-empts the running 0x80');
  assert.equal(cpu(GICC_IAR), 41, 'tie at 0x40: lower ID first');
  assert.equal(pins.irq, false, '42 cannot pre-empt the running 0x40');
  assert.equal(cpu(GICC_IAR), 1023);
  gic.setIrq(41, false);
  setCpu(GICC_EOIR, 41);
  assert.equal(cpu(GICC_RPR), 0x80);
  assert.equal(cpu(GICC_IAR), 42);
  gic.setIrq(42, false);
  setCpu(GICC_EOIR, 42);
  setCpu(GICC_EOIR, 40);
  assert.equal(cpu(GICC_RPR), 0xff);
  setCpu(GICC_PMR, 0x40);
  gic.setIrq(43, true);
  assert.equal(pins.irq, false, 'PMR 0x40 masks everything at 0x40 and below');
  assert.equal(cpu(GICC_HPPIR), 40, 'HPPIR ignores the mask');
  setCpu(GICC_BPR, 7);
  setCpu(GICC_PMR, 0xff);
  assert.equal(cpu(GICC_IAR), 40);
  assert.equal(pins.irq, false, 'binary point 7: no pre-emption at all');
});

test('GIC0005 the distributor and CPU interface enables gate signalling', () => {
  const rig = makeGic();
  const { gic, pins, setDist, setCpu } = rig;
  linuxInit(rig);
  setDist(GICD_ISENABLER + 4, 1);
  gic.setIrq(32, true);
  assert.equal(pins.irq, true);
  setCpu(GICC_CTLR, 0);
  assert.equal(pins.irq, false);
  setCpu(GICC_CTLR, 1);
  setDist(GICD_CTLR, 0);
  assert.equal(pins.irq, false);
  setDist(GICD_CTLR, 1);
  setDist(GICD_ICENABLER + 4, 1);
  assert.equal(pins.irq, false);
});

test('GIC0006 groups: group 0 as FIQ with FIQEn; group 1 through IAR only with AckCtl, else 1022; the aliased registers', () => {
  const rig = makeGic();
  const { gic, pins, dist, setDist, cpu, setCpu } = rig;
  linuxInit(rig);
  setDist(GICD_ISENABLER + 4, 0xffffffff);
  setDist(GICD_IGROUPR + 4, 1 << 5); // ID 37 group 1
  assert.equal(dist(GICD_IGROUPR + 4), 1 << 5);
  setDist(GICD_CTLR, 3);
  setCpu(GICC_CTLR, 0x3 | 0x8); // both groups, FIQEn
  gic.setIrq(36, true);
  assert.deepEqual([pins.fiq, pins.irq], [true, false], 'group 0 as FIQ');
  gic.setIrq(36, false);
  gic.setIrq(37, true);
  assert.deepEqual([pins.fiq, pins.irq], [false, true], 'group 1 as IRQ');
  assert.equal(cpu(GICC_HPPIR), 1022);
  assert.equal(cpu(GICC_IAR), 1022, 'AckCtl 0: IAR does not acknowledge group 1');
  assert.equal(cpu(GICC_AHPPIR), 37);
  assert.equal(cpu(GICC_AIAR), 37);
  assert.equal(cpu(GICC_AIAR), 1023);
  setCpu(GICC_AEOIR, 37);
  gic.setIrq(37, false);
  gic.setIrq(37, true);
  setCpu(GICC_CTLR, 0x3 | 0x4);
  assert.equal(cpu(GICC_IAR), 37, 'AckCtl 1: IAR acknowledges group 1');
});

test('GIC0007 SGIs through GICD_SGIR and SPENDSGIR; the target filters; SGIs stay enabled and edge', () => {
  const rig = makeGic();
  const { pins, dist, setDist, cpu, setCpu } = rig;
  linuxInit(rig);
  setDist(GICD_ICENABLER, 0xffff);
  assert.equal(dist(GICD_ISENABLER) & 0xffff, 0xffff, 'SGI enables cannot be cleared');
  setDist(GICD_ICFGR, 0);
  assert.equal(dist(GICD_ICFGR), 0xaaaaaaaa);
  setDist(GICD_SGIR, (1 << 24) | 3); // all but self: nobody
  assert.equal(pins.irq, false);
  setDist(GICD_SGIR, (0 << 24) | (1 << 16) | 5); // CPU 0 in the list
  assert.equal((dist(GICD_SPENDSGIR + 4) >>> 8) & 0xff, 1, 'SGI 5 pending from CPU 0');
  assert.equal(cpu(GICC_IAR), 5);
  setCpu(GICC_EOIR, 5);
  setDist(GICD_SGIR, (2 << 24) | 7); // to self
  assert.equal(cpu(GICC_IAR), 7);
  setCpu(GICC_EOIR, 7);
  setDist(GICD_SPENDSGIR, 1 << 8); // SGI 1
  assert.equal(cpu(GICC_IAR), 1);
});

test('GIC0008 EOImode: EOIR only drops priority; DIR deactivates', () => {
  const rig = makeGic();
  const { gic, dist, setDist, cpu, setCpu } = rig;
  linuxInit(rig);
  setDist(GICD_ISENABLER + 4, 1);
  setCpu(GICC_CTLR, 1 | 0x200);
  gic.setIrq(32, true);
  assert.equal(cpu(GICC_IAR), 32);
  setCpu(GICC_EOIR, 32);
  assert.equal(cpu(GICC_RPR), 0xff);
  assert.equal(dist(GICD_ISACTIVER + 4) & 1, 1, 'still active');
  setCpu(GICC_DIR, 32);
  assert.equal(dist(GICD_ISACTIVER + 4) & 1, 0);
});

test('GIC0009 the virtual timer PPI wakes a bare-metal loop: enable PPI 27, acknowledge, EOI; saved state round trip', () => {
  const rig = makeGic();
  const { gic, pins, setDist, cpu, setCpu } = rig;
  setDist(GICD_CTLR, 1);
  setDist(GICD_ISENABLER, 1 << 27);
  setDist(GICD_IPRIORITYR + 24, 0x10 << 24);
  setCpu(GICC_PMR, 0xff);
  setCpu(GICC_CTLR, 1);
  gic.setIrq(ppiId(VIRT_TIMER_PPI.virtual), true);
  assert.equal(pins.irq, true);
  const saved = JSON.parse(JSON.stringify(gic.saveState()));
  assert.equal(cpu(GICC_IAR), 27);
  gic.setIrq(27, false);
  setCpu(GICC_EOIR, 27);
  assert.equal(pins.irq, false);
  gic.restoreState(saved);
  assert.equal(pins.irq, true, 'restored: pending again');
  assert.equal(cpu(GICC_IAR), 27);
  assert.throws(() => gic.restoreState({ ...saved, priority: [1, 2] }), /field priority/);
  gic.reset();
  assert.equal(pins.irq, false);
});

test('GIC0010 ICACTIVER and ISACTIVER write the active bits directly', () => {
  const rig = makeGic();
  const { dist, setDist } = rig;
  setDist(GICD_ISACTIVER + 4, 0x5);
  assert.equal(dist(GICD_ISACTIVER + 4), 0x5);
  setDist(GICD_ICACTIVER + 4, 0x1);
  assert.equal(dist(GICD_ICACTIVER + 4), 0x4);
});
