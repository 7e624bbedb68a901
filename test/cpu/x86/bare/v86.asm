; Virtual-8086 mode: IRETD with EFLAGS.VM enters it; real-mode code runs with 16-bit segments
; (base = selector × 16); INT n with IOPL 0 is #GP(0) to the ring-0 monitor, which finds the V86
; frame (EIP at the INT, CS, EFLAGS with VM, ESP, SS, ES, DS, FS, GS) on the TSS's stack.
%include "bare.inc"
org ROM

%define V86_CODE 0x8000

start:
  ENTER_PROTECTED_MODE protected
  mov dword [TSS_MAIN_RAM + 4], 0x6000
  mov dword [TSS_MAIN_RAM + 8], DATA0
  mov word [TSS_MAIN_RAM + 0x66], 0x68
  mov ax, TSS_MAIN
  ltr ax
  mov eax, monitor
  mov ebx, 13
  mov cl, 0x8E
  call set_gate
  ; Copy the V86 code to 0800:0000.
  mov esi, v86_code
  mov edi, V86_CODE
  mov ecx, v86_code_end - v86_code
  rep movsb
  push 0                                    ; gs
  push 0                                    ; fs
  push 0x0700                               ; ds
  push 0                                    ; es
  push 0x0600                               ; ss
  push 0x0100                               ; esp
  push 0x00020002                           ; eflags: VM, IOPL 0
  push 0x0800                               ; cs
  push 0                                    ; eip
  iretd

v86_code:
bits 16
  mov ax, 0x1234
  mov [0x10], ax                            ; ds 0x700: linear 0x7010
  mov bx, ax
  int 0x21
bits 32
v86_code_end:

monitor:
  mov ax, DATA0
  mov ds, ax
  mov al, 1
  cmp dword [esp], 0                        ; error code
  jne fail
  mov al, 2
  cmp dword [esp + 4], 0x8                  ; EIP at the INT (3 + 3 + 2 bytes in)
  jne fail
  cmp dword [esp + 8], 0x0800               ; CS
  jne fail
  mov eax, [esp + 12]
  test eax, 0x20000                         ; EFLAGS.VM
  mov al, 3
  jz fail
  cmp dword [esp + 16], 0x0100              ; ESP
  jne fail
  cmp dword [esp + 20], 0x0600              ; SS
  jne fail
  cmp dword [esp + 28], 0x0700              ; DS
  mov al, 4
  jne fail
  cmp word [0x7010], 0x1234                 ; the write through DS = 0x700
  mov al, 5
  jne fail
  cmp bx, 0x1234
  mov al, 6
  jne fail
  mov ax, ds
  cmp ax, DATA0
  mov al, 7
  jne fail
  PRINT v86_text
  jmp pass

v86_text: db 'virtual-8086 mode and its #GP monitor: ok', 10, 0

COMMON
RESET_VECTOR start
