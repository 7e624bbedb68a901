; x87 with results that a double holds exactly or that QEMU computes in double precision: loads,
; exact arithmetic, comparisons (FCOM sets C0-C3, FCOMI sets EFLAGS), integer stores with each
; rounding, FXCH/FABS/FCHS/FSCALE/FXTRACT/FRNDINT/FPREM, FSIN/FCOS/FSINCOS/FPTAN (QEMU takes them
; through the host's double functions), FCMOVcc, FNSTENV. Results are stored and loaded into
; EAX/EDX (the status word into AX with FNSTSW), and the FPU registers are compared too.
; x87-extended.asm has what needs 80 bits.
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
  fnstcw [control]
  movzx eax, word [control]
  fnstsw ax
  fld1
  fldz
  SHOW_EXTENDED
  SHOW_EXTENDED

  ; Exact arithmetic on doubles and integers.
  fld qword [three]
  fadd qword [seven]
  SHOW_DOUBLE
  fld qword [seven]
  fmul st0, st0
  fsub qword [three]
  SHOW_EXTENDED
  fild dword [integer]
  fimul word [short_integer]
  fiadd dword [integer]
  SHOW_EXTENDED
  fld qword [three]
  fdiv qword [half]
  SHOW_EXTENDED
  fld qword [four]
  fsqrt
  SHOW_EXTENDED
  fld qword [three]
  fld qword [seven]
  fsubr st0, st1
  fxch st1
  SHOW_DOUBLE
  SHOW_DOUBLE
  fld qword [half]
  fld qword [three]
  fdivrp st1, st0                 ; ST1 = ST0 / ST1 = 6
  SHOW_DOUBLE
  fld qword [minus_half]
  fabs
  fchs
  SHOW_DOUBLE
  fld qword [seven]
  fld qword [three]
  fprem
  fnstsw ax
  SHOW_DOUBLE
  SHOW_DOUBLE
  fld qword [big]
  frndint
  SHOW_DOUBLE
  fld qword [big]
  fxtract
  SHOW_DOUBLE
  SHOW_DOUBLE
  fld qword [three]
  fld qword [minus_half]
  fscale
  SHOW_DOUBLE
  SHOW_DOUBLE

  ; Integer stores: the default rounding (to nearest even), then truncation via the control word.
  fld qword [minus_half]
  fistp dword [result]
  mov eax, [result]
  fld qword [two_and_half]
  fist word [result]
  fistp dword [result + 4]
  mov eax, [result]
  mov edx, [result + 4]
  fld qword [big]
  fistp qword [result]
  mov eax, [result]
  mov edx, [result + 4]
  mov word [control], 0x0f7f       ; round toward zero
  fldcw [control]
  fld qword [two_and_half]
  fchs
  fistp dword [result]
  mov eax, [result]
  mov word [control], 0x077f       ; round down
  fldcw [control]
  fld qword [two_and_half]
  fistp dword [result]
  mov eax, [result]
  fnstcw [control]
  movzx eax, word [control]
  mov word [control], 0x037f
  fldcw [control]

  ; Comparisons: C0, C2, C3 in the status word; FCOMI into ZF PF CF.
  fld qword [three]
  fcom qword [seven]
  fnstsw ax
  fcom qword [three]
  fnstsw ax
  fcom qword [minus_half]
  fnstsw ax
  fldz
  ftst
  fnstsw ax
  fxam
  fnstsw ax
  fld qword [seven]
  fcomi st0, st1
  fcomip st0, st2
  fucomip st0, st1
  fld qword [seven]
  fcompp
  fnstsw ax
  fld qword [three]
  fcomp qword [seven]
  fnstsw ax
  fld qword [three]
  ficomp dword [integer]
  fnstsw ax

  ; Transcendental functions (QEMU computes these through the host's double precision).
  fld qword [half]
  fsin
  SHOW_DOUBLE
  fld qword [half]
  fcos
  SHOW_DOUBLE
  fld qword [half]
  fsincos
  SHOW_DOUBLE
  SHOW_DOUBLE
  fld qword [half]
  fptan
  SHOW_DOUBLE
  SHOW_DOUBLE

  ; Conditional moves, then the environment (control, status and tag words only: QEMU updates
  ; the last-instruction pointer on FNSTSW too, which the SDM (vol. 1, 8.1.8) says it must not).
  fld qword [three]
  fld qword [seven]
  fcomi st0, st1
  fcmovb st0, st1
  fcmovnbe st0, st1
  SHOW_DOUBLE
  fld qword [seven]
  fnstenv [environment]
  SHOW environment, 3
  fstp st0
  fstp st0
  fnstsw ax
  EXIT

section .data
three: dq 3.0
seven: dq 7.0
four: dq 4.0
half: dq 0.5
minus_half: dq -0.5
two_and_half: dq 2.5
big: dq 12345678901.75
integer: dd 123456
short_integer: dw -7
control: dw 0
result: times 16 db 0
environment: times 28 db 0
