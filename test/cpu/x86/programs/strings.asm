; String instructions with every prefix: MOVS STOS LODS CMPS SCAS in byte, word and dword sizes,
; with and without REP/REPE/REPNE, with CX = 0, in both directions (CLD/STD), and with a segment
; override. Memory results are loaded into EAX (SHOW) so that they appear in the trace.
%include "common.inc"

START
  ; Forward copies.
  mov esi, source
  mov edi, destination
  mov ecx, 7
  rep movsb
  mov ecx, 5
  rep movsw
  mov ecx, 3
  rep movsd
  movsb
  movsw
  movsd
  xor ecx, ecx
  rep movsd                     ; CX = 0: nothing moves, ESI/EDI stay
  SHOW destination, 16

  ; Backward copies.
  std
  mov esi, source + 60
  mov edi, destination + 124
  mov ecx, 9
  rep movsb
  mov ecx, 4
  rep movsw
  mov ecx, 3
  rep movsd
  movsd
  cld
  SHOW destination + 64, 16

  ; Stores and loads.
  mov edi, destination
  mov eax, 0x11223344
  mov ecx, 6
  rep stosb
  mov ecx, 3
  rep stosw
  mov ecx, 2
  rep stosd
  stosb
  std
  stosd
  stosw
  mov ecx, 3
  rep stosb
  cld
  SHOW destination, 8
  mov esi, source
  lodsb
  lodsw
  lodsd
  mov ecx, 3
  rep lodsd                     ; legal, if useless: leaves the last dword in EAX
  std
  lodsw
  lodsb
  cld
  ss lodsd                      ; segment override (SS is flat, as DS)
  mov esi, source
  mov edi, destination
  mov ecx, 4
  es rep movsb
  SHOW destination, 2

  ; Comparisons: REPE CMPS stops at the first difference, REPNE SCAS at the first match.
  mov esi, source
  mov edi, other
  mov ecx, 32
  repe cmpsb
  mov esi, source
  mov edi, other
  mov ecx, 8
  repe cmpsd
  mov esi, source
  mov edi, other
  mov ecx, 3
  repe cmpsw                    ; runs out of count before a difference
  mov esi, source
  mov edi, other
  mov ecx, 16
  repne cmpsb
  cmpsb
  cmpsw
  cmpsd
  mov edi, source
  mov al, 0x2a
  mov ecx, 64
  repne scasb
  mov edi, source
  mov ax, 0x0d0c
  mov ecx, 32
  repne scasw
  mov edi, source
  mov eax, 0x03020100
  mov ecx, 4
  repe scasd
  mov edi, source + 63
  std
  mov al, 0x05
  mov ecx, 100
  repne scasb
  mov esi, source + 60
  mov edi, other + 60
  mov ecx, 16
  repe cmpsd
  cld
  xor ecx, ecx
  repe cmpsb                    ; CX = 0: flags untouched
  repne scasb
  scasb
  scasd
  EXIT

section .data
source:
  %assign i 0
  %rep 64
    db i
    %assign i i + 1
  %endrep
other:
  %assign i 0
  %rep 64
    %if i == 21
      db 0xee
    %else
      db i
    %endif
    %assign i i + 1
  %endrep
destination: times 128 db 0xcc
