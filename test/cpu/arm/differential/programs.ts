// Generated A32 test programs (GNU as syntax, -marm): systematic sweeps over the data-processing
// operations and shifter forms, the multiplies, the media instructions and the addressing modes,
// each case starting from chosen register values and a chosen APSR (N Z C V Q GE), and random
// instruction sequences. Each program ends with the exit system call, where the comparison stops.

/** A small seeded generator (mulberry32), so a failing program can be rebuilt from its seed. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  below(n: number): number {
    return this.next() % n;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }
}

/** Edge values and a few ordinary ones. */
export const VALUES = [
  0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0x12345678, 0x87654321, 0x00ff00ff,
  0xff00ff00, 0x7f7f8080, 0x80807f7f, 0x0000001f, 0x00000020, 0x00000021, 0x000000ff, 0x00000100,
];

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16)}`;
}

function setRegister(register: string, value: number): string {
  return `\tmovw ${register}, #${hex(value & 0xffff)}\n\tmovt ${register}, #${hex(value >>> 16)}\n`;
}

/** Sets N Z C V Q and GE from r12 (r12 is then clobbered by the next case). */
function setApsr(value: number): string {
  return `${setRegister('r12', value)}\tmsr APSR_nzcvqg, r12\n`;
}

const HEADER = '\t.syntax unified\n\t.arm\n\t.text\n\t.global _start\n_start:\n';
const EXIT = '\tmov r7, #1\n\tmov r0, #0\n\tsvc #0\n';

const DP_OPS = ['and', 'eor', 'sub', 'rsb', 'add', 'adc', 'sbc', 'rsc', 'orr', 'bic'];
const COMPARE_OPS = ['tst', 'teq', 'cmp', 'cmn'];
const MOVE_OPS = ['mov', 'mvn'];
const IMMEDIATES = [0, 1, 0xff, 0x100, 0x3fc, 0xff000000, 0xf000000f, 0x80000000, 0x40000000, 0xc0000003, 0x0ff00000, 0x104];

function shifterForms(): string[] {
  const forms: string[] = ['r2', 'r2, rrx'];
  for (const type of ['lsl', 'lsr', 'asr', 'ror']) {
    const amounts = type === 'lsl' ? [1, 4, 31] : type === 'ror' ? [1, 8, 31] : [1, 16, 31, 32];
    for (const amount of amounts) forms.push(`r2, ${type} #${amount}`);
    forms.push(`r2, ${type} r3`);
  }
  for (const immediate of IMMEDIATES) forms.push(`#${hex(immediate)}`);
  return forms;
}

/** Register-shift amounts: 0, in range, 32, above 32, and bits above the bottom byte. */
const SHIFT_AMOUNTS = [0, 1, 7, 31, 32, 33, 255, 0x101, 0xffffff20];
const FLAG_STATES = [0x00000000, 0x20000000, 0xf8000000, 0x60000000, 0x90000000, 0x10000000];

