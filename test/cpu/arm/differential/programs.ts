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

// ---------------------------------------------------------------- Thumb (-mthumb, .syntax unified)

const THUMB_HEADER = '\t.syntax unified\n\t.thumb\n\t.text\n\t.global _start\n\t.thumb_func\n_start:\n';

const THUMB_DP_OPS = ['and', 'eor', 'sub', 'rsb', 'add', 'adc', 'sbc', 'orr', 'orn', 'bic'];
/** Constants ThumbExpandImm can make: the four byte patterns and rotated 1bbbbbbb forms (with a carry out). */
const THUMB_IMMEDIATES = [0, 1, 0xff, 0x00ab00ab, 0xab00ab00, 0xabababab, 0x100, 0x3fc, 0xff000000, 0x80000000, 0x7f800000, 0x104, 0xf00, 0xc0000000];

function thumbShifterForms(): string[] {
  const forms: string[] = ['r2', 'r2, rrx'];
  for (const type of ['lsl', 'lsr', 'asr', 'ror']) {
    const amounts = type === 'lsl' ? [1, 4, 31] : type === 'ror' ? [1, 8, 31] : [1, 16, 31, 32];
    for (const amount of amounts) forms.push(`r2, ${type} #${amount}`);
  }
  for (const immediate of THUMB_IMMEDIATES) forms.push(`#${hex(immediate)}`);
  return forms;
}

/** The T16 data-processing forms (`.n` forces the 16-bit encoding): outside IT they set the flags. */
const T16_FORMS = [
  'adds.n r4, r1, r2',
  'subs.n r4, r1, r2',
  'adds.n r4, r1, #7',
  'subs.n r4, r1, #3',
  'movs.n r4, #200',
  'cmp.n r1, #128',
  'adds.n r1, #255',
  'subs.n r1, #1',
  'lsls.n r4, r1, #0',
  'lsls.n r4, r1, #31',
  'lsrs.n r4, r1, #1',
  'lsrs.n r4, r1, #32',
  'asrs.n r4, r1, #17',
  'asrs.n r4, r1, #32',
  'ands.n r1, r2',
  'eors.n r1, r2',
  'lsls.n r1, r3',
  'lsrs.n r1, r3',
  'asrs.n r1, r3',
  'rors.n r1, r3',
  'adcs.n r1, r2',
  'sbcs.n r1, r2',
  'tst.n r1, r2',
  'negs.n r4, r2',
  'cmp.n r1, r2',
  'cmn.n r1, r2',
  'orrs.n r1, r2',
  'muls.n r1, r2, r1',
  'bics.n r1, r2',
  'mvns.n r4, r2',
  'add.n r1, r9',
  'add.n r9, r1',
  'mov.n r9, r1',
  'mov.n r4, r10',
  'cmp.n r9, r1',
  'cmp.n r1, r10',
  'add.n r4, pc',
  'add r4, sp, #1020',
  'add.n sp, #8\n\tsub.n sp, #8',
];

/**
 * The Thumb data-processing sweep: every T32 op (ORN too) × register, shifted-register and
 * modified-immediate operands × S and not; the register shifts (LSL...ROR Rd, Rn, Rm); the T16
 * forms outside and inside IT blocks (where they leave the flags alone); ADDW/SUBW and ADR at
 * both halfword alignments; every IT condition and mask over all flag states.
 */
