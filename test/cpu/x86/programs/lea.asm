; LEA and MOV with every 32-bit addressing form (disp32 alone, base, base + disp8/disp32, SIB with
; each scale, no base, ESP and EBP as base) and LEA with every 16-bit form (67 prefix: BX+SI,
; BX+DI, BP+SI, BP+DI, SI, DI, disp16, BX, each + disp8/disp16, wrapping at 64 KiB). 16-bit forms
; only compute addresses: memory below 64 KiB is not mapped in a Linux process.
%include "common.inc"

START
  xor esi, esi
.value:
  mov [index], esi              ; the 16-bit forms below use SI
  mov eax, [values + esi * 4]
  mov ebx, eax
  mov ecx, eax
  not ecx
  mov edx, 0x10000
  mov edi, [values + esi * 4]
  ror edi, 8
  mov ebp, 0x7ffffff0

  lea eax, [0x12345678]
  lea eax, [ebx]
  lea eax, [ebx + 0x7f]
  lea eax, [ebx - 0x80]
  lea eax, [ebx + 0x12345678]
  lea eax, [ebx + ecx]
  lea eax, [ebx + ecx * 2]
  lea eax, [ebx + ecx * 4 + 8]
  lea eax, [ebx + ecx * 8 - 0x1000]
  lea eax, [ecx * 2]
  lea eax, [ecx * 4 + 0x80000000]
  lea eax, [nosplit ecx * 1]    ; SIB with no base and scale 1
  lea eax, [esp]
  lea eax, [esp + 4]
  lea eax, [esp + ebx * 2 + 0x100]
  lea eax, [ebp]                ; encoded as [ebp + disp8 0]
  lea eax, [ebp + edi * 8]
  lea eax, [ebp - 0x7ffffff0]
  lea eax, [edi + edi * 4]
  lea eax, [edx + edx * 8 + 0x7fffffff]
  lea ax, [ebx + ecx + 0x1234]  ; 16-bit destination, 32-bit address
  lea eax, [byte ebx + 0]
  lea eax, [dword ebx + 0]

  ; 16-bit address size: each of the eight base/index forms, then the displacements.
  mov bx, 0xfff0
  mov si, 0x0020
  mov di, 0x8001
  mov bp, 0x7fff
  a16 lea eax, [bx + si]
  a16 lea eax, [bx + di]
  a16 lea eax, [bp + si]
  a16 lea eax, [bp + di]
  a16 lea eax, [si]
  a16 lea eax, [di]
  a16 lea eax, [word 0x1234]
  a16 lea eax, [bx]
  a16 lea eax, [bx + si + 0x7f]
  a16 lea eax, [bx + di - 0x80]
  a16 lea eax, [bp + si + 0x1234]
  a16 lea eax, [bp + di + 0xfedc]
  a16 lea eax, [si - 1]
  a16 lea eax, [di + 0x8000]
  a16 lea eax, [bp + 0]         ; [bp] has no mod-00 form
  a16 lea eax, [bp + 0x100]
  a16 lea eax, [bx + 0x7fff]
  a16 lea eax, [bx - 1]
  a16 lea ax, [bx + si + 0x10]
  a16 lea cx, [bp + di]

  ; Memory operands through the same forms (within the table).
  mov esi, [index]
  mov ebx, values
  mov ecx, esi
  mov eax, [ebx + ecx * 4]
  mov eax, [values + ecx * 4]
  mov edx, [ebx + 4]
  mov edx, [ebx + 0x1c]
  lea ebp, [values + 8]
  mov eax, [ebp - 8 + ecx * 4]
  mov ax, [ebx + ecx * 2 + 2]
  mov al, [ebx + ecx + 1]

  inc esi
  cmp esi, VALUE_COUNT
  jne .value
  EXIT

section .data
values: dd 0, 1, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x00012345
VALUE_COUNT equ ($ - values) / 4
index: dd 0
