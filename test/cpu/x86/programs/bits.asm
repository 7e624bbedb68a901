; BT BTS BTR BTC (register, immediate and memory bit strings), BSF BSR (with a zero source),
; BSWAP, XADD, CMPXCHG, CMPXCHG8B, CMOVcc and SETcc for every condition under several flag states.
%include "common.inc"

START
  xor esi, esi
.value:
  mov ebx, [values + esi * 4]
  mov ecx, [values + esi * 4]
  mov eax, 0xa5a5a5a5
  bt ebx, 0
  bt ebx, 31
  bts ebx, 5
  btr bx, 3
  btc ebx, 17
  bt eax, ecx                   ; register form: the offset is taken modulo 32
  bts ax, cx
  btr eax, ecx
  btc eax, ecx
  mov [scratch], eax
  mov [scratch + 4], ebx
  and ecx, 63                   ; memory form: the offset addresses the bit string
  bt [scratch], ecx
  bts dword [scratch], ecx
  btr word [scratch], cx
  btc dword [scratch], 7
  SHOW scratch, 2
  mov edx, 0x5a5a5a5a           ; BSF/BSR leave the destination alone on a zero source
  bsf edx, ebx
  bsr eax, ebx
  bsf dx, bx
  bsr ax, bx
  bsf ecx, [values + esi * 4]
  mov eax, ebx
  bswap eax
  bswap ebx
  bswap ecx

  mov eax, [values + esi * 4]
  mov edx, 0x80000001
  xadd eax, edx
  xadd dl, al
  xadd [scratch], ax
  mov eax, [scratch]

  ; CMPXCHG compares with the accumulator.
  mov eax, [values + esi * 4]
  mov edx, 0x13579bdf
  mov [scratch], eax
  cmpxchg [scratch], edx        ; equal: stores EDX
  mov ecx, [scratch]
  cmpxchg [scratch], edx        ; now not equal unless EAX was EDX: loads EAX
  cmpxchg bl, dl
  cmpxchg cx, dx
  mov ecx, [scratch]
  mov eax, 1
  mov edx, 2
  mov ebx, [values + esi * 4]
  mov ecx, 3
  cmpxchg8b [pair]              ; compares EDX:EAX with the pair
  mov eax, [pair]
  mov edx, [pair + 4]
  cmpxchg8b [pair]
  SHOW pair, 2

  ; Every condition under the flag states of a few comparisons.
  xor edi, edi
.compare:
  mov eax, [values + esi * 4]
  cmp eax, [values + edi * 4]
  %assign c 0
  %rep 16
    db 0x0f, 0x90 + c, 0xc0 + 1   ; setcc cl
    mov ebx, edi
    db 0x0f, 0x40 + c, 0xd8 + 6   ; cmovcc ebx, esi
    %assign c c + 1
  %endrep
  mov ebx, [values + esi * 4]
  cmovl bx, [values + edi * 4]
  cmovnp edx, [values + edi * 4]
  setg byte [scratch]
  mov ebx, [scratch]
  inc edi
  cmp edi, VALUE_COUNT
  jne .compare

  inc esi
  cmp esi, VALUE_COUNT
  jne .value
  EXIT

section .data
values: dd 0, 1, 0x7f, 0x80, 0x8000, 0x7fffffff, 0x80000000, 0xffffffff, 0x13579bdf, 0x00010000, 0x40
VALUE_COUNT equ ($ - values) / 4
scratch: dd 0, 0, 0, 0
pair: dd 1, 2
