; SHL SAL SHR SAR ROL ROR RCL RCR by 0, 1, a few n, size-1, size, size+1, 31, 32 and 33 (as an
; immediate and in CL) in 8, 16 and 32 bits, then SHLD and SHRD (16-bit counts stay <= 16: beyond
; that the SDM leaves the result undefined, not just the flags).
%include "common.inc"

START
  xor esi, esi                  ; index of the value
.value:
  xor edi, edi                  ; index of the count
.count:
  mov ecx, [counts + edi * 4]

%macro BY_CL 1
  mov eax, [values + esi * 4]
  SETFLAGS 0x00
  mov eax, [values + esi * 4]
  %1 al, cl
  mov eax, [values + esi * 4]
  %1 ah, cl
  mov eax, [values + esi * 4]
  %1 ax, cl
  SETFLAGS 0x01
  mov eax, [values + esi * 4]
  %1 eax, cl
  mov eax, [values + esi * 4]
  mov [scratch], eax
  SETFLAGS 0xd5
  %1 dword [scratch], cl
  mov eax, [scratch]
%endmacro

  BY_CL shl
  BY_CL shr
  BY_CL sar
  BY_CL rol
  BY_CL ror
  BY_CL rcl
  BY_CL rcr

  ; SHLD/SHRD: 32-bit with every count, 16-bit only with counts up to 16.
  mov eax, [values + esi * 4]
  mov edx, [values + edi * 4]
  SETFLAGS 0x00
  mov eax, [values + esi * 4]
  shld eax, edx, cl
  SETFLAGS 0x00
  mov eax, [values + esi * 4]
  shrd eax, edx, cl
  mov [scratch], eax
  shld [scratch], edx, cl
  shrd [scratch], edx, cl
  mov eax, [scratch]
  cmp cl, 16
  ja .skip16
  SETFLAGS 0x01
  mov eax, [values + esi * 4]
  shld ax, dx, cl
  mov eax, [values + esi * 4]
  shrd ax, dx, cl
.skip16:

  inc edi
  cmp edi, COUNT_COUNT
  jne .count

  ; Immediate counts and the by-one forms (D0/D1).
%macro IMMEDIATE 1
  mov eax, [values + esi * 4]
  SETFLAGS 0x01
  mov eax, [values + esi * 4]
  %1 al, 1
  %1 al, 0
  %1 ax, 1
  %1 eax, 1
  %1 bl, 7
  %1 bx, 9
  %1 ebx, 31
  SETFLAGS 0x00
  mov eax, [values + esi * 4]
  %1 al, 8
  %1 al, 9
  %1 ax, 16
  %1 ax, 17
  %1 eax, 32
  %1 eax, 33
  %1 eax, 0
  %1 byte [scratch], 1
  %1 word [scratch], 3
  mov eax, [scratch]
%endmacro

  mov ebx, [values + esi * 4]
  IMMEDIATE shl
  IMMEDIATE sal
  IMMEDIATE shr
  IMMEDIATE sar
  IMMEDIATE rol
  IMMEDIATE ror
  IMMEDIATE rcl
  IMMEDIATE rcr
  mov edx, 0x9abcdef0
  shld ebx, edx, 1
  shrd ebx, edx, 4
  shld bx, dx, 15
  shrd bx, dx, 16
  shld ebx, edx, 31

  inc esi
  cmp esi, VALUE_COUNT
  jne .value
  EXIT

section .data
values: dd 0, 1, 0x7f, 0x80, 0xff, 0x8000, 0x80000001, 0x7fffffff, 0xffffffff, 0x12345678, 0x89abcdef
VALUE_COUNT equ ($ - values) / 4
counts: dd 0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 63, 0xff
COUNT_COUNT equ ($ - counts) / 4
scratch: dd 0, 0