/** Every data-processing op with every shifter form, S and not, over edge values and flag states. */
export function dataProcessingProgram(seed: number): string {
  const random = new Random(seed);
  let text = HEADER;
  const forms = shifterForms();
  for (const op of [...DP_OPS, ...COMPARE_OPS, ...MOVE_OPS]) {
    for (const form of forms) {
      for (let repeat = 0; repeat < 2; repeat++) {
        text += setRegister('r1', random.pick(VALUES));
        text += setRegister('r2', random.pick(VALUES));
        text += setRegister('r3', random.pick(SHIFT_AMOUNTS));
        text += setApsr(random.pick(FLAG_STATES));
        if (COMPARE_OPS.includes(op)) text += `\t${op} r1, ${form}\n`;
        else if (MOVE_OPS.includes(op)) text += `\t${op}s r4, ${form}\n\t${op} r5, ${form}\n`;
        else text += `\t${op}s r4, r1, ${form}\n\t${op} r5, r1, ${form}\n`;
      }
    }
  }
  // PC as an operand reads the instruction's address + 8.
  text += '\tadd r4, pc, #4\n\tsub r5, pc, pc\n\tmov r6, pc\n\tadd r7, r1, pc, lsl #1\n';
  // Every condition under every N Z C V combination.
  for (let flags = 0; flags < 16; flags++) {
    text += setApsr(flags << 28);
    text += '\tmov r4, #0\n';
    const conditions = ['eq', 'ne', 'cs', 'cc', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', 'al'];
    conditions.forEach((condition, index) => {
      text += `\torr${condition} r4, r4, #${hex(1 << index)}\n`;
    });
    text += '\taddseq r5, r4, #1\n\tsubsne r5, r4, #1\n';
  }
  return text + EXIT;
}

/**
 * Runs each template over random inputs: r1, r2, r3 from VALUES, r4 and r5 (accumulators,
 * destinations) too, and a random APSR. Templates use r1-r5 and may write r6-r9.
 */
export function templateProgram(templates: readonly string[], seed: number, repeats: number): string {
  const random = new Random(seed);
  let text = HEADER;
  for (const template of templates) {
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const register of ['r1', 'r2', 'r3', 'r4', 'r5']) text += setRegister(register, random.below(3) === 0 ? random.next() : random.pick(VALUES));
      text += setApsr(random.next() & 0xf80f0000);
      text += `\t${template.replace(/\n/g, '\n\t')}\n`;
    }
  }
  return text + EXIT;
}

export const MULTIPLY_TEMPLATES = [
  'mul r6, r1, r2',
  'muls r6, r1, r2',
  'mla r6, r1, r2, r3',
  'mlas r6, r1, r2, r3',
  'mls r6, r1, r2, r3',
  'umull r4, r5, r1, r2',
  'umulls r4, r5, r1, r2',
  'umlal r4, r5, r1, r2',
  'umlals r4, r5, r1, r2',
  'smull r4, r5, r1, r2',
  'smulls r4, r5, r1, r2',
  'smlal r4, r5, r1, r2',
  'smlals r4, r5, r1, r2',
  'umaal r4, r5, r1, r2',
  'smlabb r6, r1, r2, r3',
  'smlabt r6, r1, r2, r3',
  'smlatb r6, r1, r2, r3',
  'smlatt r6, r1, r2, r3',
  'smulbb r6, r1, r2',
  'smulbt r6, r1, r2',
  'smultb r6, r1, r2',
  'smultt r6, r1, r2',
  'smulwb r6, r1, r2',
  'smulwt r6, r1, r2',
  'smlawb r6, r1, r2, r3',
  'smlawt r6, r1, r2, r3',
  'smlalbb r4, r5, r1, r2',
  'smlalbt r4, r5, r1, r2',
  'smlaltb r4, r5, r1, r2',
  'smlaltt r4, r5, r1, r2',
  'smuad r6, r1, r2',
  'smuadx r6, r1, r2',
  'smusd r6, r1, r2',
  'smusdx r6, r1, r2',
  'smlad r6, r1, r2, r3',
  'smladx r6, r1, r2, r3',
  'smlsd r6, r1, r2, r3',
  'smlsdx r6, r1, r2, r3',
  'smlald r4, r5, r1, r2',
  'smlaldx r4, r5, r1, r2',
  'smlsld r4, r5, r1, r2',
  'smlsldx r4, r5, r1, r2',
  'smmul r6, r1, r2',
  'smmulr r6, r1, r2',
  'smmla r6, r1, r2, r3',
  'smmlar r6, r1, r2, r3',
  'smmls r6, r1, r2, r3',
  'smmlsr r6, r1, r2, r3',
  'sdiv r6, r1, r2',
  'udiv r6, r1, r2',
  'sdiv r6, r1, r3',
  'udiv r6, r2, r3',
  'usad8 r6, r1, r2',
  'usada8 r6, r1, r2, r3',
];

const PARALLEL_TEMPLATES: string[] = [];
for (const prefix of ['s', 'q', 'sh', 'u', 'uq', 'uh']) {
  for (const operation of ['add16', 'asx', 'sax', 'sub16', 'add8', 'sub8']) PARALLEL_TEMPLATES.push(`${prefix}${operation} r6, r1, r2`);
}

