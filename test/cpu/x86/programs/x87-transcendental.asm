; x87 transcendentals whose results need all 64 significand bits: FPATAN, F2XM1, FYL2X.
; src/cpu/x86/fpu.ts computes them in doubles (its DEVIATION note), so differential.test.ts runs
; this one as a todo until they are computed in extended precision.
%include "common.inc"

%macro SHOW_DOUBLE 0              ; ST0 as a double into EDX:EAX, popped
  fstp qword [result]
  mov eax, [result]
  mov edx, [result + 4]
%endmacro

%macro SHOW_EXTENDED 0            ; ST0 as 80 bits into EAX, EDX, ECX, popped
  fstp tword [result]
  mov eax, [result]
  mov edx, [result + 4]
  movzx ecx, word [result + 8]
%endmacro

START
  fninit
  ; Transcendental functions that QEMU computes in extended precision.
  fld1
  fld qword [three]
  fpatan
  SHOW_EXTENDED
  fld qword [half]
  f2xm1
  SHOW_EXTENDED
  fld qword [three]
  fld qword [seven]
  fyl2x
  SHOW_EXTENDED
  fnstsw ax
  EXIT

section .data
three: dq 3.0
seven: dq 7.0
two: dq 2.0
half: dq 0.5
minus_half: dq -0.5
two_and_half: dq 2.5
big: dq 12345678901.75
single: dd 1.1
integer: dd 123456
short_integer: dw -7
control: dw 0
result: times 16 db 0
environment: times 28 db 0
