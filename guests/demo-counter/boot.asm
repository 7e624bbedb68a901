; l4vm demo-counter: a boot disk that shows the machine is alive.
; Boot sector (LBA 0) loads the rest (LBA 1..) with INT 13h, then: a title bar, a tick counter
; and the RTC time redrawn every timer tick, `counter: N` on COM1 once a second, typed keys
; echoed on row 20 and COM1, and HLT between ticks. See README.md.
; Assembled with `nasm -f bin`; the output is the whole 32 KiB disk image.

        bits 16
        cpu 386
        org 0x7C00

COM1            equ 0x3F8
SECTOR          equ 512
REST_SECTORS    equ (image_code_end - rest) / SECTOR
IMAGE_SECTORS   equ 64
TEXT_SEG        equ 0xB800
ROW_TICKS       equ 2
ROW_TIME        equ 4
ROW_KEY         equ 20
ATTR            equ 0x07
ATTR_TITLE      equ 0x1F                ; white on blue
ATTR_BIG        equ 0x0E                ; yellow on black

; ---------------------------------------------------------------- boot sector
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
        mov     [boot_drive], dl
        mov     di, 3                   ; tries
.load:  mov     ax, 0x0200 + REST_SECTORS ; C 0, H 0, S 2.. -> 0000:7E00
        mov     cx, 0x0002
        xor     dh, dh
        mov     dl, [boot_drive]
        mov     bx, rest
        int     0x13
        jnc     rest
        xor     ah, ah
        int     0x13
        dec     di
        jnz     .load
        mov     si, msg_load_error
.err:   lodsb
        test    al, al
        jz      .halt
        mov     ah, 0x0E
        xor     bx, bx
        int     0x10
        jmp     .err
.halt:  hlt
        jmp     .halt

boot_drive      db 0
msg_load_error  db 'demo-counter: disk read error', 0

        times 510 - ($ - $$) db 0
        dw      0xAA55

; ---------------------------------------------------------------- the rest (LBA 1..)
rest:
        call    serial_init
        mov     ax, 0x0003              ; 80x25 text, screen cleared
        int     0x10
        mov     ah, 0x01                ; no cursor (start line 20h: hidden)
        mov     cx, 0x2000
        int     0x10
        push    TEXT_SEG
        pop     es
        xor     di, di                  ; row 0: title bar
        mov     ax, (ATTR_TITLE << 8) | ' '
        mov     cx, 80
        rep     stosw
        mov     si, msg_title
        xor     di, di
        mov     ah, ATTR_TITLE
        call    put_text
        mov     si, msg_help
        mov     di, (23 * 80 + 0) * 2
        mov     ah, ATTR
        call    put_text

        call    get_ticks
        mov     [start_ticks], eax
        mov     dword [last_elapsed], -1

main_loop:
        ; keys first: INT 16h AH=01h (ZF = 1: none), then AH=00h takes it
        mov     ah, 0x01
        int     0x16
        jz      .no_key
        xor     ah, ah
        int     0x16
        call    show_key
        jmp     main_loop
.no_key:
        call    get_ticks
        sub     eax, [start_ticks]
        jns     .elapsed
        add     eax, 0x1800B0           ; the tick count passed midnight
.elapsed:
        cmp     eax, [last_elapsed]
        je      .idle
        mov     [last_elapsed], eax
        call    show_ticks
        call    show_time
        ; seconds since start = ticks * 65536 / 1193182 (PIT input clock / divisor)
        mov     eax, [last_elapsed]
        mov     ecx, 65536
        mul     ecx
        mov     ecx, 1193182
        div     ecx
        cmp     eax, [last_second]
        je      .idle
        mov     [last_second], eax
        mov     si, msg_counter
        call    serial_puts
        mov     eax, [last_second]
        call    serial_decimal
        mov     si, msg_crlf
        call    serial_puts
.idle:  hlt                             ; until the next interrupt (timer or keyboard)
        jmp     main_loop

; get_ticks: EAX = BIOS tick count (INT 1Ah AH=00h, CX:DX)
get_ticks:
        xor     ah, ah
        int     0x1A
        mov     ax, cx
        shl     eax, 16
        mov     ax, dx
        ret

; show_ticks: `ticks: NNNNNNNN` (8 decimal digits) on row ROW_TICKS
show_ticks:
        mov     si, msg_ticks
        mov     di, ROW_TICKS * 80 * 2
        mov     ah, ATTR
        call    put_text
        mov     eax, [last_elapsed]
        mov     di, (ROW_TICKS * 80 + 7 + 7) * 2 ; last digit column
        mov     cx, 8
        mov     ebx, 10