export const MEDIA_TEMPLATES = [
  ...PARALLEL_TEMPLATES,
  'sadd16 r6, r1, r2\n\tsel r7, r3, r4',
  'usub8 r6, r1, r2\n\tsel r7, r3, r4',
  'sel r6, r1, r2',
  'qadd r6, r1, r2',
  'qsub r6, r1, r2',
  'qdadd r6, r1, r2',
  'qdsub r6, r1, r2',
  'ssat r6, #1, r1',
  'ssat r6, #8, r1',
  'ssat r6, #16, r1, lsl #4',
  'ssat r6, #32, r1, asr #3',
  'ssat r6, #12, r1, asr #32',
  'usat r6, #0, r1',
  'usat r6, #8, r1',
  'usat r6, #31, r1, lsl #1',
  'usat r6, #16, r1, asr #7',
  'ssat16 r6, #1, r1',
  'ssat16 r6, #9, r1',
  'ssat16 r6, #16, r1',
  'usat16 r6, #0, r1',
  'usat16 r6, #7, r1',
  'usat16 r6, #15, r1',
  'rev r6, r1',
  'rev16 r6, r1',
  'revsh r6, r1',
  'rbit r6, r1',
  'clz r6, r1',
  'clz r6, r3',
  'sbfx r6, r1, #0, #1',
  'sbfx r6, r1, #4, #12',
  'sbfx r6, r1, #31, #1',
  'sbfx r6, r1, #0, #32',
  'ubfx r6, r1, #0, #1',
  'ubfx r6, r1, #7, #9',
  'ubfx r6, r1, #16, #16',
  'ubfx r6, r1, #0, #32',
  'bfi r4, r1, #0, #1',
  'bfi r4, r1, #8, #8',
  'bfi r4, r1, #0, #32',
  'bfi r4, r1, #31, #1',
  'bfc r4, #3, #10',
  'bfc r4, #0, #32',
  'sxtb r6, r1',
  'sxtb r6, r1, ror #8',
  'sxth r6, r1, ror #16',
  'sxtb16 r6, r1',
  'sxtb16 r6, r1, ror #24',
  'uxtb r6, r1, ror #24',
  'uxth r6, r1',
  'uxth r6, r1, ror #8',
  'uxtb16 r6, r1, ror #8',
  'sxtab r6, r2, r1, ror #8',
  'sxtah r6, r2, r1',
  'sxtab16 r6, r2, r1',
  'uxtab r6, r2, r1',
  'uxtah r6, r2, r1, ror #16',
  'uxtab16 r6, r2, r1, ror #24',
  'pkhbt r6, r1, r2',
  'pkhbt r6, r1, r2, lsl #5',
  'pkhtb r6, r1, r2, asr #3',
  'pkhtb r6, r1, r2, asr #32',
  'movw r6, #0x1234\n\tmovt r6, #0xfedc',
  'movt r1, #0x8000',
  'mrs r6, APSR',
  'msr APSR_nzcvq, r1\n\tmrs r6, APSR',
  'msr APSR_g, r2\n\tmrs r6, APSR',
  'msr APSR_nzcvqg, #0xf0000000\n\tmrs r6, APSR',
];

/**
 * Loads and stores of every addressing mode against `buffer` (r8 = its middle, reset each case);
 * a store is followed by loads that show what it wrote. r9 is a small register offset.
 */
