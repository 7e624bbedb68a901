; Every two-operand ALU instruction (ADD ADC SUB SBB AND OR XOR CMP TEST) in 8, 16 and 32 bits on
; every pair of edge values, then INC DEC NEG NOT, the immediate, accumulator and memory forms.
%include "common.inc"

START
  xor esi, esi                  ; index of the first operand
.outer:
  xor edi, edi                  ; index of the second operand
.inner:
  mov ebx, [values + edi * 4]

%macro BINARY 1
  mov eax, [values + esi * 4]
  %1 al, bl
  mov eax, [values + esi * 4]
  %1 ah, bl
  mov eax, [values + esi * 4]
  %1 ax, bx
  mov eax, [values + esi * 4]
  %1 eax, ebx
%endmacro

  BINARY add
  BINARY sub
  BINARY and
  BINARY or
  BINARY xor
  BINARY cmp
  BINARY test
  clc
  BINARY adc
  stc
  BINARY adc
  clc
  BINARY sbb
  stc
  BINARY sbb

  ; Memory destination and memory source.
  mov eax, [values + esi * 4]
  mov [scratch], eax
  add [scratch], ebx
  sub [scratch], bx
  xor [scratch + 1], bl
  mov eax, [scratch]
  sbb eax, [values + edi * 4]
  adc ax, [values + edi * 4]
  cmp bl, [values + esi * 4]
  test [values + esi * 4], ebx

  inc edi
  cmp edi, VALUE_COUNT
  jne .inner

  ; Unary operations on the first operand.
  mov eax, [values + esi * 4]
  inc al
  mov eax, [values + esi * 4]
  inc ax
  mov eax, [values + esi * 4]
  inc eax
  mov eax, [values + esi * 4]
  dec al
  mov eax, [values + esi * 4]
  dec ax
  mov eax, [values + esi * 4]
  dec eax
  mov eax, [values + esi * 4]
  neg al
  mov eax, [values + esi * 4]
  neg ax
  mov eax, [values + esi * 4]
  neg eax
  mov eax, [values + esi * 4]
  not al
  not ax
  not eax
  mov ecx, [values + esi * 4]
  mov [scratch], ecx
  inc dword [scratch]
  dec word [scratch]
  neg byte [scratch + 3]
  not dword [scratch]
  mov ecx, [scratch]
  stc
  mov eax, [values + esi * 4]
  inc eax                       ; CF must survive INC and DEC
  dec eax

  ; Immediate forms: accumulator short forms (04/05), 80/81 and sign-extended 83.
  mov eax, [values + esi * 4]
  mov edx, eax
  add al, 0x7f
  add eax, 0x80000000
  add edx, -1
  sub ax, 0x8000
  sub edx, byte 0x7f
  and eax, 0xffff00ff
  or dl, 0x80
  xor ecx, 0x7fffffff
  cmp eax, byte -128
  cmp dx, 0xffff
  test al, 0x81
  test edx, 0x80000001
  clc
  adc dh, 0xff
  stc
  sbb edx, byte 1

  inc esi
  cmp esi, VALUE_COUNT
  jne .outer
  EXIT

section .data
values:
  dd 0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x12345678, 0x0f0f8001
VALUE_COUNT equ ($ - values) / 4
scratch: dd 0, 0