.digit: xor     edx, edx
        div     ebx
        add     dl, '0'
        mov     dh, ATTR_BIG
        mov     [es:di], dx
        sub     di, 2
        loop    .digit
        ret

; show_time: `time: HH:MM:SS` on row ROW_TIME from the RTC (INT 1Ah AH=02h, BCD)
show_time:
        mov     ah, 0x02
        int     0x1A
        jc      .out                    ; the RTC was updating: next tick
        mov     si, msg_time
        mov     di, ROW_TIME * 80 * 2
        mov     ah, ATTR
        call    put_text
        mov     di, (ROW_TIME * 80 + 6) * 2
        mov     al, ch
        call    put_bcd
        mov     al, ':'
        call    put_char
        mov     al, cl
        call    put_bcd
        mov     al, ':'
        call    put_char
        mov     al, dh
        call    put_bcd
.out:   ret

put_bcd:                                ; AL = two BCD digits at ES:DI
        push    ax
        shr     al, 4
        add     al, '0'
        call    put_char
        pop     ax
        and     al, 0x0F
        add     al, '0'
put_char:                               ; AL at ES:DI, attribute ATTR_BIG, DI += 2
        mov     ah, ATTR_BIG
        stosw
        ret

; show_key: AX = key (AH scan, AL ASCII): row ROW_KEY `last key: XX YY`, COM1 `key XX YY`
show_key:
        mov     [key], ax
        mov     si, msg_last_key
        mov     di, ROW_KEY * 80 * 2
        mov     ah, ATTR
        call    put_text
        mov     si, msg_key
        call    serial_puts
        mov     al, [key + 1]
        call    put_hex
        mov     al, ' '
        call    put_char
        call    serial_putc
        mov     al, [key]
        call    put_hex
        mov     si, msg_crlf
        jmp     serial_puts

put_hex:                                ; AL as two hex digits on screen (ES:DI) and COM1
        push    ax
        shr     al, 4
        call    .nibble
        pop     ax
        and     al, 0x0F
.nibble:
        add     al, '0'
        cmp     al, '9'
        jbe     .out
        add     al, 'A' - '9' - 1
.out:   call    put_char
        jmp     serial_putc

; put_text: DS:SI zero-terminated -> ES:DI with attribute AH
put_text:
        lodsb
        test    al, al
        jz      .out
        stosw
        jmp     put_text
.out:   ret

; ---------------------------------------------------------------- COM1 by port I/O
serial_init:
        mov     dx, COM1 + 1
        xor     al, al
        out     dx, al                  ; IER = 0
        mov     dx, COM1 + 3
        mov     al, 0x80
        out     dx, al                  ; DLAB
        mov     dx, COM1
        mov     al, 1
        out     dx, al                  ; divisor 1: 115200 baud
        inc     dx
        xor     al, al
        out     dx, al
        mov     dx, COM1 + 3
        mov     al, 0x03
        out     dx, al                  ; 8N1
        dec     dx
        mov     al, 0xC7
        out     dx, al                  ; FIFO on, cleared
        mov     dx, COM1 + 4
        mov     al, 0x03
        out     dx, al                  ; DTR, RTS
        ret

serial_putc:                            ; AL, after THR empty (LSR bit 5)
        push    dx
        push    ax
        mov     dx, COM1 + 5
.wait:  in      al, dx
        test    al, 0x20
        jz      .wait
        pop     ax
        mov     dx, COM1
        out     dx, al
        pop     dx
        ret

serial_puts:                            ; DS:SI zero-terminated
        lodsb
        test    al, al
        jz      .out
        call    serial_putc
        jmp     serial_puts
.out:   ret

serial_decimal:                         ; EAX unsigned, no leading zeros
        mov     ebx, 10
        xor     cx, cx
.div:   xor     edx, edx
        div     ebx
        push    dx
        inc     cx
        test    eax, eax
        jnz     .div
.put:   pop     ax
        add     al, '0'
        call    serial_putc
        loop    .put
        ret

msg_title       db 'l4vm demo: counter', 0
msg_help        db 'Every timer tick redraws the counter and the clock; type keys to see them.', 0
msg_ticks       db 'ticks: ', 0
msg_time        db 'time: ', 0
msg_last_key    db 'last key: ', 0
msg_key         db 'key ', 0
msg_counter     db 'counter: ', 0
msg_crlf        db 13, 10, 0

        align   4
start_ticks     dd 0
last_elapsed    dd 0
last_second     dd 0
key             dw 0

        times SECTOR - (($ - rest) % SECTOR) db 0
image_code_end:
        times IMAGE_SECTORS * SECTOR - ($ - $$) db 0
