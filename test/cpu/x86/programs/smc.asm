; Self-modifying code (the program is linked -N, so .text is writable): patch an immediate and run
; the instruction, write a whole new instruction over NOPs and run it, patch an instruction in the
; straight-line path just ahead of the one writing it, and rewrite a loop body between iterations.
%include "common.inc"

START
  mov dword [patch_immediate + 1], 0xcafef00d
patch_immediate:
  mov eax, 0x11111111           ; becomes mov eax, 0xcafef00d

  ; Write "mov ebx, 0x12345678" (bb 78 56 34 12) over five NOPs.
  mov byte [slot], 0xbb
  mov dword [slot + 1], 0x12345678
slot:
  times 5 nop

  ; Modify the very next instruction: on a P6 (and QEMU) the store is seen at once.
  mov byte [next + 2], 0x7f
next:
  add ecx, byte 1               ; becomes add ecx, 0x7f

  ; A loop whose body is rewritten each time: add edx, imm8 with the immediate doubled.
  mov esi, 5
  xor edx, edx
smc_loop:
  shl byte [loop_body + 2], 1
loop_body:
  add edx, byte 1
  dec esi
  jnz smc_loop

  ; Turn an ADD into a SUB (opcode byte) and run it twice: once changed, once changed back.
  mov edi, 2
twice:
  xor byte [toggle], 0x28       ; 01 (add r/m32, r32) <-> 29 (sub r/m32, r32)
toggle:
  add eax, ebx
  dec edi
  jnz twice
  EXIT
