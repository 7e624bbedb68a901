; l4vm pc-boot guest: boot sector (LBA 0) + stage 2 (LBA 1..N) in one NASM file.
; Assembled with `nasm -f bin`; the output is the whole 32 KiB disk image.
; See README.md for the description of every step and the exact COM1 lines.

        bits 16
        cpu 186
        org 0x7C00

COM1            equ 0x3F8
SECTOR          equ 512
STAGE2_ADDR     equ 0x7E00                      ; LBA 1 lands right after the boot sector
STAGE2_SECTORS  equ (stage2_end - stage2_start) / SECTOR
DATA_LBA        equ STAGE2_SECTORS + 1          ; the zero sector used by the write test
IMAGE_SECTORS   equ 64                          ; 32768 bytes
WRBUF           equ 0x2000                      ; pattern written to disk
RDBUF           equ 0x2200                      ; read-back buffer

; ---------------------------------------------------------------- boot sector
boot:
        cli
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7C00
        jmp     0x0000:.cs_ok                   ; normalise CS:IP to 0000:7Cxx
.cs_ok:
        sti
        cld
        mov     [boot_drive], dl

        mov     si, msg_boot_screen
        call    tty_puts

        call    serial_init
        mov     si, msg_boot_serial
        call    serial_puts

        ; --- disk geometry (INT 13h AH=08h); fall back to 63 sectors / 16 heads
        mov     ah, 0x08
        mov     dl, [boot_drive]
        xor     di, di                          ; ES:DI = 0:0 (some BIOSes need it)
        int     0x13
        jc      .geom_done
        and     cl, 0x3F
        jz      .geom_done
        mov     [spt], cl
        inc     dh
        jz      .geom_done                      ; DH = 255 would mean 256 heads: keep default
        mov     [heads], dh
.geom_done:
        xor     ax, ax
        mov     es, ax                          ; AH=08h may have changed ES

        ; --- load stage 2: LBA 1 .. STAGE2_SECTORS, one sector at a time
        mov     ax, 1                           ; LBA
        mov     bx, STAGE2_ADDR                 ; ES:BX destination
.next:
        mov     cl, 0x02                        ; AH=02h read
        call    disk_rw
        jc      disk_error
        add     bx, SECTOR
        inc     ax
        cmp     ax, STAGE2_SECTORS
        jbe     .next

        jmp     stage2

; disk_rw: one sector, AX = LBA, ES:BX = buffer, CL = 02h (read) / 03h (write).
; Up to 3 tries with a drive reset (AH=00h) between them. CF set on failure.
; Preserves AX, BX.
disk_rw:
        pusha
        mov     [.op], cl
        mov     byte [.tries], 3
.retry:
        ; CHS from LBA: S = LBA % spt + 1, T = LBA / spt, H = T % heads, C = T / heads
        mov     bp, sp
        mov     ax, [bp + 14]                   ; the caller's AX (LBA), saved by pusha
        xor     dx, dx
        mov     cl, [spt]
        xor     ch, ch
        div     cx                              ; AX = T, DX = S - 1
        mov     si, dx
        inc     si                              ; SI = sector (1-based)
        xor     dx, dx
        mov     cl, [heads]
        xor     ch, ch
        div     cx                              ; AX = cylinder, DX = head
        mov     dh, dl                          ; DH = head
        mov     ch, al                          ; CH = cylinder bits 0-7
        mov     cl, ah
        shl     cl, 6                           ; CL bits 6-7 = cylinder bits 8-9
        or      cx, si                          ; CL bits 0-5 = sector
        mov     dl, [boot_drive]
        mov     ah, [.op]
        mov     al, 1                           ; one sector
        int     0x13
        jnc     .ok
        xor     ah, ah                          ; reset the drive and try again
        mov     dl, [boot_drive]
        int     0x13
        dec     byte [.tries]
        jnz     .retry
        popa
        stc
        ret
.ok:
        popa
        clc
        ret
.op     db 0
.tries  db 0

disk_error:
        mov     si, msg_disk_error
        call    tty_puts
        call    serial_puts
.halt:
        cli
        hlt
        jmp     .halt

; tty_puts: print the NUL-terminated string at DS:SI with INT 10h AH=0Eh. Preserves SI.
tty_puts:
        pusha
.loop:
        lodsb
        test    al, al
        jz      .done
        call    tty_putc
        jmp     .loop
.done:
        popa
        ret

; tty_putc: AL via INT 10h teletype, page 0.
tty_putc:
        pusha
        mov     ah, 0x0E
        mov     bx, 0x0007
        int     0x10
        popa
        ret

; serial_init: COM1 115200 baud 8N1, FIFO on, interrupts off, DTR+RTS.
serial_init:
        mov     dx, COM1 + 1
        xor     al, al
        out     dx, al                          ; IER = 0
        mov     dl, 0xFB                        ; LCR
        mov     al, 0x80
        out     dx, al                          ; DLAB = 1
        mov     dl, 0xF8
        mov     al, 1
        out     dx, al                          ; divisor low  = 1 (115200)
        inc     dx
        xor     al, al
        out     dx, al                          ; divisor high = 0
        mov     dl, 0xFB
        mov     al, 0x03
        out     dx, al                          ; 8N1, DLAB = 0
        dec     dx                              ; FCR
        mov     al, 0xC7
        out     dx, al                          ; FIFO on, clear both, 14-byte trigger
        mov     dl, 0xFC                        ; MCR
        mov     al, 0x03
        out     dx, al                          ; DTR + RTS
        ret

; serial_puts: NUL-terminated string at DS:SI to COM1. Preserves SI.
serial_puts:
        pusha
.loop:
        lodsb
        test    al, al
        jz      .done
        call    serial_putc
        jmp     .loop
.done:
        popa
        ret

; serial_putc: AL to COM1, after LSR bit 5 (THR empty) is set. Preserves all.
serial_putc:
        push    dx
        push    ax
        mov     dx, COM1 + 5
.wait:
        in      al, dx
        test    al, 0x20
        jz      .wait
        pop     ax
        mov     dx, COM1
        out     dx, al
        pop     dx
        ret

boot_drive      db 0x80
spt             db 63
heads           db 16

msg_boot_screen db "L4VM boot sector", 13, 10, 0
msg_boot_serial db "L4VM: boot sector running", 13, 10, 0
msg_disk_error  db "disk read error", 13, 10, 0

        times 510 - ($ - $$) db 0
        dw      0xAA55

; ---------------------------------------------------------------- stage 2
stage2_start:
%include "stage2.asm"
        align   SECTOR, db 0
stage2_end:

%if STAGE2_SECTORS > 16
  %error "stage 2 is longer than 16 sectors"
%endif

; LBA N+1: the sector the disk-write test overwrites; zero in the image.
data_sector:
        times SECTOR db 0

; pad the image to exactly IMAGE_SECTORS sectors
        times IMAGE_SECTORS * SECTOR - ($ - $$) db 0
