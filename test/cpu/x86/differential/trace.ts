// A per-instruction trace of x86 architectural state: one fixed-size record of integers per
// instruction, holding the state BEFORE that instruction ran (as QEMU's `-d cpu` prints it). Both
// QEMU's side and ours are turned into this form, so that the comparator sees one shape only.

/** Field offsets inside one record. */
export const Field = {
  /** EAX … EDI at 0 … 7, in ModRM encoding order. */
  REG: 0,
  EIP: 8,
  EFLAGS: 9,
  /** ES CS SS DS FS GS selectors at 10 … 15. */
  SELECTOR: 10,
  /** x87 control word, status word (TOP folded in), abridged tag (bit i = physical register i in use). */
  FCW: 16,
  FSW: 17,
  FTW: 18,
  /** Physical x87 registers 0 … 7, three words each: mantissa low 32, mantissa high 32, sign+exponent. */
  FPR: 19,
} as const;

export const RECORD_WORDS = Field.FPR + 8 * 3;

export const REGISTER_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;
export const SEGMENT_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

/** The state before each of a run of instructions, plus (where known) each instruction's text. */
export class StateTrace {
  private words: Int32Array;
  private texts: string[] = [];
  count = 0;

  constructor(
    /** Whether the x87 fields were recorded. */
    readonly hasFpu: boolean,
    capacity = 1024,
  ) {
    this.words = new Int32Array(capacity * RECORD_WORDS);
  }

  /** Appends a record and returns its offset in `data`, for the caller to fill. */
  append(text: string): number {
    if ((this.count + 1) * RECORD_WORDS > this.words.length) {
      const grown = new Int32Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    this.texts.push(text);
    return this.count++ * RECORD_WORDS;
  }

  get data(): Int32Array {
    return this.words;
  }

  get(index: number, field: number): number {
    return this.words[index * RECORD_WORDS + field];
  }

  eip(index: number): number {
    return this.words[index * RECORD_WORDS + Field.EIP] >>> 0;
  }

  /** The instruction's disassembly as the tracer saw it ('' when unknown). */
  text(index: number): string {
    return this.texts[index] ?? '';
  }

  setText(index: number, text: string): void {
    this.texts[index] = text;
  }

  /** The first `count` records. */
  slice(count: number): StateTrace {
    const out = new StateTrace(this.hasFpu, Math.max(16, count));
    for (let i = 0; i < Math.min(count, this.count); i++) {
      const at = out.append(this.text(i));
      out.words.set(this.words.subarray(i * RECORD_WORDS, (i + 1) * RECORD_WORDS), at);
    }
    return out;
  }

  /**
   * Keeps only the first of each run of records with the same EIP. QEMU logs a REP string
   * instruction once per iteration (it re-enters the same translation block), while a CPU may run
   * all iterations in one step; collapsing both sides makes the two comparable. None of the test
   * programs jumps to itself, so no other runs exist.
   */
  collapseRepeats(): StateTrace {
    const out = new StateTrace(this.hasFpu, Math.max(16, this.count));
    let previous = -1;
    for (let i = 0; i < this.count; i++) {
      const eip = this.eip(i);
      if (eip === previous) continue;
      previous = eip;
      const at = out.append(this.text(i));
      out.words.set(this.words.subarray(i * RECORD_WORDS, (i + 1) * RECORD_WORDS), at);
    }
    return out;
  }
}

export function hex(value: number, digits = 8): string {
  return (value >>> 0).toString(16).padStart(digits, '0');
}
