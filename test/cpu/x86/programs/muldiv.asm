; MUL and IMUL (one, two and three operands) and DIV and IDIV in 8, 16 and 32 bits on edge values,
; ending with a divide by zero: #DE, which kills the program (SIGFPE under QEMU).
%include "common.inc"

START
  xor esi, esi
.outer:
  xor edi, edi
.inner:
  mov ebx, [values + edi * 4]
  mov eax, [values + esi * 4]
  mul bl
  mov eax, [values + esi * 4]
  mul bx
  mov eax, [values + esi * 4]
  mul ebx
  mov eax, [values + esi * 4]
  imul bl
  mov eax, [values + esi * 4]
  imul bx
  mov eax, [values + esi * 4]
  imul ebx
  mov eax, [values + esi * 4]
  imul ax, bx
  mov eax, [values + esi * 4]
  imul eax, ebx
  imul edx, ebx, -3
  imul dx, bx, 0x7fff
  imul ecx, [values + esi * 4], 0x12345
  imul eax, [values + edi * 4]
  mov eax, [values + esi * 4]
  mul dword [values + edi * 4]

  ; Divisions whose quotient fits (the divisor is non-zero and bigger than the high half).
  mov eax, [values + esi * 4]
  test ebx, ebx
  jz .next
  xor edx, edx
  div ebx
  mov eax, [values + esi * 4]
  cmp bx, 0
  je .no16
  xor edx, edx
  div bx
.no16:
  mov eax, [values + esi * 4]
  mov edx, [values + esi * 4]
  and edx, 0x7fffffff
  cmp edx, ebx
  jae .nodiv64
  div ebx                       ; EDX:EAX with a non-zero high half
.nodiv64:
  mov eax, [values + esi * 4]
  cdq
  cmp ebx, -1
  je .noidiv                    ; 0x80000000 / -1 overflows
  idiv ebx
.noidiv:
  mov eax, [values + esi * 4]
  cwd
  cmp bx, -1
  je .noidiv16
  cmp bx, 0
  je .noidiv16
  idiv bx
.noidiv16:
  mov eax, [values + esi * 4]
  and eax, 0x3fff               ; AX / BL with a quotient that fits in 8 bits needs AH < BL
  cmp bl, 0x40
  jb .next
  div bl
  mov eax, [values + esi * 4]
  and eax, 0x1fff
  cmp bl, 0x40
  jb .next
  test bl, 0x80
  jnz .next
  idiv bl
.next:
  inc edi
  cmp edi, VALUE_COUNT
  jne .inner
  inc esi
  cmp esi, VALUE_COUNT
  jne .outer

  mov eax, 0x12345678
  xor edx, edx
  xor ecx, ecx
  div ecx                       ; #DE
  EXIT                          ; not reached

section .data
values: dd 0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffd, 0x12345678
VALUE_COUNT equ ($ - values) / 4