export function thumbDataProcessingProgram(seed: number): string {
  const random = new Random(seed);
  let text = THUMB_HEADER;
  const forms = thumbShifterForms();
  const start = (): void => {
    text += setRegister('r1', random.pick(VALUES));
    text += setRegister('r2', random.pick(VALUES));
    text += setRegister('r3', random.pick(SHIFT_AMOUNTS));
    text += setApsr(random.pick(FLAG_STATES));
  };
  for (const op of [...THUMB_DP_OPS, ...COMPARE_OPS, ...MOVE_OPS]) {
    for (const form of forms) {
      for (let repeat = 0; repeat < 2; repeat++) {
        start();
        if (COMPARE_OPS.includes(op)) text += `\t${op} r1, ${form}\n`;
        else if (MOVE_OPS.includes(op)) text += `\t${op}s r4, ${form}\n\t${op} r5, ${form}\n`;
        else text += `\t${op}s r4, r1, ${form}\n\t${op} r5, r1, ${form}\n`;
      }
    }
  }
  for (const type of ['lsl', 'lsr', 'asr', 'ror']) {
    for (let repeat = 0; repeat < 8; repeat++) {
      start();
      text += `\t${type}s.w r4, r1, r3\n\t${type}.w r5, r2, r3\n`;
    }
  }
  for (const form of T16_FORMS) {
    for (let repeat = 0; repeat < 3; repeat++) {
      start();
      text += setRegister('r9', random.pick(VALUES));
      text += setRegister('r10', random.pick(VALUES));
      text += `\t${form}\n`;
      // The same instruction inside an IT block: no flags (the S forms assemble as the non-S T16 ones).
      if (!form.startsWith('cmp') && !form.startsWith('cmn') && !form.startsWith('tst') && !form.includes('sp') && !form.includes('pc')) {
        const inside = form.replace(/^(\w+?)s?\.n/, '$1eq.n');
        text += `\tit eq\n\t${inside}\n`;
      }
    }
  }
  // ADDW/SUBW, ADR at both alignments of the PC, literal-style PC reads.
  for (let k = 0; k < 2; k++) {
    text += '\taddw r4, r1, #0xfff\n\tsubw r5, r1, #0x123\n\tadd r6, sp, #0x404\n';
    text += '\tadr r4, 1f\n\tadr.w r5, 1f\n\tadr.w r6, 2f\n\tadd.n r7, pc\n';
    text += `\tb 3f\n\t.balign 4\n1:\t.word 0x11111111\n2:\t.word 0x22222222\n3:\n${k === 0 ? '\tnop.n\n' : ''}`;
  }
  // Every IT condition and every mask shape, over all N Z C V combinations.
  const conditions = ['eq', 'ne', 'cs', 'cc', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le'];
  const inverse = (condition: string): string => conditions[conditions.indexOf(condition) ^ 1];
  for (let flags = 0; flags < 16; flags++) {
    text += setApsr(flags << 28);
    text += '\tmov r4, #0\n';
    conditions.forEach((condition, index) => {
      // The IT suffix: then/else for the second to fourth instructions (every shape over the loop).
      const shape = ['', 't', 'e', 'tt', 'te', 'et', 'ee', 'tte', 'ete', 'eet', 'ttt', 'eee', 'tet', 'ett'][(index + flags) % 14];
      text += `\tit${shape} ${condition}\n`;
      for (let k = 0; k <= shape.length; k++) {
        const c = k === 0 || shape[k - 1] === 't' ? condition : inverse(condition);
        text += `\tadd${c} r4, r4, #${hex(1 << ((index + k) % 28))}\n`;
      }
    });
  }
  return text + EXIT;
}

/** The multiply templates that exist in Thumb (T32 has no S forms but MULS.N). */
export const THUMB_MULTIPLY_TEMPLATES = [...MULTIPLY_TEMPLATES.filter((template) => !/^(mla|umull|umlal|smull|smlal)s /.test(template) && template !== 'muls r6, r1, r2'), 'movs r6, r1\n\tmuls r6, r2, r6'];

/** The media templates that exist in Thumb (no MSR immediate, no SSAT with ASR #32). */
export const THUMB_MEDIA_TEMPLATES = MEDIA_TEMPLATES.filter((template) => !template.includes('msr APSR_nzcvqg, #') && !template.includes('asr #32]') && template !== 'ssat r6, #12, r1, asr #32');

/** Thumb programs from templates: templateProgram's inputs with the Thumb header. */
export function thumbTemplateProgram(templates: readonly string[], seed: number, repeats: number): string {
  return templateProgram(templates, seed, repeats).replace(HEADER, THUMB_HEADER);
}

/** Loads and stores of every Thumb addressing mode (r8 = the buffer's middle, r9/r10 small offsets). */
export const THUMB_MEMORY_TEMPLATES = [
  'ldr r6, [r8]',
  'ldr.w r6, [r8, #4092]',
  'ldr r6, [r8, #-255]',
  'ldr r6, [r8, #1]',
  'ldr r6, [r8, #3]!',
  'ldr r6, [r8], #-8',
  'ldr r6, [r8, #-4]!',
  'ldr r6, [r8], #255',
  'ldr.w r6, [r8, r9]',
  'ldr r6, [r8, r9, lsl #2]',
  'ldr r6, [r8, r9, lsl #3]',
  'ldrb r6, [r8, #7]',
  'ldrb r6, [r8, #-9]!',
  'ldrb r6, [r8], #1',
  'ldrb r6, [r8, r9, lsl #1]',
  'ldrh r6, [r8, #2]',
  'ldrh r6, [r8, #-5]',
  'ldrh r6, [r8, #6]!',
  'ldrh r6, [r8], #-2',
  'ldrh r6, [r8, r9, lsl #1]',
  'ldrsh r6, [r8, #6]',
  'ldrsh r6, [r8, r9]',
  'ldrsh r6, [r8], #4',
  'ldrsb r6, [r8, #-3]!',
  'ldrsb r6, [r8, r9, lsl #3]',
  'ldrsb r6, [r8, #4095]',
  'ldrd r6, r7, [r8, #8]',
  'ldrd r6, r7, [r8, #-16]!',
  'ldrd r6, r7, [r8], #8',
  'ldrd r7, r6, [r8, #1020]',
  'ldrd r3, r5, [r8, #-1020]',
  'ldrt r6, [r8, #4]',
  'ldrbt r6, [r8, #255]',
  'ldrht r6, [r8, #2]',
  'ldrsbt r6, [r8, #1]',
  'ldrsht r6, [r8]',
  // T16 forms.
  'ldr.n r6, [r0, #124]',
  'ldrb.n r6, [r0, #31]',
  'ldrh.n r6, [r0, #62]',
  'ldr.n r6, [r0, r1]',
  'ldrb.n r6, [r0, r1]',
  'ldrh.n r6, [r0, r1]',
  'ldrsb.n r6, [r0, r1]',
  'ldrsh.n r6, [r0, r1]',
  'str.n r1, [r0, #4]\n\tldr r6, [r0, #4]',
  'strb.n r1, [r0, #5]\n\tldr r6, [r0, #4]',
  'strh.n r1, [r0, #6]\n\tldr r6, [r0, #4]',
  'str.n r2, [r0, r1]\n\tldr r6, [r0, r1]',
  'strb.n r2, [r0, r1]\n\tldr r6, [r0, r1]',
  'strh.n r2, [r0, r1]\n\tldr r6, [r0, r1]',
  'sub sp, #16\n\tstr.n r1, [sp, #8]\n\tldr.n r6, [sp, #8]\n\tadd sp, #16',
  // Literal loads (the assembler's pool; Align(PC, 4) at both alignments).
  'ldr r6, =0x12345678\n\tnop.n\n\tldr r7, =0x9abcdef0\n\tb 1f\n\t.ltorg\n1:',
  'ldr.w r6, =0x0badcafe\n\tldrd r4, r5, 1f\n\tb 2f\n\t.ltorg\n\t.balign 8\n1:\t.word 0x11223344, 0x55667788\n2:',
  'ldrb r6, 1f\n\tldrsh r7, 1f\n\tldrh r5, 1f\n\tldrsb r4, 1f\n\tb 2f\n\t.balign 4\n1:\t.word 0x8182f3f4\n2:',
  // Stores.
  'str r1, [r8, #4]\n\tldr r6, [r8, #4]',
  'str r1, [r8, #-1]!\n\tldr r6, [r8]\n\tldr r7, [r8, #-1]',
  'str r1, [r8], #12\n\tldr r6, [r8, #-12]',
  'str r1, [r8, r9, lsl #1]\n\tldr r6, [r8, r9, lsl #1]',
  'strb r1, [r8, #2]\n\tldr r6, [r8]',
  'strb r1, [r8, #-7]!\n\tldr r6, [r8]',
  'strh r1, [r8, #6]\n\tldr r6, [r8, #4]',
  'strh r1, [r8, #-1]\n\tldr r6, [r8, #-4]',
  'strh r1, [r8], #3\n\tldr r6, [r8, #-3]',
  'strd r2, r3, [r8, #8]\n\tldrd r6, r7, [r8, #8]',
  'strd r3, r1, [r8, #-8]!\n\tldm r8, {r6, r7}',
  'strd r1, r2, [r8], #-16\n\tldrd r6, r7, [r8, #16]',
  'strt r1, [r8, #4]\n\tldr r6, [r8, #4]',
  'strbt r1, [r8, #1]\n\tldr r6, [r8]',
  'strht r1, [r8, #2]\n\tldr r6, [r8]',
  // Multiple.
  'ldm r8, {r1, r2, r6}',
  'ldmia r8!, {r1, r2, r6, r7}',
  'ldmdb r8, {r6, r7}',
  'ldmdb r8!, {r1, r2, r6}',
  'stm r8, {r1, r2, r3}\n\tldm r8, {r5, r6, r7}',
  'stmia r8!, {r1, r2}\n\tldmdb r8, {r6, r7}',
  'stmdb r8!, {r1, r2, r3}\n\tldm r8, {r5, r6, r7}',
  'mov r0, r8\n\tstmia.n r0!, {r1, r2}\n\tldmia.n r0!, {r3, r6}\n\tldmia.n r0, {r0, r7}',
  'push {r1, r2, r3}\n\tpop {r5, r6, r7}',
  'push.n {r1, lr}\n\tpop.n {r5, r6}',
  'push.w {r1, r9, r10}\n\tpop.w {r5, r6, r7}',
  'push {r1}\n\tpop {r6}',
  'str r1, [sp, #-4]!\n\tldr r6, [sp], #4',
  // Exclusives.
  'ldrex r6, [r8]\n\tstrex r7, r1, [r8]\n\tldr r5, [r8]',
  'ldrex r6, [r8, #1020]\n\tstrex r7, r1, [r8, #1020]\n\tldr r5, [r8, #1020]',
  'strex r7, r1, [r8]\n\tldr r6, [r8]',
  'ldrexb r6, [r8]\n\tstrexb r7, r1, [r8]\n\tldr r5, [r8]',
  'ldrexh r6, [r8]\n\tstrexh r7, r1, [r8]\n\tldr r5, [r8]',
  'ldrexd r6, r3, [r8]\n\tstrexd r9, r2, r1, [r8]\n\tldrd r4, r5, [r8]',
  'ldrex r6, [r8]\n\tclrex\n\tstrex r7, r1, [r8]\n\tldr r5, [r8]',
  // In IT blocks.
  'cmp r1, r2\n\tite ne\n\tldrne r6, [r8, #4]\n\tstrbeq r1, [r8, #5]\n\tldr r7, [r8, #4]',
  'pld [r8, #64]\n\tpld [r8, #-8]\n\tpli [r8, r9]\n\tpld [r8, r9, lsl #2]\n\tdmb ish\n\tdsb sy\n\tisb sy\n\tnop\n\tnop.w\n\tyield',
];

export function thumbMemoryProgram(seed: number, repeats: number): string {
  const random = new Random(seed);
  let text = THUMB_HEADER;
  for (const template of THUMB_MEMORY_TEMPLATES) {
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const register of ['r1', 'r2', 'r3', 'r4', 'r5']) text += setRegister(register, random.pick(VALUES) ^ (random.below(2) ? random.next() : 0));
      text += '\tmovw r8, #:lower16:buffer + 2048\n\tmovt r8, #:upper16:buffer + 2048\n';
      text += `\tmovs r1, #${random.below(16)}\n\tsub r0, r8, #${random.below(64)}\n`;
      text += `\tmov r9, #${random.below(64)}\n\tmov r10, #${random.below(16) * 8}\n`;
      text += setApsr(random.next() & 0xf80f0000);
      text += `\t${template.replace(/\n/g, '\n\t')}\n`;
    }
  }
  text += EXIT;
  text += '\t.data\n\t.balign 8\nbuffer:\n';
  for (let k = 0; k < 4096 + 2048; k += 4) text += `\t.word ${hex(random.next())}\n`;
  return text;
}