export const MEMORY_TEMPLATES = [
  'ldr r6, [r8]',
  'ldr r6, [r8, #4]',
  'ldr r6, [r8, #-4]',
  'ldr r6, [r8, #1]',
  'ldr r6, [r8, #3]!',
  'ldr r6, [r8], #-8',
  'ldr r6, [r8, r9]',
  'ldr r6, [r8, -r9]',
  'ldr r6, [r8, r9, lsl #2]',
  'ldr r6, [r8, -r9, lsr #1]!',
  'ldr r6, [r8], r9, asr #1',
  'ldr r6, [r8, r9, ror #31]',
  'ldr r6, [r8, -r9, asr #2]',
  'ldrb r6, [r8, #7]',
  'ldrb r6, [r8, -r9]!',
  'ldrb r6, [r8], #1',
  'ldrh r6, [r8, #2]',
  'ldrh r6, [r8, #-5]',
  'ldrh r6, [r8, r9]!',
  'ldrh r6, [r8], -r9',
  'ldrsh r6, [r8, #6]',
  'ldrsh r6, [r8, r9]',
  'ldrsb r6, [r8, #-3]!',
  'ldrsb r6, [r8], r9',
  'ldrd r6, r7, [r8, #8]',
  'ldrd r6, r7, [r8, #-16]!',
  'ldrd r6, r7, [r8], #8',
  'ldrd r6, r7, [r8, r10]',
  'ldrt r6, [r8], #4',
  'ldrbt r6, [r8], #-1',
  'ldrht r6, [r8], #2',
  'ldrsbt r6, [r8], #1',
  'ldrsht r6, [r8], #-2',
  'str r1, [r8, #4]\n\tldr r6, [r8, #4]',
  'str r1, [r8, #-1]!\n\tldr r6, [r8]\n\tldr r7, [r8, #-1]',
  'str r1, [r8], #12\n\tldr r6, [r8, #-12]',
  'str r1, [r8, r9, lsl #1]\n\tldr r6, [r8, r9, lsl #1]',
  'strb r1, [r8, #2]\n\tldr r6, [r8]',
  'strb r1, [r8, -r9]!\n\tldr r6, [r8]',
  'strh r1, [r8, #6]\n\tldr r6, [r8, #4]',
  'strh r1, [r8, #-1]\n\tldr r6, [r8, #-4]',
  'strh r1, [r8], r9\n\tldr r6, [r8, -r9]',
  'strd r2, r3, [r8, #8]\n\tldrd r6, r7, [r8, #8]',
  'strd r2, r3, [r8, #-8]!\n\tldm r8, {r6, r7}',
  'strt r1, [r8], #4\n\tldr r6, [r8, #-4]',
  'strbt r1, [r8], #1\n\tldr r6, [r8, #-1]',
  'strht r1, [r8], #2\n\tldr r6, [r8, #-2]',
  'ldm r8, {r1, r2, r6}',
  'ldmia r8!, {r1, r2, r6, r7}',
  'ldmib r8, {r1, r6}',
  'ldmda r8!, {r1, r2, r6}',
  'ldmdb r8, {r6, r7}',
  'stm r8, {r1, r2, r3}\n\tldm r8, {r5, r6, r7}',
  'stmia r8!, {r1, r2}\n\tldmdb r8, {r6, r7}',
  'stmib r8!, {r1-r4}\n\tldmda r8, {r4-r7}',
  'stmda r8, {r1, r3}\n\tldmda r8, {r6, r7}',
  'stmdb r8!, {r1, r2, r3}\n\tldm r8, {r5, r6, r7}',
  'stm r8, {r1, r8}\n\tldm r8, {r6, r7}',
  'push {r1, r2, r3}\n\tpop {r5, r6, r7}',
  'push {r1}\n\tpop {r6}',
  'ldrex r6, [r8]\n\tstrex r7, r1, [r8]\n\tldr r5, [r8]',
  'strex r7, r1, [r8]\n\tldr r6, [r8]',
  'ldrexb r6, [r8]\n\tstrexb r7, r1, [r8]\n\tldr r5, [r8]',
  'ldrexh r6, [r8]\n\tstrexh r7, r1, [r8]\n\tldr r5, [r8]',
  'ldrexd r6, r7, [r8]\n\tstrexd r9, r2, r3, [r8]\n\tldrd r4, r5, [r8]',
  'ldrex r6, [r8]\n\tclrex\n\tstrex r7, r1, [r8]\n\tldr r5, [r8]',
  'ldrex r6, [r8]\n\tstrex r7, r1, [r8, #0]\n\tstrex r9, r2, [r8]',
  'swp r6, r1, [r8]\n\tldr r7, [r8]',
  'swpb r6, r1, [r8]\n\tldr r7, [r8]',
  'str pc, [r8]\n\tldr r6, [r8]',
  'push {r1, pc}\n\tpop {r5, r6}',
  'stmia r8, {r1, r2, pc}\n\tldmia r8, {r5, r6, r7}',
  'ldrne r6, [r8, #4]\n\tstrbeq r1, [r8, #5]\n\tldr r7, [r8, #4]',
  'pld [r8, #64]\n\tpli [r8, r9]\n\tdmb ish\n\tdsb sy\n\tisb sy\n\tnop\n\tyield',
];

