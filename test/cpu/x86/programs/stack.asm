; PUSH and POP of registers, immediates, memory and segment registers in 16 and 32 bits; PUSHA and
; POPA; PUSHF and POPF; ENTER with nesting levels 0 to 3 and LEAVE; CALL and RET (with an
; immediate). Pushed values are popped back into registers so they appear in the trace.
%include "common.inc"

START
  mov ebp, esp
  mov eax, 0x11111111
  mov ebx, 0x22222222
  mov ecx, 0x33333333
  mov edx, 0x44444444
  mov esi, 0x55555555
  mov edi, 0x66666666
  push eax
  push word 0x1234
  push byte -2
  push dword 0x89abcdef
  push dword [values + 4]
  push word [values]
  push ds
  push es
  push ss
  push fs
  push gs
  push cs
  o16 push ds
  pop ax
  pop eax
  pop ebx
  pop ecx
  pop edx
  pop esi
  pop edi
  pop bx
  pop ecx
  pop edx
  pop si
  pop di
  pop eax
  pop dword [scratch]
  pop word [scratch + 4]
  push esp                      ; pushes ESP as it was before the push
  pop eax
  mov eax, esp
  push eax
  pop esp                       ; pops into ESP

  mov eax, 0x11111111
  mov ebx, 0x22222222
  mov ecx, 0x33333333
  mov edx, 0x44444444
  mov esi, 0x55555555
  mov edi, 0x66666666
  mov ebp, 0x77777777
  pusha
  xor eax, eax
  xor ebx, ebx
  popa
  pushad
  mov dword [esp + 12], 0xdeadbeef ; the ESP slot is skipped by POPA
  popad
  pushaw
  popaw

  ; PUSHF/POPF: flags after CMP are all defined; POPF loads only the writable bits.
  mov eax, 0x80000000
  cmp eax, 1
  pushf
  pop eax
  push dword 0x00000cd7         ; CF PF AF ZF SF OF DF and a reserved bit 3 (ignored)
  popf
  pushf
  pop ebx
  push dword 0x00040000         ; AC (writable at CPL 3)
  popf
  pushfd
  pop ecx
  push dword 0x00200000         ; ID
  popfd
  pushfd
  pop edx
  push word 0x0001
  popfw
  pushfw
  pop ax
  push dword 0x202
  popf

  ; ENTER and LEAVE.
  mov ebp, esp
  enter 0, 0
  leave
  enter 16, 0
  mov [ebp - 4], esp
  leave
  enter 8, 1
  mov eax, [ebp - 4]
  enter 12, 2
  mov eax, [ebp - 4]
  mov ebx, [ebp - 8]
  enter 4, 3
  mov eax, [ebp - 4]
  mov ebx, [ebp - 8]
  mov ecx, [ebp - 12]
  leave
  leave
  leave
  o16 enter 6, 0
  o16 leave

  ; CALL and RET.
  call function
  call function_with_arguments
  mov eax, function
  call eax
  mov eax, function
  mov [scratch], eax
  call [scratch]
  EXIT

function:
  mov eax, [esp]
  ret

function_with_arguments:
  push dword 1
  push dword 2
  call .inner
  ret
.inner:
  mov eax, [esp + 4]
  ret 8

section .data
values: dd 0x01234567, 0x89abcdef
scratch: dd 0, 0
