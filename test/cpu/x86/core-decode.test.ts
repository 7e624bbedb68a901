// The table-driven decoder and the disassembler built on it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, DecodedInstruction, DecodeStatus, type ByteSource } from '../../../src/cpu/x86/decode.js';
import { disassemble } from '../../../src/cpu/x86/disasm.js';
import { DS, SS } from '../../../src/cpu/x86/state.js';

function dis(bytes: number[], is32 = true, address = 0): { text: string; length: number } {
  return disassemble(new Uint8Array(bytes), 0, is32, address);
}

class Bytes implements ByteSource {
  constructor(private readonly bytes: number[]) {}
  byteAt(index: number): number {
    return index < this.bytes.length ? this.bytes[index] : -1;
  }
}

test('X86C0001 ModRM, SIB and displacement forms decode to the right lengths and text', () => {
  assert.deepEqual(dis([0x8b, 0x44, 0x8b, 0x10]), { text: 'mov eax,dword [ebx+ecx*4+0x10]', length: 4 });
  assert.deepEqual(dis([0x64, 0x8b, 0x45, 0xf8]), { text: 'mov eax,dword [fs:ebp-0x8]', length: 4 });
  assert.deepEqual(dis([0x6b, 0x4c, 0x24, 0x04, 0xfd]), { text: 'imul ecx,dword [esp+0x4],0xfffffffd', length: 5 });
  assert.deepEqual(dis([0xa1, 0x44, 0x33, 0x22, 0x11]), { text: 'mov eax,dword [ds:0x11223344]', length: 5 });
  assert.deepEqual(dis([0x67, 0xa1, 0x22, 0x11]), { text: 'mov eax,dword [ds:0x1122]', length: 4 });
});

test('X86C0002 16-bit addressing and operand-size prefixes', () => {
  assert.deepEqual(dis([0x8b, 0x80, 0x34, 0x12], false), { text: 'mov ax,word [bx+si+0x1234]', length: 4 });
  assert.deepEqual(dis([0x66, 0x67, 0x8b, 0x80, 0x34, 0x12]), { text: 'mov ax,word [bx+si+0x1234]', length: 6 });
  assert.deepEqual(dis([0x8b, 0x46, 0x00], false), { text: 'mov ax,word [bp]', length: 3 });
  const inst = new DecodedInstruction();
  assert.equal(decode(new Bytes([0x8b, 0x46, 0x00]), false, inst), DecodeStatus.OK);
  assert.equal(inst.segment, SS);
  assert.equal(decode(new Bytes([0x8b, 0x07]), false, inst), DecodeStatus.OK);
  assert.equal(inst.segment, DS);
  assert.deepEqual(dis([0xf3, 0x66, 0xa5]), { text: 'rep movsw', length: 3 });
});

test('X86C0003 immediates: group 3 TEST only, ENTER, far pointers, 0F opcodes', () => {
  assert.deepEqual(dis([0xf6, 0xc3, 0x05]), { text: 'test bl,0x5', length: 3 });
  assert.deepEqual(dis([0xf6, 0xd3]), { text: 'not bl', length: 2 });
  assert.deepEqual(dis([0xc8, 0x10, 0x00, 0x02]), { text: 'enter 0x10,0x2', length: 4 });
  assert.deepEqual(dis([0xea, 0x78, 0x56, 0x34, 0x12, 0x08, 0x00]), { text: 'jmp 0x8:0x12345678', length: 7 });
  assert.deepEqual(dis([0x0f, 0xb6, 0xc3]), { text: 'movzx eax,bl', length: 3 });
  assert.deepEqual(dis([0x0f, 0xa4, 0xd0, 0x03]), { text: 'shld eax,edx,0x3', length: 4 });
  assert.deepEqual(dis([0xf0, 0x0f, 0xb1, 0x11]), { text: 'lock cmpxchg dword [ecx],edx', length: 4 });
  assert.deepEqual(dis([0x0f, 0x22, 0xd8]), { text: 'mov cr3,eax', length: 3 });
  assert.deepEqual(dis([0x0f, 0xc9]), { text: 'bswap ecx', length: 2 });
  assert.deepEqual(dis([0xeb, 0xfe], true, 0x1000), { text: 'jmp 0x1000', length: 2 });
  assert.deepEqual(dis([0xdd, 0x00]), { text: 'fld qword [eax]', length: 2 });
  assert.deepEqual(dis([0xd8, 0xc3]), { text: 'fadd st0,st3', length: 2 });
});

test('X86C0004 undefined, truncated and over-long instructions', () => {
  assert.equal(dis([0x0f, 0x0b]).text, 'ud2');
  assert.equal(dis([0x0f, 0xff]).text, '(bad)');
  assert.equal(dis([0xfe, 0xd0]).text, '(bad)'); // FE /2 does not exist
  assert.equal(dis([0x8b]).text, '(bad)');
  const inst = new DecodedInstruction();
  assert.equal(decode(new Bytes(new Array<number>(16).fill(0x66)), true, inst), DecodeStatus.TOO_LONG);
  assert.equal(decode(new Bytes([0x0f, 0xff]), true, inst), DecodeStatus.OK);
  assert.equal(inst.invalid, true);
});
