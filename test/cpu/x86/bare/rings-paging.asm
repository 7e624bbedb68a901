; Ring 0 → ring 3 through IRET, back through INT 0x80 (a DPL-3 interrupt gate) onto the TSS's
; ring-0 stack; then paging: 4 KiB and 4 MiB pages, page faults with CR2 and error codes (not
; present; write to a read-only page under CR0.WP), accessed and dirty bits.
%include "bare.inc"
org ROM

%define EXPECT_CR2 (VARIABLES + 0)
%define EXPECT_ERROR (VARIABLES + 4)
%define FIX_PTE (VARIABLES + 8)
%define FIX_VALUE (VARIABLES + 12)
%define FAULTS (VARIABLES + 16)
%define PAGE_DIRECTORY 0x10000
%define PAGE_TABLE 0x11000

start:
  ENTER_PROTECTED_MODE protected
  ; The TSS: ring-0 stack for the way back from ring 3.
  mov dword [TSS_MAIN_RAM + 4], 0x6000     ; esp0
  mov dword [TSS_MAIN_RAM + 8], DATA0      ; ss0
  mov ax, TSS_MAIN
  ltr ax
  mov eax, syscall
  mov ebx, 0x80
  mov cl, 0xEE
  call set_gate
  mov eax, page_fault
  mov ebx, 14
  mov cl, 0x8E
  call set_gate
  mov eax, unexpected
  mov ebx, 13
  mov cl, 0x8E
  call set_gate

  ; To ring 3.
  push DATA3
  push 0x5000
  pushfd
  push CODE3
  push user
  iretd

user:
  mov ax, DATA3
  mov ds, ax
  mov es, ax
  mov eax, cs
  and eax, 3
  cmp eax, 3
  mov al, 1
  jne fail
  mov eax, 42
  int 0x80

syscall:
  ; Ring 0 again, on the TSS's stack, with the ring-3 frame: EIP, CS, EFLAGS, ESP, SS.
  mov ebx, eax
  mov al, 2
  cmp ebx, 42
  jne fail
  cmp esp, 0x6000 - 20
  jne fail
  cmp dword [esp + 4], CODE3
  jne fail
  cmp dword [esp + 12], 0x5000
  jne fail
  cmp dword [esp + 16], DATA3
  jne fail
  mov ax, DATA0
  mov ds, ax
  mov es, ax
  PRINT ring_text

  ; Paging: identity-map the first 4 MiB with 4 KiB pages, supervisor read/write, except
  ; 0x20000 (not present) and 0x21000 (read-only); a 4 MiB page maps 0x800000 to 0x400000.
  mov edi, PAGE_TABLE
  mov eax, 0x003
  mov ecx, 1024
.fill:
  stosd
  add eax, 0x1000
  loop .fill
  mov dword [PAGE_TABLE + 0x20 * 4], 0
  mov dword [PAGE_TABLE + 0x21 * 4], 0x21001
  mov edi, PAGE_DIRECTORY
  xor eax, eax
  mov ecx, 1024
  rep stosd
  mov dword [PAGE_DIRECTORY + 0], PAGE_TABLE | 3
  mov dword [PAGE_DIRECTORY + 4], 0x400000 | 0x83
  mov dword [PAGE_DIRECTORY + 8], 0x400000 | 0x83
  mov eax, PAGE_DIRECTORY
  mov cr3, eax
  mov eax, cr4
  or eax, 0x10                              ; PSE
  mov cr4, eax
  mov eax, cr0
  or eax, 0x80010000                        ; PG, WP
  mov cr0, eax

  ; The 4 MiB page: a write through 0x800010 shows at 0x400010.
  mov dword [0x800010], 0x12345678
  mov al, 3
  cmp dword [0x400010], 0x12345678
  jne fail

  ; Not present, supervisor write: error code 2, CR2 the address.
  mov dword [EXPECT_CR2], 0x20004
  mov dword [EXPECT_ERROR], 2
  mov dword [FIX_PTE], PAGE_TABLE + 0x20 * 4
  mov dword [FIX_VALUE], 0x20003
  mov dword [0x20004], 0xCAFE
  mov al, 4
  cmp dword [FAULTS], 1
  jne fail
  cmp dword [0x20004], 0xCAFE
  jne fail
  ; The write set the accessed and dirty bits.
  mov eax, [PAGE_TABLE + 0x20 * 4]
  and eax, 0x60
  cmp eax, 0x60
  mov al, 5
  jne fail

  ; CMP (opcode 38) only reads its memory operand: no fault on the read-only page.
  cmp [0x21008], al

  ; A supervisor write to a read-only page faults under WP: error code 3.
  mov dword [EXPECT_CR2], 0x21008
  mov dword [EXPECT_ERROR], 3
  mov dword [FIX_PTE], PAGE_TABLE + 0x21 * 4
  mov dword [FIX_VALUE], 0x21003
  mov byte [0x21008], 7
  mov al, 6
  cmp dword [FAULTS], 2
  jne fail
  cmp byte [0x21008], 7
  jne fail
  PRINT paging_text
  jmp pass

page_fault:
  pop eax                                   ; the error code
  mov ebx, cr2
  mov cl, al
  mov al, 7
  cmp ebx, [EXPECT_CR2]
  jne fail
  movzx eax, cl
  cmp eax, [EXPECT_ERROR]
  mov al, 8
  jne fail
  mov edi, [FIX_PTE]
  mov eax, [FIX_VALUE]
  mov [edi], eax
  invlpg [ebx]
  inc dword [FAULTS]
  iretd

unexpected:
  mov al, 9
  jmp fail

ring_text: db 'ring 3 -> ring 0 through the TSS stack: ok', 10, 0
paging_text: db 'paging, CR2 and error codes: ok', 10, 0

COMMON
RESET_VECTOR start