/**
 * A random Thumb program: T32 and T16 data processing (in and out of IT blocks of random shape),
 * multiplies, media ops and loads/stores through r11, as randomProgram does for A32.
 */
export function randomThumbProgram(seed: number, length: number): string {
  const random = new Random(seed);
  const reg = (): string => `r${random.below(10)}`;
  const low = (): string => `r${random.below(8)}`;
  const conditions = ['eq', 'ne', 'cs', 'cc', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le'];
  const operand2 = (): string => {
    switch (random.below(3)) {
      case 0:
        return `#${hex(random.pick(THUMB_IMMEDIATES))}`;
      case 1:
        return `${reg()}, ${random.pick(['lsl', 'lsr', 'asr', 'ror'])} #${1 + random.below(31)}`;
      default:
        return random.below(4) === 0 ? `${reg()}, rrx` : reg();
    }
  };
  const instruction = (cond: string, inIt: boolean): string => {
    const choice = random.below(inIt ? 20 : 23);
    if (choice >= 20) {
      // Outside IT blocks only: T16 loads/stores through a low copy of r11, PUSH/POP, CBZ/CBNZ and
      // conditional branches over one instruction.
      const base = low();
      const [a, b] = [random.below(4), 4 + random.below(4)];
      return random.pick([
        `mov ${base}, r11\n\tldr.n ${low()}, [${base}, #${4 * random.below(32)}]`,
        `mov ${base}, r11\n\tldrh.n ${low()}, [${base}, #${2 * random.below(32)}]`,
        `mov ${base}, r11\n\tstrb.n ${low()}, [${base}, #${random.below(32)}]\n\tldr ${low()}, [r11]`,
        `mov ${base}, r11\n\tstr.n ${low()}, [${base}, #${4 * random.below(32)}]`,
        `push {r${a}, r${b}}\n\tpop {r${b - 4}, r${a + 4}}`,
        `push.w {r${a}, r${b}, r8}\n\tpop.w {r${a}, r9}\n\tpop {r${b}}`,
        `${random.pick(['cbz', 'cbnz'])} ${low()}, 1f\n\tadds ${low()}, #${random.below(256)}\n1:`,
        `b${random.pick(conditions)} 1f\n\teor ${reg()}, ${reg()}, #${hex(random.pick(THUMB_IMMEDIATES))}\n1:`,
      ]);
    }
    if (choice < 8) {
      const op = random.pick([...THUMB_DP_OPS, 'mov', 'mvn', 'cmp', 'cmn', 'tst', 'teq']);
      const s = random.below(2) ? 's' : '';
      if (op === 'mov' || op === 'mvn') return `${op}${s}${cond} ${reg()}, ${operand2()}`;
      if (op === 'cmp' || op === 'cmn' || op === 'tst' || op === 'teq') return `${op}${cond} ${reg()}, ${operand2()}`;
      return `${op}${s}${cond} ${reg()}, ${reg()}, ${operand2()}`;
    }
    if (choice < 11) {
      // T16 forms: flag-setting outside IT, plain inside.
      const s = inIt ? '' : 's';
      return random.pick([
        `add${s}${cond}.n ${low()}, ${low()}, ${low()}`,
        `sub${s}${cond}.n ${low()}, ${low()}, #${random.below(8)}`,
        `lsl${s}${cond}.n ${low()}, ${low()}, #${random.below(32)}`,
        `asr${s}${cond}.n ${low()}, ${low()}, #${1 + random.below(32)}`,
        `adc${s}${cond}.n r3, ${low()}`,
        `ror${s}${cond}.n r5, ${low()}`,
        `mvn${s}${cond}.n ${low()}, ${low()}`,
        `mov${cond}.n ${reg()}, ${reg()}`,
        `add${cond}.n ${reg()}, ${reg()}`,
        `lsr${s}${cond}.w ${reg()}, ${reg()}, ${reg()}`,
      ]);
    }
    if (choice < 13) {
      const [a, b] = [reg(), reg()];
      let c = reg();
      while (c === a) c = reg();
      return random.pick([
        `mul${cond} ${reg()}, ${reg()}, ${reg()}`,
        `mla${cond} ${reg()}, ${reg()}, ${reg()}, ${reg()}`,
        `umull${cond} ${a}, ${c}, ${b}, ${reg()}`,
        `smlal${cond} ${a}, ${c}, ${b}, ${reg()}`,
        `smlabt${cond} ${reg()}, ${reg()}, ${reg()}, ${reg()}`,
        `smmlar${cond} ${reg()}, ${reg()}, ${reg()}, ${reg()}`,
        `sdiv${cond} ${reg()}, ${reg()}, ${reg()}`,
        `udiv${cond} ${reg()}, ${reg()}, ${reg()}`,
      ]);
    }
    if (choice < 16) {
      return random.pick([
        `mrs${cond} ${reg()}, APSR`,
        `msr${cond} APSR_nzcvqg, ${reg()}`,
        `uhsub16${cond} ${reg()}, ${reg()}, ${reg()}`,
        `qdsub${cond} ${reg()}, ${reg()}, ${reg()}`,
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
    }
    const offset = random.below(1024);
    const op = random.pick(['ldr', 'str', 'ldrb', 'strb', 'ldrh', 'strh', 'ldrsh', 'ldrsb']);
    return random.pick([
      `${op}${cond} ${reg()}, [r11, #${offset}]`,
      `${op}${cond} ${reg()}, [r11, r10]`,
      `ldrd${cond} ${reg()}, ${reg()}, [r11, #${offset & 0x3fc}]`,
      `strd${cond} ${reg()}, ${reg()}, [r11, #${offset & 0x3fc}]`,
      `stm${cond} r11, {r${random.below(5)}, r${5 + random.below(5)}}`,
      `ldm${cond} r11, {r0, r3, r5}`,
    ]);
  };
  let text = THUMB_HEADER;
  for (let k = 0; k < 10; k++) text += setRegister(`r${k}`, random.below(2) ? random.next() : random.pick(VALUES));
  text += '\tmovw r11, #:lower16:buffer\n\tmovt r11, #:upper16:buffer\n\tmov r10, #64\n';
  let emitted = 0;
  while (emitted < length) {
    if (random.below(4) === 0) {
      // An IT block of 1-4 instructions.
      const condition = random.pick(conditions);
      const count = 1 + random.below(4);
      let shape = '';
      const inverse = conditions[conditions.indexOf(condition) ^ 1];
      const lines: string[] = [];
      for (let k = 0; k < count; k++) {
        const then = k === 0 || random.below(2) === 0;
        if (k > 0) shape += then ? 't' : 'e';
        lines.push(instruction(then ? condition : inverse, true));
      }
      text += `\tit${shape} ${condition}\n`;
      for (const line of lines) text += `\t${line}\n`;
      emitted += count + 1;
    } else {
      text += `\t${instruction('', false)}\n`;
      emitted++;
    }
  }
  text += '\tldm r11, {r0-r9}\n';
  text += EXIT;
  text += '\t.data\n\t.balign 8\nbuffer:\n';
  for (let k = 0; k < 1280; k += 4) text += `\t.word ${hex(random.next())}\n`;
  return text;
}
