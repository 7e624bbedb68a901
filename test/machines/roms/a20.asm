; A 64 KiB "BIOS" for the pc machine that checks the A20 gate: with A20 on, FFFF:0010 (linear
; 0x100000) and 0000:0000 are different bytes; the gate is open while the 8042's output port or
; port 0x92 opens it, and with both closed the address wraps to 0. It prints one letter per check on the debug console
; (port 0x402): "W" when the write landed at 0 (wrapped), "S" when it stayed separate; then HLT.

bits 16
org 0

start:
    cli
    xor ax, ax
    mov ds, ax
    mov ax, 0xffff
    mov es, ax
    mov dx, 0x402

    call check                  ; A20 on at reset (the 8042 opens it): separate
    mov al, 0x00                ; port 0x92 bit 1 clear, the 8042 still opens the gate
    out 0x92, al
    call check                  ; separate
    mov al, 0xd1                ; 8042: write output port, A20 (bit 1) clear: both closed
    out 0x64, al
    mov al, 0xcd
    out 0x60, al
    call check                  ; wrapped
    mov al, 0x02                ; port 0x92 bit 1 set: open
    out 0x92, al
    call check                  ; separate
    mov al, 0x00                ; and closed again
    out 0x92, al
    call check                  ; wrapped
    mov al, 0xd1                ; 8042: A20 back on
    out 0x64, al
    mov al, 0xcf
    out 0x60, al
    call check                  ; separate
    mov al, 10
    out dx, al
.halt:
    hlt
    jmp .halt

; Writes 0x11 at 0:0 and 0x22 at FFFF:0010, then reports what 0:0 holds.
check:
    mov byte [0], 0x11
    mov byte [es:0x10], 0x22
    mov al, 'S'
    cmp byte [0], 0x22
    jne .out
    mov al, 'W'
.out:
    out dx, al
    ret

    times 0xfff0 - ($ - $$) db 0
reset:
    jmp 0xf000:start
    times 0x10000 - ($ - $$) db 0