/** Wraps memory templates: a 4 KiB buffer of a byte pattern, r8 = its middle, r9/r10 small offsets. */
export function memoryProgram(seed: number, repeats: number): string {
  const random = new Random(seed);
  let text = HEADER;
  for (const template of MEMORY_TEMPLATES) {
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const register of ['r1', 'r2', 'r3', 'r4', 'r5']) text += setRegister(register, random.pick(VALUES) ^ (random.below(2) ? random.next() : 0));
      text += '\tmovw r8, #:lower16:buffer + 2048\n\tmovt r8, #:upper16:buffer + 2048\n';
      text += `\tmov r9, #${random.below(64)}\n\tmov r10, #${random.below(16) * 8}\n`;
      text += setApsr(random.next() & 0xf80f0000);
      text += `\t${template.replace(/\n/g, '\n\t')}\n`;
    }
  }
  text += EXIT;
  text += '\t.data\n\t.balign 8\nbuffer:\n';
  for (let k = 0; k < 4096; k += 4) text += `\t.word ${hex(random.next())}\n`;
  return text;
}

const RANDOM_DP = ['and', 'eor', 'sub', 'rsb', 'add', 'adc', 'sbc', 'rsc', 'orr', 'bic'];

/**
 * A random straight-line program: data processing with random shifter operands and conditions,
 * multiplies, media ops, and loads/stores through r11 (the scratch buffer, never a destination)
 * with in-range offsets. Registers r0-r9 take any value.
 */
