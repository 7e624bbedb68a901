; Stage 2 (LBA 1 .. N), loaded at 0000:7E00 and entered by a near jump from the
; boot sector. Included by boot.asm: it shares its routines (tty_puts, serial_puts,
; serial_putc, disk_rw) and data (boot_drive, spt, heads). CS = DS = ES = SS = 0.

stage2:
        ; --- a. "Hello from 0xB8000" straight into text memory, row 10, col 0, attr 1Eh
        push    es
        mov     ax, 0xB800
        mov     es, ax
        mov     di, 10 * 80 * 2
        mov     si, msg_hello
        mov     ah, 0x1E
.hello:
        lodsb
        test    al, al
        jz      .hello_done
        stosw
        jmp     .hello
.hello_done:
        pop     es
        mov     si, msg_stage2
        call    serial_puts

        ; --- b. prompt on the next line (row 11, col 0), then echo keys until Enter
        mov     ah, 0x02                        ; set cursor position
        xor     bh, bh
        mov     dx, 11 << 8                     ; DH = row 11, DL = column 0
        int     0x10
        mov     si, msg_prompt
        call    tty_puts
.key:
        xor     ah, ah
        int     0x16                            ; AH = scan code, AL = ASCII
        push    ax
        call    tty_putc                        ; echo the ASCII
        mov     si, msg_key
        call    serial_puts
        mov     al, ah
        call    serial_hex8                     ; XX = scan code
        mov     al, ' '
        call    serial_putc
        pop     ax
        push    ax
        call    serial_hex8                     ; YY = ASCII
        mov     si, msg_crlf
        call    serial_puts
        pop     ax
        cmp     al, 0x0D
        jne     .key
        mov     al, 0x0A                        ; Enter echoed CR; finish the line
        call    tty_putc
        mov     si, msg_keys_done
        call    serial_puts

        ; --- c. disk write test on LBA N+1
        mov     di, WRBUF                       ; byte i = (i * 7 + 5Ah) & FFh
        xor     cx, cx
        mov     al, 0x5A
.fill:
        stosb
        add     al, 7
        inc     cx
        cmp     cx, SECTOR
        jb      .fill
        mov     di, RDBUF                       ; make sure the read really fills it
        xor     ax, ax
        mov     cx, SECTOR / 2
        rep stosw

        mov     ax, DATA_LBA
        mov     bx, WRBUF
        mov     cl, 0x03                        ; AH=03h write
        call    disk_rw
        jc      .disk_bad
        mov     bx, RDBUF
        mov     cl, 0x02                        ; AH=02h read
        call    disk_rw
        jc      .disk_bad
        mov     si, WRBUF
        mov     di, RDBUF
        mov     cx, SECTOR / 2
        repe cmpsw
        jne     .disk_bad
        mov     si, msg_disk_ok
        jmp     .disk_report
.disk_bad:
        mov     si, msg_disk_bad
.disk_report:
        call    serial_puts

        ; --- d. mode 12h, band pattern with set/reset planar writes
        mov     ax, 0x0012
        int     0x10

        mov     dx, 0x3C4                       ; sequencer: map mask = all planes
        mov     ax, 0x0F02
        out     dx, ax
        mov     dx, 0x3CE                       ; graphics controller
        mov     ax, 0x0003                      ; rotate 0, function = replace
        out     dx, ax
        mov     ax, 0x0005                      ; write mode 0
        out     dx, ax
        mov     ax, 0x0F01                      ; enable set/reset = all planes
        out     dx, ax
        mov     ax, 0xFF08                      ; bit mask = all bits
        out     dx, ax

        push    es
        mov     ax, 0xA000
        mov     es, ax
        xor     di, di
        xor     bx, bx                          ; BX = y
.row:
        mov     ax, bx
        shr     ax, 5                           ; colour of the first run = y >> 5
        mov     cl, al
        mov     si, 20                          ; 20 runs of 4 bytes (32 pixels)
.run:
        mov     ah, cl
        and     ah, 0x0F
        xor     al, al                          ; GC index 0: set/reset = colour
        out     dx, ax
        mov     al, 0xFF                        ; the data byte is ignored (all planes from set/reset)
        stosb
        stosb
        stosb
        stosb
        inc     cl
        dec     si
        jnz     .run
        inc     bx
        cmp     bx, 480
        jb      .row
        pop     es

        mov     ax, 0x0001                      ; enable set/reset off again for the BIOS
        out     dx, ax
        mov     ax, 0x0000
        out     dx, ax

        ; white line y = 470, x = 100 .. 539, with INT 10h AH=0Ch
        mov     cx, 100
.pixel:
        mov     ax, 0x0C0F                      ; AH=0Ch, AL = colour 15
        xor     bh, bh
        mov     dx, 470
        int     0x10
        inc     cx
        cmp     cx, 539
        jbe     .pixel

        mov     si, msg_pattern
        call    serial_puts

        ; --- e. idle forever with interrupts on
        sti
.idle:
        hlt
        jmp     .idle

; What follows sits in the last sector of stage 2 (it is 4 sectors long), so the key reports,
; the disk test's messages and everything after them work only when the boot sector has read
; every sector of stage 2 with INT 13h.
        times 3 * 512 - ($ - stage2_start) db 0

; serial_hex8: AL as two uppercase hex digits to COM1. Preserves all.
serial_hex8:
        push    ax
        push    ax
        shr     al, 4
        call    .digit
        pop     ax
        and     al, 0x0F
        call    .digit
        pop     ax
        ret
.digit:
        add     al, '0'
        cmp     al, '9'
        jbe     .out
        add     al, 'A' - '9' - 1
.out:
        jmp     serial_putc

msg_hello       db "Hello from 0xB8000", 0
msg_stage2      db "L4VM: stage 2 running", 13, 10, 0
msg_prompt      db "Type keys, Enter ends:", 0
msg_key         db "key ", 0
msg_crlf        db 13, 10, 0
msg_keys_done   db "L4VM: keys done", 13, 10, 0
msg_disk_ok     db "L4VM: disk write ok", 13, 10, 0
msg_disk_bad    db "L4VM: disk write FAILED", 13, 10, 0
msg_pattern     db "L4VM: pattern drawn", 13, 10, 0
