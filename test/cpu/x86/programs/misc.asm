; The rest of the integer instruction set that a Linux process can run: XLAT, LAHF/SAHF, SALC
; (undocumented D6), the sign extensions, MOVZX/MOVSX, XCHG and NOP forms, LOCK-prefixed
; read-modify-writes, BT with a negative register offset into memory, JCXZ/LOOP/LOOPE/LOOPNE and
; every Jcc taken and not taken. Not CPUID: our CPU is a P6 without MMX/SSE and QEMU's pentium3
; is not (docs/testing-x86.md).
%include "common.inc"

START
  mov ebx, table
  mov eax, 0x12345605
  xlatb
  mov al, 0xff
  xlatb
  mov eax, 0x80
  cmp eax, 0x7f
  lahf
  mov ah, 0xd5
  sahf
  lahf
  salc
  clc
  salc
  mov eax, 0x8081
  cbw
  cwde
  cwd
  cdq
  mov eax, 0x7f80
  cbw
  cwde
  movzx ecx, ah
  movsx edx, al
  movsx cx, al
  movzx edx, word [table + 6]
  movsx edx, word [table + 6]
  mov eax, 0x11111111
  mov ecx, 0x22222222
  xchg eax, ecx
  xchg al, ch
  xchg ax, cx
  xchg [scratch], ecx
  mov edx, [scratch]
  xchg eax, eax                 ; NOP
  nop
  db 0x0f, 0x1f, 0x44, 0x00, 0x00 ; long NOP
  db 0x66, 0x90                   ; o16 NOP

  lock add dword [scratch], 5
  lock xadd [scratch], eax
  lock cmpxchg [scratch + 4], ecx
  lock inc byte [scratch]
  lock bts dword [scratch], 31
  mov eax, [scratch]
  mov edx, [scratch + 4]

  ; BT with a register offset into memory reaches below the operand for negative offsets.
  mov ecx, -9
  bt dword [table + 16], ecx
  mov ecx, -33
  bts dword [table + 16], ecx
  btc word [table + 16], cx
  mov ecx, 70
  btr dword [table], ecx
  SHOW table, 4

  ; Jumps and loops.
  mov ecx, 3
  xor edx, edx
.loop:
  inc edx
  loop .loop
  mov ecx, 5
.loope:
  cmp edx, 3
  loope .loope
  mov ecx, 5
  xor edx, edx
.loopne:
  inc edx
  cmp edx, 2
  loopne .loopne
  xor ecx, ecx
  jecxz .zero
  mov edx, 0xbad
.zero:
  mov ecx, 0x10000
  a16 jcxz .cx_zero             ; CX is 0 though ECX is not
  mov edx, 0xbad
.cx_zero:

  xor esi, esi
.conditions:
  mov eax, [values + esi * 4]
  cmp eax, [values + esi * 4 + 4]
  %assign c 0
  %rep 16
    db 0x70 + c, 2              ; jcc +2 over "inc edx"
    inc edx
    nop
    %assign c c + 1
  %endrep
  inc esi
  cmp esi, VALUE_COUNT - 1
  jb .conditions
  EXIT

section .data
table:
  %assign i 0
  %rep 256
    db (i * 7 + 3) & 0xff
    %assign i i + 1
  %endrep
values: dd 0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0, 0x80000000, 1
VALUE_COUNT equ ($ - values) / 4
scratch: dd 0, 0
