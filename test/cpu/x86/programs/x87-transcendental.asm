; x87 transcendentals whose results need all 64 significand bits: FPATAN, F2XM1, FYL2X, FYL2XP1,
; in each quadrant / sign, under each rounding mode and under precision control (which the SDM,
; vol. 1 8.1.5.2, does not apply to them), plus FYL2XP1 outside the range QEMU computes.
; Every argument here is one where QEMU 7.2's result is the correctly rounded one.
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
  ; FYL2XP1 on a small positive and a small negative x, and one out of range (indefinite, IE).
  fld qword [seven]
  fld qword [tenth]
  fyl2xp1
  SHOW_EXTENDED
  fld qword [minus_half]
  fld qword [minus_quarter]
  fyl2xp1
  SHOW_EXTENDED
  fld qword [three]
  fld qword [half]
  fyl2xp1
  SHOW_EXTENDED
  fnstsw ax
  fnclex
  ; FPATAN in the other quadrants, with |y| > |x| and a tiny ratio.
  fld qword [minus_half]
  fld qword [minus_third]
  fpatan
  SHOW_EXTENDED
  fld qword [seven]
  fld qword [minus_half]
  fpatan
  SHOW_EXTENDED
  fld qword [tiny]
  fld qword [seven]
  fpatan
  SHOW_EXTENDED
  ; F2XM1 on -1, a negative and a tiny argument; FYL2X on a power of two (exact: PE stays clear).
  fld1
  fchs
  f2xm1
  SHOW_EXTENDED
  fld qword [minus_third]
  f2xm1
  SHOW_EXTENDED
  fld qword [tiny]
  f2xm1
  SHOW_EXTENDED
  fnclex
  fld qword [three]
  fld qword [eight]
  fyl2x
  SHOW_EXTENDED
  fnstsw ax
  ; Each rounding mode, and precision control at 24 bits (still 64-bit results).
  mov word [control], 0x0f7f        ; round toward zero, 64-bit precision
  call rounding_cases
  mov word [control], 0x077f        ; round down
  call rounding_cases
  mov word [control], 0x0b7f        ; round up
  call rounding_cases
  mov word [control], 0x007f        ; nearest, 24-bit precision
  call rounding_cases
  fnstsw ax
  EXIT

rounding_cases:                   ; operands exact in 24 bits: QEMU rounds FLD m64 to the precision control
  fldcw [control]
  fld1
  fld qword [three]
  fpatan
  SHOW_EXTENDED
  fld qword [minus_three_eighths]
  f2xm1
  SHOW_EXTENDED
  fld qword [minus_half]
  fld qword [seven]
  fyl2x
  SHOW_EXTENDED
  fld qword [three]
  fld qword [three_32nds]
  fyl2xp1
  SHOW_EXTENDED
  ret

section .data
three: dq 3.0
seven: dq 7.0
two: dq 2.0
half: dq 0.5
minus_half: dq -0.5
minus_quarter: dq -0.25
minus_third: dq -0.3333333333333333
tenth: dq 0.1
minus_three_eighths: dq -0.375
three_32nds: dq 0.09375
eight: dq 8.0
tiny: dq 1.0e-30
two_and_half: dq 2.5
big: dq 12345678901.75
single: dd 1.1
integer: dd 123456
short_integer: dw -7
control: dw 0
result: times 16 db 0
environment: times 28 db 0
