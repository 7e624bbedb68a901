; A double fault delivered through a task gate, as Linux sets it up: #GP from a bad segment
; load finds its IDT gate not present (#NP), two contributory faults make a #DF, and IDT entry 8
; is a task gate to a TSS of its own. The handler checks it runs in that task, with error code 0
; and the back link to the interrupted task.
%include "bare.inc"
org ROM

start:
  ENTER_PROTECTED_MODE protected
  mov dword [TSS_MAIN_RAM + 4], 0x6000
  mov dword [TSS_MAIN_RAM + 8], DATA0
  mov ax, TSS_MAIN
  ltr ax
  ; The double-fault task: starts at double_fault with its own stack, flat segments, no paging.
  mov edi, TSS_DF_RAM
  xor eax, eax
  mov ecx, 26
  rep stosd
  mov dword [TSS_DF_RAM + 0x20], double_fault   ; eip
  mov dword [TSS_DF_RAM + 0x24], 2              ; eflags
  mov dword [TSS_DF_RAM + 0x38], 0x6800         ; esp
  mov dword [TSS_DF_RAM + 0x48], DATA0          ; es
  mov dword [TSS_DF_RAM + 0x4C], CODE0          ; cs
  mov dword [TSS_DF_RAM + 0x50], DATA0          ; ss
  mov dword [TSS_DF_RAM + 0x54], DATA0          ; ds
  mov word [TSS_DF_RAM + 0x66], 0x68            ; no I/O bitmap
  ; IDT 8: a task gate (type 5, present) naming the double-fault TSS. IDT 13 stays not present.
  mov word [IDT_RAM + 8 * 8 + 2], TSS_DOUBLE_FAULT
  mov byte [IDT_RAM + 8 * 8 + 5], 0x85
  mov byte [IDT_RAM + 13 * 8 + 5], 0x0E
  ; The bad segment load.
  mov ax, 0x1234
  mov ds, ax
  mov al, 1
  jmp fail

double_fault:
  mov ax, DATA0
  mov ds, ax
  str ax
  cmp ax, TSS_DOUBLE_FAULT
  mov al, 2
  jne fail
  pop eax                                   ; the #DF error code
  test eax, eax
  mov al, 3
  jnz fail
  cmp word [TSS_DF_RAM], TSS_MAIN           ; back link
  mov al, 4
  jne fail
  pushfd
  pop eax
  test eax, 0x4000                          ; NT: the task was entered as a nested task
  mov al, 5
  jz fail
  PRINT task_text
  jmp pass

task_text: db 'double fault through a task gate: ok', 10, 0

COMMON
RESET_VECTOR start
