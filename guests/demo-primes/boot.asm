; l4vm demo-primes: a CPU-bound boot disk for benchmarks.
; Finds primes by trial division with 32-bit registers in real mode, prints every 1000th
; prime (`prime 1000: 7919`) on the screen (INT 10h teletype) and COM1 (port I/O); after the
; 10000th (104729) prints `primes done` and starts over. No HLT: a pure CPU load.
; Assembled with `nasm -f bin`; the output is the whole disk image. See README.md.

        bits 16
        cpu 386
        org 0x7C00

COM1            equ 0x3F8
SECTOR          equ 512
IMAGE_SECTORS   equ 64
REPORT_EVERY    equ 1000
LAST_PRIME      equ 10000

boot:
        cli
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7C00
        jmp     0x0000:.cs_ok
.cs_ok: sti
        cld
        call    serial_init
        mov     ax, 0x0003              ; 80x25 text, cleared
        int     0x10
        mov     si, msg_title               ; the title on the screen only
.title: lodsb
        test    al, al
        jz      run
        mov     ah, 0x0E
        xor     bx, bx
        int     0x10
        jmp     .title

run:
        mov     esi, 1                  ; ESI = primes found (2 is the first)
        mov     ebx, 1                  ; EBX = candidate, odd from 3 on
next_candidate:
        add     ebx, 2
        ; trial division by odd d = 3, 5, ... while d * d <= candidate
        mov     ecx, 3
.try:   mov     eax, ecx
        mul     ecx
        cmp     eax, ebx
        ja      .prime
        mov     eax, ebx
        xor     edx, edx
        div     ecx
        test    edx, edx
        jz      next_candidate          ; divisible: composite
        add     ecx, 2
        jmp     .try
.prime: inc     esi
        mov     eax, esi
        xor     edx, edx
        mov     ecx, REPORT_EVERY
        div     ecx
        test    edx, edx
        jnz     next_candidate
        ; `prime N: P`
        push    esi
        mov     si, msg_prime
        call    puts
        pop     esi
        mov     eax, esi
        call    put_decimal
        push    esi
        mov     si, msg_colon
        call    puts
        pop     esi
        mov     eax, ebx
        call    put_decimal
        push    esi
        mov     si, msg_crlf
        call    puts
        pop     esi
        cmp     esi, LAST_PRIME
        jb      next_candidate
        mov     si, msg_done
        call    puts
        jmp     run

; puts: DS:SI zero-terminated -> screen (teletype) and COM1
puts:
        lodsb
        test    al, al
        jz      .out
        call    putc
        jmp     puts
.out:   ret

putc:                                   ; AL -> screen and COM1; keeps all registers
        pushad
        mov     ah, 0x0E
        xor     bx, bx
        int     0x10
        mov     dx, COM1 + 5
.wait:  in      al, dx
        test    al, 0x20
        jz      .wait
        popad
        push    dx
        mov     dx, COM1
        out     dx, al
        pop     dx
        ret

put_decimal:                            ; EAX unsigned -> screen and COM1; keeps EBX, ESI
        pushad
        mov     ecx, 10
        xor     di, di
.div:   xor     edx, edx
        div     ecx
        push    dx
        inc     di
        test    eax, eax
        jnz     .div
.put:   pop     ax
        add     al, '0'
        call    putc
        dec     di
        jnz     .put
        popad
        ret

serial_init:                            ; 115200 8N1, FIFO on, no interrupts
        mov     dx, COM1 + 1
        xor     al, al
        out     dx, al
        mov     dx, COM1 + 3
        mov     al, 0x80
        out     dx, al
        mov     dx, COM1
        mov     al, 1
        out     dx, al
        inc     dx
        xor     al, al
        out     dx, al
        mov     dx, COM1 + 3
        mov     al, 0x03
        out     dx, al
        dec     dx
        mov     al, 0xC7
        out     dx, al
        mov     dx, COM1 + 4
        mov     al, 0x03
        out     dx, al
        ret

msg_title       db 'l4vm demo: primes', 13, 10, 0
msg_prime       db 'prime ', 0
msg_colon       db ': ', 0
msg_crlf        db 13, 10, 0
msg_done        db 'primes done', 13, 10, 0

        times 510 - ($ - $$) db 0
        dw      0xAA55
        times IMAGE_SECTORS * SECTOR - ($ - $$) db 0