export function randomProgram(seed: number, length: number): string {
  const random = new Random(seed);
  const reg = (): string => `r${random.below(10)}`;
  /** Two different registers (RdLo, RdHi). */
  const pair = (): string => {
    const first = random.below(10);
    const second = (first + 1 + random.below(9)) % 10;
    return `r${first}, r${second}`;
  };
  const conditions = ['', '', '', '', 'eq', 'ne', 'cs', 'cc', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le'];
  const operand2 = (): string => {
    switch (random.below(4)) {
      case 0:
        return `#${hex(random.pick(IMMEDIATES))}`;
      case 1:
        return `${reg()}, ${random.pick(['lsl', 'lsr', 'asr', 'ror'])} #${1 + random.below(31)}`;
      case 2:
        return `${reg()}, ${random.pick(['lsl', 'lsr', 'asr', 'ror'])} ${reg()}`;
      default:
        return random.below(4) === 0 ? `${reg()}, rrx` : reg();
    }
  };
  let text = HEADER;
  for (let k = 0; k < 10; k++) text += setRegister(`r${k}`, random.below(2) ? random.next() : random.pick(VALUES));
  text += '\tmovw r11, #:lower16:buffer\n\tmovt r11, #:upper16:buffer\n';
  for (let i = 0; i < length; i++) {
    const cond = random.pick(conditions);
    const choice = random.below(20);
    let line: string;
    if (choice < 9) {
      const op = random.pick([...RANDOM_DP, 'mov', 'mvn', 'cmp', 'cmn', 'tst', 'teq']);
      const s = random.below(2) ? 's' : '';
      if (op === 'mov' || op === 'mvn') line = `${op}${s}${cond} ${reg()}, ${operand2()}`;
      else if (op === 'cmp' || op === 'cmn' || op === 'tst' || op === 'teq') line = `${op}${cond} ${reg()}, ${operand2()}`;
      else line = `${op}${s}${cond} ${reg()}, ${reg()}, ${operand2()}`;
    } else if (choice < 12) {
      const [a, b] = [reg(), reg()];
      let c = reg();
      while (c === a) c = reg();
      line = random.pick([
        `mul${cond} ${reg()}, ${reg()}, ${reg()}`,
        `mlas${cond} ${reg()}, ${reg()}, ${reg()}, ${reg()}`,
        `umull${cond} ${a}, ${c}, ${b}, ${reg()}`,
        `smlal${cond} ${a}, ${c}, ${b}, ${reg()}`,
        `smlabt${cond} ${reg()}, ${reg()}, ${reg()}, ${reg()}`,
        `smmlar${cond} ${reg()}, ${reg()}, ${reg()}, ${reg()}`,
        `sdiv${cond} ${reg()}, ${reg()}, ${reg()}`,
        `udiv${cond} ${reg()}, ${reg()}, ${reg()}`,
      ]);
    } else if (choice < 15) {
      line = random.pick([
        `mrs${cond} ${reg()}, APSR`,
        `msr${cond} APSR_nzcvqg, ${reg()}`,
        `smlald${cond} ${pair()}, ${reg()}, ${reg()}`,
        `uhsub16${cond} ${reg()}, ${reg()}, ${reg()}`,
        `qdsub${cond} ${reg()}, ${reg()}, ${reg()}`,
        `qadd${cond} ${reg()}, ${reg()}, ${reg()}`,
        `uqsub8${cond} ${reg()}, ${reg()}, ${reg()}`,
        `sadd16${cond} ${reg()}, ${reg()}, ${reg()}`,
        `sel${cond} ${reg()}, ${reg()}, ${reg()}`,
        `usat${cond} ${reg()}, #${random.below(32)}, ${reg()}`,
        `ssat${cond} ${reg()}, #${1 + random.below(32)}, ${reg()}, asr #${1 + random.below(31)}`,
        `rev${cond} ${reg()}, ${reg()}`,
        `clz${cond} ${reg()}, ${reg()}`,
        `rbit${cond} ${reg()}, ${reg()}`,
        `uxtab${cond} ${reg()}, ${reg()}, ${reg()}, ror #${8 * random.below(4)}`,
        `ubfx${cond} ${reg()}, ${reg()}, #${random.below(16)}, #${1 + random.below(16)}`,
        `bfi${cond} ${reg()}, ${reg()}, #${random.below(16)}, #${1 + random.below(16)}`,
        `pkhtb${cond} ${reg()}, ${reg()}, ${reg()}, asr #${1 + random.below(31)}`,
      ]);
    } else {
      const offset = random.below(1024);
      const op = random.pick(['ldr', 'str', 'ldrb', 'strb']);
      const halfOp = random.pick(['ldrh', 'strh', 'ldrsh', 'ldrsb']);
      line = random.pick([
        `and${cond} r10, ${reg()}, #0x3fc\n\t${op}${cond} ${reg()}, [r11, r10]`,
        `and r10, ${reg()}, #0xfc\n\t${random.pick(['strh', 'ldrh', 'ldrsb'])}${cond} ${reg()}, [r11, r10]`,
        `${op}${cond} ${reg()}, [r11, #${offset}]`,
        `${halfOp}${cond} ${reg()}, [r11, #${offset & 0xff}]`,
        `ldrd${cond} r${2 * random.below(4)}, r${2 * random.below(4) + 1}, [r11, #${offset & 0xf8}]`,
        `stm${cond} r11, {${reg()}, ${reg()}}`,
        `ldm${cond} r11, {r0, r3, r5}`,
      ]);
      if (line.startsWith('ldrd')) {
        const even = 2 * random.below(4);
        line = `ldrd${cond} r${even}, r${even + 1}, [r11, #${offset & 0xf8}]`;
      }
      if (line.startsWith('stm')) {
        const a = random.below(5);
        const b = 5 + random.below(5);
        line = `stm${cond} r11, {r${a}, r${b}}`;
      }
    }
    text += `\t${line}\n`;
  }
  text += '\tldm r11, {r0-r9}\n';
  text += EXIT;
  text += '\t.data\n\t.balign 8\nbuffer:\n';
  for (let k = 0; k < 1280; k += 4) text += `\t.word ${hex(random.next())}\n`;
  return text;
}
