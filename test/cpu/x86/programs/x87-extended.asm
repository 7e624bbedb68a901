; x87 results that need the full 80-bit format: the constants' 64-bit significands, inexact
; quotients and roots kept in extended precision, precision control, and the precision exception.
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
  ; The constants, with their full 64-bit significands.
  fld1
  fldz
  fldpi
  fldl2e
  fldl2t
  fldlg2
  fldln2
  SHOW_EXTENDED
  SHOW_EXTENDED
  SHOW_EXTENDED
  SHOW_EXTENDED
  SHOW_EXTENDED
  SHOW_EXTENDED
  SHOW_EXTENDED

  ; Inexact results kept in 80 bits, and the precision exception (PE) they raise.
  fld qword [three]
  fdiv qword [seven]
  fnstsw ax
  SHOW_EXTENDED
  fld qword [two]
  fsqrt
  fnstsw ax
  SHOW_EXTENDED
  fild dword [integer]
  fidiv word [short_integer]
  SHOW_EXTENDED
  fld dword [single]
  fld st0
  faddp st1, st0
  SHOW_EXTENDED

  ; Precision control: 24- and 53-bit rounding of the same quotient.
  mov word [control], 0x007f
  fldcw [control]
  fld qword [three]
  fdiv qword [seven]
  SHOW_EXTENDED
  mov word [control], 0x027f
  fldcw [control]
  fld qword [three]
  fdiv qword [seven]
  SHOW_EXTENDED
  mov word [control], 0x037f
  fldcw [control]

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
