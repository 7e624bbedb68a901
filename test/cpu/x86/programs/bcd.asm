; DAA DAS AAA AAS on AL values 0, 3, 6 ... 255 (every low and high nibble) under each of the four
; AF/CF combinations, then AAM and AAD with base 10 and other bases.
%include "common.inc"

%macro BCD 1
  xor ebx, ebx
%%next:
  %assign %%flags 0
  %rep 4
    mov eax, ebx
    mov ah, ((%%flags & 1) | ((%%flags & 2) << 3))
    sahf
    mov ah, bh
    %1
    %assign %%flags %%flags + 1
  %endrep
  add ebx, 0x103                ; AL steps by 3, BH (copied to AH) counts too
  cmp bl, 0xff
  jne %%next
%endmacro

START
  BCD daa
  BCD das
  BCD aaa
  BCD aas

  xor ebx, ebx
.aam:
  mov eax, ebx
  aam
  mov eax, ebx
  aam 16
  mov eax, ebx
  aam 7
  mov eax, ebx
  aad
  mov eax, ebx
  aad 16
  mov eax, ebx
  aad 0xff
  add ebx, 0x0b07
  cmp ebx, 0x10000
  jb .aam
  EXIT
