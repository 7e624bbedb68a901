; l4vm minibios: a small PC/AT BIOS of our own, enough for simple boot-sector programs.
; Written from the IBM PC/AT BIOS interface (as Ralf Brown's interrupt list describes it) and
; the IBM VGA register tables. Assembled with `nasm -f bin` into exactly 64 KiB; the machine
; maps it at 0xF0000 (and at 0xFFFF0000), so this file is segment F000h with offset 0.
; See README.md for what is implemented and what is not.

        bits 16
        cpu 386
        org 0

BIOS_SEG        equ 0xF000
STACK_TOP       equ 0x7C00          ; POST stack 0000:7C00 (below the boot sector)
IDENT_BUF       equ 0x0600          ; IDENTIFY DEVICE data during POST (free RAM)
COM1            equ 0x3F8
ATA             equ 0x1F0           ; primary channel command block
ATA_CTL         equ 0x3F6           ; primary channel device control

; BIOS data area fields (absolute addresses, used with DS = 0)
BDA_COM         equ 0x400           ; COM1..COM4 base ports
BDA_EQUIP       equ 0x410           ; equipment word (INT 11h)
BDA_MEMKB       equ 0x413           ; base memory in KiB (INT 12h)
BDA_KBFLAGS     equ 0x417           ; shift flags 1
BDA_KBFLAGS2    equ 0x418           ; shift flags 2 (bit 6: caps lock key held)
BDA_KBHEAD      equ 0x41A           ; keyboard buffer head (offset from 0040h)
BDA_KBTAIL      equ 0x41C           ; keyboard buffer tail
BDA_KBBUF       equ 0x41E           ; 16 words, 0x41E..0x43D
BDA_VMODE       equ 0x449           ; video mode
BDA_VCOLS       equ 0x44A           ; text columns (word)
BDA_VPAGESIZE   equ 0x44C           ; page size in bytes (word)
BDA_VPAGESTART  equ 0x44E           ; current page start offset (word)
BDA_CURPOS      equ 0x450           ; cursor position of page 0..7 (col, row bytes)
BDA_CURSHAPE    equ 0x460           ; cursor end line, start line
BDA_VPAGE       equ 0x462           ; active page
BDA_CRTC        equ 0x463           ; CRTC base port (word)
BDA_VMODECTL    equ 0x465           ; CGA mode control register value
BDA_VPALETTE    equ 0x466           ; CGA palette register value
BDA_TICKS       equ 0x46C           ; timer ticks since midnight (dword)
BDA_MIDNIGHT    equ 0x470           ; ticks rolled over midnight
BDA_HDSTATUS    equ 0x474           ; last INT 13h status of a hard disk
BDA_HDCOUNT     equ 0x475           ; number of hard disks
BDA_KBSTART     equ 0x480           ; keyboard buffer start offset (word)
BDA_KBEND       equ 0x482           ; keyboard buffer end offset (word)
BDA_VROWS       equ 0x484           ; text rows - 1
BDA_VCHARH      equ 0x485           ; character height (word)
BDA_VEGAMISC    equ 0x487           ; EGA misc info
BDA_VSWITCHES   equ 0x488           ; EGA feature bits / switches
BDA_VFLAGS      equ 0x489           ; VGA mode-set option flags
BDA_KBSTATUS3   equ 0x496           ; bit 1: last code was E0, bit 4: 101-key keyboard
; Our own, in the BDA's reserved bytes 0x4B0..0x4CF: one 16-byte record per IDE drive
; (0x80 at 0x4B0, 0x81 at 0x4C0): +0 present, +1 heads, +2 sectors per track,
; +4 cylinders (word), +8 total sectors (LBA28, dword).
BDA_DRIVES      equ 0x4B0
DRV_PRESENT     equ 0
DRV_HEADS       equ 1
DRV_SPT         equ 2
DRV_CYLS        equ 4
DRV_TOTAL       equ 8

TICKS_PER_DAY   equ 0x1800B0        ; 18.2065 Hz * 86400 s

; The interrupt frame every service handler builds: push ds, push es, pusha, mov bp, sp.
; Outputs are written into the saved registers; flags are changed in the saved FLAGS, so the
; final iret returns them (the "modify the flags on the stack" technique).
F_DI            equ 0
F_SI            equ 2
F_BP            equ 4
F_BX            equ 8
F_BL            equ 8
F_BH            equ 9
F_DX            equ 10
F_DL            equ 10
F_DH            equ 11
F_CX            equ 12
F_CL            equ 12
F_CH            equ 13
F_AX            equ 14
F_AL            equ 14
F_AH            equ 15
F_ES            equ 16
F_DS            equ 18
F_FLAGS         equ 24
FL_CF           equ 0x0001
FL_ZF           equ 0x0040

%macro ENTER_FRAME 0
        push    ds
        push    es
        pusha
        mov     bp, sp
        push    word 0
        pop     ds                      ; DS = 0: the BDA at 0x400
        cld
%endmacro

; ============================================================================ POST
post:
        cli
        cld
        xor     ax, ax
        mov     ss, ax
        mov     sp, STACK_TOP
        mov     ds, ax
        mov     es, ax

        in      al, 0x92                ; fast A20 on (bit 1), never the reset bit (bit 0)
        and     al, 0xFE
        or      al, 0x02
        out     0x92, al

        ; BIOS data area and the start of free memory: zeros
        xor     ax, ax
        mov     di, 0x400
        mov     cx, 0x100
        rep     stosw

        ; IVT: every vector to an IRET stub, hardware IRQs to EOI stubs, then the services
        xor     di, di
        mov     cx, 256
.ivt:   mov     ax, iret_stub
        stosw
        mov     ax, BIOS_SEG
        stosw
        loop    .ivt
        mov     di, 0x08 * 4
        mov     bx, irq_master_stub
        call    .set8
        mov     di, 0x70 * 4
        mov     bx, irq_slave_stub
        call    .set8
        mov     si, vector_table
.vec:   mov     bl, [cs:si]
        cmp     bl, 0xFF
        je      .vec_done
        xor     bh, bh
        shl     bx, 2
        mov     ax, [cs:si + 1]
        mov     [bx], ax
        mov     word [bx + 2], BIOS_SEG
        add     si, 3
        jmp     .vec
.vec_done:

        ; BDA
        mov     word [BDA_COM], 0x3F8
        mov     word [BDA_COM + 2], 0x2F8
        mov     word [BDA_EQUIP], 0x0422    ; 2 serial ports, 80x25 colour, x87
        mov     word [BDA_MEMKB], 640
        mov     ax, BDA_KBBUF - 0x400
        mov     [BDA_KBHEAD], ax
        mov     [BDA_KBTAIL], ax
        mov     [BDA_KBSTART], ax
        mov     word [BDA_KBEND], BDA_KBBUF - 0x400 + 32
        mov     byte [BDA_KBSTATUS3], 0x10

        ; 8259A pair: ICW1 edge/cascade/ICW4, ICW2 vectors 08h and 70h, ICW3 cascade on IR2,
        ; ICW4 8086 mode. Unmask IRQ 0 (timer), 1 (keyboard), 2 (cascade) only.
        mov     al, 0x11
        out     0x20, al
        out     0xA0, al
        mov     al, 0x08
        out     0x21, al
        mov     al, 0x70
        out     0xA1, al
        mov     al, 0x04
        out     0x21, al
        mov     al, 0x02
        out     0xA1, al
        mov     al, 0x01
        out     0x21, al
        out     0xA1, al
        mov     al, 0xF8
        out     0x21, al
        mov     al, 0xFF
        out     0xA1, al

        ; 8254 channel 0: mode 3, divisor 0 (65536) -> 1193182 / 65536 = 18.2 Hz
        mov     al, 0x36
        out     0x43, al
        xor     al, al
        out     0x40, al
        out     0x40, al

        ; COM1: 115200 8N1, FIFO on, DTR/RTS, no interrupts
        mov     dx, COM1 + 3
        mov     al, 0x80
        out     dx, al                  ; DLAB
        mov     dx, COM1
        mov     al, 1
        out     dx, al                  ; divisor low
        inc     dx
        xor     al, al
        out     dx, al                  ; divisor high / IER
        mov     dx, COM1 + 3
        mov     al, 0x03
        out     dx, al                  ; 8N1
        dec     dx
        mov     al, 0xC7
        out     dx, al                  ; FCR
        mov     dx, COM1 + 4
        mov     al, 0x03
        out     dx, al                  ; MCR
        mov     dx, COM1 + 1
        xor     al, al
        out     dx, al                  ; IER = 0

        ; VGA: mode 3 from the register tables, screen cleared
        mov     al, 0x03
        call    set_mode

        call    kbd_init
        call    ide_init

        sti
        mov     si, msg_banner
        call    puts_both
        mov     si, msg_booting
        call    puts_screen
        int     0x19

.set8:  mov     cx, 8
.s8:    mov     [di], bx
        mov     word [di + 2], BIOS_SEG
        add     di, 4
        loop    .s8
        ret

vector_table:
        db 0x08
        dw int08
        db 0x09
        dw int09
        db 0x10
        dw int10
        db 0x11
        dw int11
        db 0x12
        dw int12
        db 0x13
        dw int13
        db 0x15
        dw int15
        db 0x16
        dw int16
        db 0x18
        dw int18
        db 0x19
        dw int19
        db 0x1A
        dw int1a
        db 0xFF

msg_banner      db 'l4vm minibios', 13, 10, 0
msg_booting     db 'Booting from Hard Disk...', 13, 10, 0
msg_noboot      db 'No bootable device.', 13, 10, 0

; puts_screen: DS:SI (DS = 0 here, so the CS override) -> teletype
puts_screen:
        push    ax
.l:     cs lodsb
        test    al, al
        jz      .e
        mov     ah, 0x0E
        xor     bh, bh
        int     0x10
        jmp     .l
.e:     pop     ax
        ret

; puts_both: CS:SI -> teletype and COM1
puts_both:
        push    si
        call    puts_screen
        pop     si
.l:     cs lodsb
        test    al, al
        jz      .e
        call    com1_putc
        jmp     .l
.e:     ret

com1_putc:
        push    dx
        push    ax
        mov     dx, COM1 + 5
.w:     in      al, dx
        test    al, 0x20
        jz      .w
        pop     ax
        mov     dx, COM1
        out     dx, al
        pop     dx
        ret

; ---------------------------------------------------------------- 8042 + keyboard
kbc_wait_in:                            ; wait until the 8042 input buffer is empty
        push    cx
        mov     cx, 0xFFFF
.w:     in      al, 0x64
        test    al, 0x02
        loopnz  .w
        pop     cx
        ret

kbc_read:                               ; AL = next output byte, CF = 1 on timeout
        push    cx
        mov     cx, 0xFFFF
.w:     in      al, 0x64
        test    al, 0x01
        jnz     .got
        loop    .w
        pop     cx
        stc
        ret
.got:   in      al, 0x60
        pop     cx
        clc
        ret

kbc_cmd:                                ; AH = controller command
        call    kbc_wait_in
        mov     al, ah
        out     0x64, al
        ret

kbc_data:                               ; AH = byte to port 60h
        call    kbc_wait_in
        mov     al, ah
        out     0x60, al
        ret

kbd_init:
        mov     ah, 0xAA                ; controller self test (55h expected)
        call    kbc_cmd
        call    kbc_read
        mov     ah, 0x60                ; command byte: translate, system flag, aux off,
        call    kbc_cmd                 ; keyboard interrupt off for the reset
        mov     ah, 0x64
        call    kbc_data
        mov     ah, 0xAE                ; keyboard interface on
        call    kbc_cmd
        mov     ah, 0xFF                ; keyboard reset: FAh, then AAh (self test passed)
        call    kbc_data
        call    kbc_read
        call    kbc_read
.drain: call    kbc_read
        jnc     .drain
        mov     ah, 0x60                ; now with the keyboard interrupt (IRQ 1)
        call    kbc_cmd
        mov     ah, 0x65
        call    kbc_data
        ret

; ---------------------------------------------------------------- default handlers
iret_stub:
        iret

irq_master_stub:                        ; an unexpected IRQ 0..7: acknowledge it
        push    ax
        mov     al, 0x20
        out     0x20, al
        pop     ax
        iret

irq_slave_stub:                         ; an unexpected IRQ 8..15: acknowledge both PICs
        push    ax
        mov     al, 0x20
        out     0xA0, al
        out     0x20, al
        pop     ax
        iret

; ---------------------------------------------------------------- INT 08h: timer (IRQ 0)
int08:
        push    ds
        push    eax
        push    word 0
        pop     ds
        mov     eax, [BDA_TICKS]
        inc     eax
        cmp     eax, TICKS_PER_DAY
        jb      .store
        xor     eax, eax
        mov     byte [BDA_MIDNIGHT], 1
.store: mov     [BDA_TICKS], eax
        int     0x1C                    ; the user timer hook
        mov     al, 0x20
        out     0x20, al
        pop     eax
        pop     ds
        iret

; ---------------------------------------------------------------- INT 09h: keyboard (IRQ 1)
; Set-1 scan codes (the 8042 translates) -> (scan, ASCII) words in the BDA buffer, US layout.
int09:
        push    ds
        pusha
        push    word 0
        pop     ds
        in      al, 0x60
        mov     ah, al                  ; AH = raw code
        cmp     al, 0xE0
        jne     .not_e0
        or      byte [BDA_KBSTATUS3], 0x02
        jmp     .eoi
.not_e0:
        mov     bl, [BDA_KBSTATUS3]
        and     byte [BDA_KBSTATUS3], ~0x02
        and     al, 0x7F                ; AL = scan code without the release bit
        ; modifier keys, make and break
        mov     dl, 0x02                ; left shift
        cmp     al, 0x2A
        je      .mod
        mov     dl, 0x01                ; right shift
        cmp     al, 0x36
        je      .mod
        mov     dl, 0x04                ; ctrl (left, or right with E0)
        cmp     al, 0x1D
        je      .mod_any
        mov     dl, 0x08                ; alt
        cmp     al, 0x38
        je      .mod_any
        cmp     al, 0x3A
        je      .caps
        test    ah, 0x80
        jnz     .eoi                    ; other key releases: nothing to do
        test    bl, 0x02
        jnz     .extended
        cmp     al, 0x58
        ja      .eoi
        ; AL = scan: look up the unshifted character
        movzx   bx, al
        mov     cl, [cs:bx + kb_normal]
        mov     ch, [BDA_KBFLAGS]
        test    ch, 0x08                ; alt: ASCII 0
        jnz     .zero
        cmp     cl, 'a'
        jb      .nonletter
        cmp     cl, 'z'
        ja      .nonletter
        test    ch, 0x04                ; ctrl-letter: 01h..1Ah
        jz      .letter
        and     cl, 0x1F
        jmp     .put
.letter:
        mov     dh, ch                  ; upper case if shift XOR caps lock
        shr     dh, 6
        test    ch, 0x03
        jz      .l1
        xor     dh, 1
.l1:    test    dh, 1
        jz      .put
        sub     cl, 0x20
        jmp     .put
.nonletter:
        test    ch, 0x03
        jz      .put
        mov     cl, [cs:bx + kb_shift]
        jmp     .put
.zero:  xor     cl, cl
        jmp     .put
.extended:                              ; E0 xx: grey keys
        cmp     al, 0x1C
        je      .ext_enter
        mov     cl, '/'
        cmp     al, 0x35
        je      .put
        xor     cl, cl                  ; arrows, Home, End, PgUp, PgDn, Ins, Del: ASCII 0
        cmp     al, 0x47
        jb      .eoi
        cmp     al, 0x53
        jbe     .put
        jmp     .eoi
.ext_enter:
        mov     cl, 0x0D
.put:   ; store (scan = AL, ASCII = CL) at the tail unless the buffer is full
        mov     ch, al
        mov     bx, [BDA_KBTAIL]
        mov     si, bx
        add     si, 2
        cmp     si, [BDA_KBEND]
        jb      .nowrap
        mov     si, [BDA_KBSTART]
.nowrap:
        cmp     si, [BDA_KBHEAD]
        je      .eoi                    ; full: the key is lost
        mov     [bx + 0x400], cx
        mov     [BDA_KBTAIL], si
        jmp     .eoi
.mod_any:                               ; ctrl and alt: the E0 form counts the same
.mod:   test    bl, 0x02
        jz      .mod_ok
        cmp     dl, 0x03                ; E0 2A / E0 36: fake shifts, ignored
        jb      .eoi
.mod_ok:
        test    ah, 0x80
        jnz     .mod_up
        or      [BDA_KBFLAGS], dl
        jmp     .eoi
.mod_up:
        not     dl
        and     [BDA_KBFLAGS], dl
        jmp     .eoi
.caps:  test    ah, 0x80
        jnz     .caps_up
        test    byte [BDA_KBFLAGS2], 0x40
        jnz     .eoi                    ; held down (typematic): toggle once
        or      byte [BDA_KBFLAGS2], 0x40
        xor     byte [BDA_KBFLAGS], 0x40
        jmp     .eoi
.caps_up:
        and     byte [BDA_KBFLAGS2], ~0x40
.eoi:   mov     al, 0x20
        out     0x20, al
        popa
        pop     ds
        iret

; Set-1 scan code -> ASCII, unshifted and shifted, 0x00..0x58. 0 = no ASCII (stored as
; scan, 00h: F keys, keypad navigation).
kb_normal:
        db 0, 27, '1234567890-=', 8, 9                  ; 00..0F
        db 'qwertyuiop[]', 13, 0, 'as'                  ; 10..1F
        db 'dfghjkl;', "'", '`', 0, '\', 'zxcv'         ; 20..2F
        db 'bnm,./', 0, '*', 0, ' ', 0, 0, 0, 0, 0, 0   ; 30..3F
        db 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '-', 0, 0, 0, '+', 0 ; 40..4F
        db 0, 0, 0, 0, 0, 0, 0, 0, 0                    ; 50..58
kb_shift:
        db 0, 27, '!@#$%^&*()_+', 8, 0                  ; 00..0F
        db 'QWERTYUIOP{}', 13, 0, 'AS'                  ; 10..1F
        db 'DFGHJKL:"~', 0, '|ZXCV'                     ; 20..2F
        db 'BNM<>?', 0, '*', 0, ' ', 0, 0, 0, 0, 0, 0   ; 30..3F
        db 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '-', 0, 0, 0, '+', 0 ; 40..4F
        db 0, 0, 0, 0, 0, 0, 0, 0, 0                    ; 50..58

; ---------------------------------------------------------------- INT 16h: keyboard
int16:
        sti
        ENTER_FRAME
        mov     ah, [bp + F_AH]
        and     ah, 0xEF                ; 10h/11h/12h (enhanced) as 00h/01h/02h
        cmp     ah, 0x00
        je      .read
        cmp     ah, 0x01
        je      .check
        cmp     ah, 0x02
        je      .flags
        jmp     iret_frame
.read:  cli
        mov     bx, [BDA_KBHEAD]
        cmp     bx, [BDA_KBTAIL]
        jne     .take
        sti                             ; the IRQ can only come after the hlt starts
        hlt
        jmp     .read
.take:  mov     ax, [bx + 0x400]
        add     bx, 2
        cmp     bx, [BDA_KBEND]
        jb      .nw
        mov     bx, [BDA_KBSTART]
.nw:    mov     [BDA_KBHEAD], bx
        sti
        mov     [bp + F_AX], ax
        jmp     iret_frame
.check: mov     bx, [BDA_KBHEAD]
        or      word [bp + F_FLAGS], FL_ZF
        cmp     bx, [BDA_KBTAIL]
        je      iret_frame
        and     word [bp + F_FLAGS], ~FL_ZF
        mov     ax, [bx + 0x400]
        mov     [bp + F_AX], ax
        jmp     iret_frame
.flags: mov     al, [BDA_KBFLAGS]
        mov     [bp + F_AL], al
        jmp     iret_frame

; Common exits of the frame handlers.
iret_cf_ok:
        and     word [bp + F_FLAGS], ~FL_CF
        jmp     iret_frame
iret_cf_err:
        or      word [bp + F_FLAGS], FL_CF
iret_frame:
        popa
        pop     es
        pop     ds
        iret

; ---------------------------------------------------------------- INT 11h, 12h
int11:
        push    ds
        push    word 0
        pop     ds
        mov     ax, [BDA_EQUIP]
        pop     ds
        iret

int12:
        push    ds
        push    word 0
        pop     ds
        mov     ax, [BDA_MEMKB]
        pop     ds
        iret

; ---------------------------------------------------------------- INT 15h: system services
int15:
        cmp     eax, 0xE820
        je      e820
        sti
        ENTER_FRAME
        cmp     byte [bp + F_AH], 0x88
        jne     .unsupported
        mov     al, 0x31                ; CMOS 30h/31h: extended memory in KiB (max 63 MiB)
        call    cmos_read
        mov     ah, al
        mov     al, 0x30
        call    cmos_read
        mov     [bp + F_AX], ax
        jmp     iret_cf_ok
.unsupported:
        mov     byte [bp + F_AH], 0x86
        jmp     iret_cf_err

; INT 15h AX=E820h: the memory map, one 20-byte entry per call. EBX = entry index (0 first,
; 0 returned after the last), ES:DI = buffer, ECX >= 20, EDX = 'SMAP' (534D4150h).
e820:
        sti
        push    bp
        mov     bp, sp                  ; [bp + 6] = the caller's FLAGS
        cmp     edx, 0x534D4150
        jne     .fail
        cmp     ebx, E820_ENTRIES - 1
        ja      .fail
        cmp     ecx, 20
        jb      .fail
        cld
        push    eax
        push    si
        push    di
        push    ds
        push    cs
        pop     ds
        imul    si, bx, 20
        add     si, e820_table
        mov     cx, 10
        rep     movsw
        pop     ds
        pop     di
        cmp     bx, 2                   ; RAM above 1 MiB: its size from the CMOS
        jne     .copied
        mov     al, 0x35                ; 34h/35h: 64 KiB blocks above 16 MiB
        call    cmos_read
        mov     ah, al
        mov     al, 0x34
        call    cmos_read
        movzx   eax, ax
        test    eax, eax
        jz      .below16
        shl     eax, 16
        add     eax, 0xF00000           ; plus 1 MiB .. 16 MiB
        jmp     .length
.below16:
        mov     al, 0x31                ; 30h/31h: KiB above 1 MiB
        call    cmos_read
        mov     ah, al
        mov     al, 0x30
        call    cmos_read
        movzx   eax, ax
        shl     eax, 10
.length:
        mov     [es:di + 8], eax
.copied:
        pop     si
        pop     eax
        mov     eax, 0x534D4150
        mov     ecx, 20
        inc     ebx
        cmp     ebx, E820_ENTRIES
        jb      .more
        xor     ebx, ebx
.more:  and     word [bp + 6], ~FL_CF
        pop     bp
        iret
.fail:  mov     ah, 0x86
        or      word [bp + 6], FL_CF
        pop     bp
        iret

E820_ENTRIES    equ 4
e820_table:                             ; base, length (qwords), type (1 RAM, 2 reserved)
        dq      0x00000000, 0x000A0000
        dd      1
        dq      0x000F0000, 0x00010000  ; this BIOS
        dd      2
        dq      0x00100000, 0           ; length filled in from the CMOS
        dd      1
        dq      0xFFFF0000, 0x00010000  ; this BIOS below 4 GiB
        dd      2

cmos_read:                              ; AL = register -> AL = value
        out     0x70, al
        in      al, 0x71
        ret

; ---------------------------------------------------------------- INT 1Ah: time
int1a:
        sti
        ENTER_FRAME
        mov     ah, [bp + F_AH]
        test    ah, ah
        jz      .get_ticks
        cmp     ah, 0x01
        je      .set_ticks
        cmp     ah, 0x02
        je      .rtc_time
        cmp     ah, 0x04
        je      .rtc_date
        jmp     iret_cf_err
.get_ticks:
        cli
        mov     ax, [BDA_TICKS]
        mov     [bp + F_DX], ax
        mov     ax, [BDA_TICKS + 2]
        mov     [bp + F_CX], ax
        xor     al, al
        xchg    al, [BDA_MIDNIGHT]
        sti
        mov     [bp + F_AL], al
        jmp     iret_cf_ok
.set_ticks:
        cli
        mov     ax, [bp + F_DX]
        mov     [BDA_TICKS], ax
        mov     ax, [bp + F_CX]
        mov     [BDA_TICKS + 2], ax
        mov     byte [BDA_MIDNIGHT], 0
        sti
        jmp     iret_cf_ok
.rtc_time:
        call    rtc_wait
        mov     al, 0x04                ; hours
        call    cmos_read
        mov     [bp + F_CH], al
        mov     al, 0x02                ; minutes
        call    cmos_read
        mov     [bp + F_CL], al
        mov     al, 0x00                ; seconds
        call    cmos_read
        mov     [bp + F_DH], al
        mov     al, 0x0B                ; daylight saving bit
        call    cmos_read
        and     al, 0x01
        mov     [bp + F_DL], al
        jmp     iret_cf_ok
.rtc_date:
        call    rtc_wait
        mov     al, 0x32                ; century
        call    cmos_read
        mov     [bp + F_CH], al
        mov     al, 0x09                ; year
        call    cmos_read
        mov     [bp + F_CL], al
        mov     al, 0x08                ; month
        call    cmos_read
        mov     [bp + F_DH], al
        mov     al, 0x07                ; day of month
        call    cmos_read
        mov     [bp + F_DL], al
        jmp     iret_cf_ok

rtc_wait:                               ; wait until no update is in progress (register A bit 7)
        mov     cx, 0xFFFF
.w:     mov     al, 0x0A
        call    cmos_read
        test    al, 0x80
        loopnz  .w
        ret

; ---------------------------------------------------------------- INT 18h, 19h: boot
int18:
        sti
        push    cs
        pop     ds
.msg:   mov     si, msg_noboot
        call    puts_both
.halt:  sti
        hlt
        jmp     .halt

int19:
        sti
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, STACK_TOP
        mov     di, 3                   ; tries
.try:   mov     ax, 0x0201              ; read 1 sector: C 0, H 0, S 1 -> 0000:7C00
        mov     cx, 0x0001
        mov     dx, 0x0080
        mov     bx, 0x7C00
        int     0x13
        jnc     .read
        xor     ah, ah
        int     0x13
        dec     di
        jnz     .try
        jmp     int18.msg
.read:  cmp     word [0x7DFE], 0xAA55
        jne     int18.msg
        mov     dl, 0x80
        jmp     0x0000:0x7C00

; ---------------------------------------------------------------- IDE (ATA PIO, polling)
; ata_wait: wait until BSY clears. AL = status; CF = 1 on timeout or ERR/DF.
ata_wait:
        push    ecx
        push    dx
        mov     dx, ATA + 7
        mov     ecx, 0x400000
.w:     in      al, dx
        test    al, 0x80
        jz      .ready
        dec     ecx
        jnz     .w
        stc
        jmp     .e
.ready: test    al, 0x21                ; ERR or DF
        jz      .e                      ; (CF = 0 from test)
        stc
.e:     pop     dx
        pop     ecx
        ret

; ata_select: AL = unit (0 master, 1 slave), upper LBA bits in AH low nibble
ata_select:
        push    dx
        shl     al, 4
        or      al, ah
        or      al, 0xE0                ; LBA mode
        mov     dx, ATA + 6
        out     dx, al
        mov     dx, ATA_CTL             ; ~400 ns settle: four alternate status reads
        in      al, dx
        in      al, dx
        in      al, dx
        in      al, dx
        pop     dx
        ret

; ide_init: IDENTIFY DEVICE on primary master and slave; fill the drive records.
ide_init:
        mov     dx, ATA_CTL
        mov     al, 0x02                ; nIEN: no IRQ 14, we poll
        out     dx, al
        xor     si, si                  ; SI = unit
.unit:  mov     di, si
        shl     di, 4
        add     di, BDA_DRIVES
        mov     ax, si
        xor     ah, ah
        call    ata_select
        mov     dx, ATA + 7
        in      al, dx
        cmp     al, 0xFF                ; floating bus: no channel
        je      .next
        test    al, al                  ; 0: no device at this position
        jz      .next
        call    ata_wait
        jc      .next
        mov     al, 0xEC                ; IDENTIFY DEVICE
        out     dx, al
        in      al, dx
        test    al, al
        jz      .next
        call    ata_wait
        jc      .next                   ; ERR: ATAPI or nothing
        test    al, 0x08
        jz      .next                   ; no data
        push    di
        mov     di, IDENT_BUF
        mov     cx, 256
        mov     dx, ATA
        rep     insw
        pop     di
        mov     ax, [IDENT_BUF + 1 * 2] ; default CHS: cylinders, heads, sectors per track
        mov     bl, [IDENT_BUF + 3 * 2]
        mov     bh, [IDENT_BUF + 6 * 2]
        test    bl, bl
        jz      .lba_chs
        test    bh, bh
        jnz     .chs_ok
.lba_chs:                               ; no CHS words: 16 heads x 63 sectors
        mov     bx, 0x3F10
        mov     eax, [IDENT_BUF + 60 * 2]
        xor     edx, edx
        mov     ecx, 16 * 63
        div     ecx
.chs_ok:
        cmp     ax, 1024                ; INT 13h CHS reaches 1024 cylinders
        jbe     .cyl_ok
        mov     ax, 1024
.cyl_ok:
        mov     [di + DRV_CYLS], ax
        mov     [di + DRV_HEADS], bx
        mov     eax, [IDENT_BUF + 60 * 2]
        mov     [di + DRV_TOTAL], eax
        mov     byte [di + DRV_PRESENT], 1
        inc     byte [BDA_HDCOUNT]
.next:  inc     si
        cmp     si, 2
        jb      .unit
        ret

; ata_xfer: EAX = LBA, CX = sectors (1..256), ES:DI = buffer, BL = 20h read / 30h write,
; BH = unit. CF = 1 on error. CX = sectors transferred. Uses the frame-free registers only.
ata_xfer:
        push    eax
        push    dx
        push    si
        push    ds
        push    eax
        call    ata_wait
        pop     eax
        jc      .fail0
        push    eax
        shr     eax, 24
        mov     ah, al
        and     ah, 0x0F
        mov     al, bh
        call    ata_select
        pop     eax
        mov     dx, ATA + 2
        push    ax
        mov     al, cl                  ; 256 -> 0
        out     dx, al
        pop     ax
        inc     dx
        out     dx, al                  ; LBA 7:0
        inc     dx
        shr     eax, 8
        out     dx, al                  ; LBA 15:8
        inc     dx
        shr     eax, 8
        out     dx, al                  ; LBA 23:16
        mov     dx, ATA + 7
        mov     al, bl
        out     dx, al
        mov     si, cx                  ; SI = sectors to go
        xor     cx, cx                  ; CX = sectors done
.sector:
        call    ata_wait
        jc      .fail
        test    al, 0x08                ; DRQ
        jz      .fail
        push    cx
        mov     cx, 256
        mov     dx, ATA
        cmp     bl, 0x30
        je      .write
        rep     insw
        jmp     .moved
.write: push    si
        push    es
        pop     ds
        mov     si, di
        rep     outsw
        mov     di, si
        pop     si
.moved: pop     cx
        inc     cx
        dec     si
        jnz     .sector
        call    ata_wait                ; the write's last sector reaches the disk
        jc      .fail
        clc
        jmp     .done
.fail0: xor     cx, cx
.fail:  stc
.done:  pop     ds
        pop     si
        pop     dx
        pop     eax
        ret

; ---------------------------------------------------------------- INT 13h: fixed disks
int13:
        sti
        ENTER_FRAME
        mov     ah, [bp + F_AH]
        mov     al, [bp + F_DL]
        sub     al, 0x80
        cmp     ah, 0x15
        je      .get_type
        cmp     al, 2
        jae     .bad_drive
        movzx   di, al
        shl     di, 4
        add     di, BDA_DRIVES
        cmp     byte [di + DRV_PRESENT], 0
        je      .bad_drive
        mov     bh, al                  ; BH = unit for ata_xfer
        mov     ah, [bp + F_AH]
        cmp     ah, 0x00
        je      .ok
        cmp     ah, 0x01
        je      .status
        cmp     ah, 0x02
        je      .read
        cmp     ah, 0x03
        je      .write
        cmp     ah, 0x04                ; verify
        je      .ok
        cmp     ah, 0x08
        je      .params
        cmp     ah, 0x0C                ; seek
        je      .ok
        cmp     ah, 0x0D                ; alternate reset
        je      .ok
        cmp     ah, 0x10                ; test unit ready
        je      .ok
        cmp     ah, 0x11                ; recalibrate
        je      .ok
        cmp     ah, 0x41
        je      .ext_check
        cmp     ah, 0x42
        je      .ext_read
        cmp     ah, 0x43
        je      .ext_write
        cmp     ah, 0x48
        je      .ext_params
        mov     al, 0x01                ; invalid function
        jmp     .error
.bad_drive:
        mov     al, 0x01
        jmp     .error
.ok:    xor     al, al
.status_out:                            ; AL = status
        mov     [BDA_HDSTATUS], al
        mov     [bp + F_AH], al
        test    al, al
        jnz     iret_cf_err
        jmp     iret_cf_ok
.error: mov     byte [bp + F_AL], 0
        jmp     .status_out
.status:
        mov     al, [BDA_HDSTATUS]
        jmp     .status_out

.read:  mov     bl, 0x20
        jmp     .chs
.write: mov     bl, 0x30
.chs:   ; LBA = (C * heads + H) * spt + S - 1, C = CH | (CL 7:6) << 2, S = CL 5:0
        movzx   ecx, byte [bp + F_CL]
        and     cl, 0x3F
        jz      .bad_sector
        cmp     cl, [di + DRV_SPT]
        ja      .bad_sector
        mov     al, [bp + F_DH]
        cmp     al, [di + DRV_HEADS]
        jae     .bad_sector
        movzx   eax, byte [bp + F_CL]
        shl     eax, 2
        mov     al, [bp + F_CH]         ; EAX = cylinder (10 bits)
        movzx   edx, byte [di + DRV_HEADS]
        imul    eax, edx
        movzx   edx, byte [bp + F_DH]
        add     eax, edx
        movzx   edx, byte [di + DRV_SPT]
        imul    eax, edx
        add     eax, ecx
        dec     eax
        movzx   cx, byte [bp + F_AL]
        jcxz    .bad_count
        mov     es, [bp + F_ES]
        mov     di, [bp + F_BX]
        call    ata_xfer
        mov     [bp + F_AL], cl
        jc      .io_error
        xor     al, al
        jmp     .status_out
.io_error:
        mov     al, 0x20                ; controller failure
        jmp     .status_out
.bad_sector:
        mov     al, 0x04                ; sector not found
        jmp     .error
.bad_count:
        mov     al, 0x01
        jmp     .error

.params:
        mov     ax, [di + DRV_CYLS]
        dec     ax                      ; highest cylinder number
        mov     [bp + F_CH], al
        shl     ah, 6
        or      ah, [di + DRV_SPT]
        mov     [bp + F_CL], ah
        mov     al, [di + DRV_HEADS]
        dec     al
        mov     [bp + F_DH], al
        mov     al, [BDA_HDCOUNT]
        mov     [bp + F_DL], al
        mov     byte [bp + F_AL], 0
        jmp     .ok

.get_type:                              ; AH=03h: fixed disk, CX:DX = sectors
        cmp     al, 2
        jae     .no_drive
        movzx   di, al
        shl     di, 4
        add     di, BDA_DRIVES
        cmp     byte [di + DRV_PRESENT], 0
        je      .no_drive
        mov     ax, [di + DRV_TOTAL]
        mov     [bp + F_DX], ax
        mov     ax, [di + DRV_TOTAL + 2]
        mov     [bp + F_CX], ax
        mov     byte [bp + F_AH], 0x03
        jmp     iret_cf_ok
.no_drive:
        mov     byte [bp + F_AH], 0x00
        jmp     iret_cf_ok

.ext_check:                             ; EDD 1.1, fixed disk access subset
        cmp     word [bp + F_BX], 0x55AA
        jne     .bad_drive
        mov     word [bp + F_BX], 0xAA55
        mov     word [bp + F_CX], 0x0001
        mov     byte [bp + F_AH], 0x01
        mov     byte [BDA_HDSTATUS], 0
        jmp     iret_cf_ok

.ext_read:
        mov     bl, 0x20
        jmp     .ext_rw
.ext_write:
        mov     bl, 0x30
.ext_rw:                                ; DS:SI = disk address packet
        mov     ds, [bp + F_DS]
        mov     si, [bp + F_SI]
        mov     cx, [si + 2]            ; count
        mov     di, [si + 4]            ; buffer offset
        mov     es, [si + 6]            ; buffer segment
        mov     eax, [si + 8]           ; LBA (low 32 bits; LBA28 is used)
        push    word 0
        pop     ds
        test    cx, cx
        jz      .bad_count
        cmp     cx, 127
        ja      .bad_count
        call    ata_xfer
        mov     ds, [bp + F_DS]
        mov     [si + 2], cx            ; blocks transferred
        push    word 0
        pop     ds
        jc      .io_error
        jmp     .ok

.ext_params:                            ; result buffer DS:SI, 1Ah bytes
        mov     es, [bp + F_DS]
        mov     si, [bp + F_SI]
        push    di
        mov     di, si
        mov     ax, 0x1A
        stosw                           ; size
        mov     ax, 0x0002              ; CHS information valid
        stosw
        pop     si                      ; SI = drive record
        movzx   eax, word [si + DRV_CYLS]
        stosd
        movzx   eax, byte [si + DRV_HEADS]
        stosd
        movzx   eax, byte [si + DRV_SPT]
        stosd
        mov     eax, [si + DRV_TOTAL]
        stosd
        xor     eax, eax
        stosd
        mov     ax, 512
        stosw
        jmp     .ok

; ---------------------------------------------------------------- VGA register tables
; Per mode: misc output, sequencer 1..4, CRTC 0..18h, attribute 0..13h, graphics 0..8
; (IBM VGA Technical Reference, BIOS mode tables).
MODE_MISC       equ 0
MODE_SEQ        equ 1
MODE_CRTC       equ 5
MODE_ATTR       equ 30
MODE_GC         equ 50
mode03_regs:
        db 0x67
        db 0x00, 0x03, 0x00, 0x02
        db 0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00
        db 0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF
        db 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C
        db 0x3D, 0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08
        db 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x0F, 0xFF
mode12_regs:
        db 0xE3
        db 0x01, 0x0F, 0x00, 0x06
        db 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0B, 0x3E, 0x00, 0x40, 0x00, 0x00, 0x00
        db 0x00, 0x00, 0x00, 0xEA, 0x8C, 0xDF, 0x28, 0x00, 0xE7, 0x04, 0xE3, 0xFF
        db 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C
        db 0x3D, 0x3E, 0x3F, 0x01, 0x00, 0x0F, 0x00
        db 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0F, 0xFF
mode13_regs:
        db 0x63
        db 0x01, 0x0F, 0x00, 0x0E
        db 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00
        db 0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF
        db 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C
        db 0x0D, 0x0E, 0x0F, 0x41, 0x00, 0x0F, 0x00
        db 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF

; Per mode BDA values: columns, rows - 1, character height, page size, CGA mode control
mode03_bda:     dw 80, 24, 16, 0x1000, 0x29
mode12_bda:     dw 80, 29, 16, 0xA000, 0x29
mode13_bda:     dw 40, 24, 8, 0xFA00, 0x29

; ---------------------------------------------------------------- mode set
; set_mode: AL = mode (bit 7: keep video memory). 00h..03h and 07h give mode 03h.
set_mode:
        pusha
        push    es
        mov     ah, al
        and     al, 0x7F
        mov     si, mode12_regs
        mov     bx, mode12_bda
        cmp     al, 0x12
        je      .known
        mov     si, mode13_regs
        mov     bx, mode13_bda
        cmp     al, 0x13
        je      .known
        cmp     al, 0x03
        jbe     .text
        cmp     al, 0x07
        jne     .out                    ; unsupported mode: nothing changes
.text:  mov     al, 0x03
        mov     si, mode03_regs
        mov     bx, mode03_bda
.known: push    ax                      ; AL = mode, AH bit 7 = keep memory
        ; sequencer in synchronous reset while the clock and memory mode change
        mov     dx, 0x3C4
        mov     ax, 0x0100
        out     dx, ax
        mov     dx, 0x3C2
        mov     al, [cs:si + MODE_MISC]
        out     dx, al
        mov     dx, 0x3C4
        mov     cx, 4
        mov     ah, 1                   ; index
        lea     di, [si + MODE_SEQ]
.seq:   mov     al, ah
        out     dx, al
        inc     dx
        mov     al, [cs:di]
        out     dx, al
        dec     dx
        inc     di
        inc     ah
        loop    .seq
        mov     ax, 0x0300              ; end of reset
        out     dx, ax
        ; CRTC: clear the write protect of 00h..07h (index 11h bit 7) first
        mov     dx, 0x3D4
        mov     al, 0x11
        out     dx, al
        inc     dx
        in      al, dx
        and     al, 0x7F
        out     dx, al
        dec     dx
        lea     di, [si + MODE_CRTC]
        mov     cx, 25
        xor     ah, ah
        call    .indexed
        mov     dx, 0x3CE
        lea     di, [si + MODE_GC]
        mov     cx, 9
        xor     ah, ah
        call    .indexed
        ; attribute controller: index and data through 3C0h after a 3DAh read
        mov     dx, 0x3DA
        in      al, dx
        mov     dx, 0x3C0
        lea     di, [si + MODE_ATTR]
        xor     ah, ah
.attr:  mov     al, ah
        out     dx, al
        mov     al, [cs:di]
        out     dx, al
        inc     di
        inc     ah
        cmp     ah, 20
        jb      .attr
        mov     al, 0x20                ; palette address source: show the picture
        out     dx, al
        pop     ax
        push    ax
        call    load_dac
        ; BDA
        pop     ax
        push    ds
        push    word 0
        pop     ds
        mov     [BDA_VMODE], al
        mov     cx, [cs:bx]
        mov     [BDA_VCOLS], cx
        mov     cl, [cs:bx + 2]
        mov     [BDA_VROWS], cl
        mov     cx, [cs:bx + 4]
        mov     [BDA_VCHARH], cx
        mov     cx, [cs:bx + 6]
        mov     [BDA_VPAGESIZE], cx
        mov     cl, [cs:bx + 8]
        mov     [BDA_VMODECTL], cl
        mov     byte [BDA_VPALETTE], 0x30
        mov     word [BDA_VPAGESTART], 0
        mov     byte [BDA_VPAGE], 0
        mov     word [BDA_CRTC], 0x3D4
        mov     word [BDA_CURSHAPE], 0x0607
        mov     byte [BDA_VEGAMISC], 0x60
        mov     byte [BDA_VSWITCHES], 0x09
        mov     byte [BDA_VFLAGS], 0x51
        push    ax
        xor     ax, ax
        mov     di, BDA_CURPOS
        push    ds
        pop     es
        mov     cx, 8
        rep     stosw
        pop     ax
        pop     ds
        cmp     al, 0x03
        jne     .no_font
        call    load_font
.no_font:
        ; clear video memory unless bit 7 was set
        test    ah, 0x80
        jnz     .cursor
        cmp     al, 0x03
        jne     .gfx_clear
        mov     ax, 0xB800
        mov     es, ax
        xor     di, di
        mov     cx, 0x4000
        mov     ax, 0x0720
        rep     stosw
        jmp     .cursor
.gfx_clear:                             ; map mask 0Fh: all planes (mode 12h), chain 4 (13h)
        mov     dx, 0x3C4
        mov     ax, 0x0F02
        out     dx, ax
        mov     ax, 0xA000
        mov     es, ax
        xor     di, di
        mov     cx, 0x8000
        xor     ax, ax
        rep     stosw
.cursor:
        call    set_hw_cursor
.out:   pop     es
        popa
        ret
.indexed:                               ; CX registers from CS:DI at port DX, index from AH
        mov     al, ah
        out     dx, al
        inc     dx
        mov     al, [cs:di]
        out     dx, al
        dec     dx
        inc     di
        inc     ah
        loop    .indexed
        ret

; load_dac: AL = mode. Entries 0..63: the EGA colours (index bits: 0 B, 1 G, 2 R at 2/3
; intensity; 3 b, 4 g, 5 r at 1/3), which the attribute registers of modes 03h and 12h
; select. Mode 13h: 0..15 the 16 CGA colours, 16..31 grey ramp, 32..247 a 6x6x6 colour
; cube, 248..255 black (not IBM's exact default 256-colour table).
load_dac:
        pusha
        mov     dx, 0x3C6
        mov     bl, al
        mov     al, 0xFF
        out     dx, al                  ; pixel mask
        mov     dx, 0x3C8
        xor     al, al
        out     dx, al
        inc     dx                      ; 3C9h
        cmp     bl, 0x13
        je      .vga256
        xor     cx, cx
.ega:   mov     al, cl
        call    ega_rgb
        inc     cx
        cmp     cx, 64
        jb      .ega
        jmp     .done
.vga256:
        mov     si, mode03_regs + MODE_ATTR
.cga:   mov     al, [cs:si]
        call    ega_rgb
        inc     si
        cmp     si, mode03_regs + MODE_ATTR + 16
        jb      .cga
        xor     cx, cx
.grey:  mov     al, cl                  ; i * 4 + i / 4: 0 .. 63
        shl     al, 2
        mov     ah, cl
        shr     ah, 2
        add     al, ah
        out     dx, al
        out     dx, al
        out     dx, al
        inc     cx
        cmp     cx, 16
        jb      .grey
        xor     bx, bx                  ; BL = r, BH = g, CL = b, each 0..5
.cube_r:
        xor     bh, bh
.cube_g:
        xor     cl, cl
.cube_b:
        mov     al, bl
        call    .level
        mov     al, bh
        call    .level
        mov     al, cl
        call    .level
        inc     cl
        cmp     cl, 6
        jb      .cube_b
        inc     bh
        cmp     bh, 6
        jb      .cube_g
        inc     bl
        cmp     bl, 6
        jb      .cube_r
        mov     cx, 8 * 3
        xor     al, al
.black: out     dx, al
        loop    .black
.done:  popa
        ret
.level: mov     ah, 12                  ; 0..5 -> 0, 12, 24, 36, 48, 60
        mul     ah
        out     dx, al
        ret

; load_font: the 8x16 font into plane 2 (32-byte slots at plane offset char * 32), with
; the sequencer and graphics controller set for plain planar access meanwhile, then put back
; to the mode 03h values (IBM VGA Technical Reference, "loading a character font").
load_font:
        pusha
        push    es
        mov     dx, 0x3C4
        mov     ax, 0x0402              ; map mask: plane 2
        out     dx, ax
        mov     ax, 0x0604              ; memory mode: sequential, no odd/even
        out     dx, ax
        mov     dx, 0x3CE
        mov     ax, 0x0204              ; read map 2
        out     dx, ax
        mov     ax, 0x0005              ; write mode 0, no odd/even
        out     dx, ax
        mov     ax, 0x0406              ; A0000h, 64 KiB, no chaining
        out     dx, ax
        push    word 0xA000
        pop     es
        xor     di, di
        mov     si, font_8x16
        mov     bx, 256
.char:  mov     cx, 8
        cs rep  movsw                   ; 16 bytes of glyph
        mov     cx, 8
        xor     ax, ax
        rep     stosw                   ; 16 bytes of padding
        dec     bx
        jnz     .char
        mov     ax, 0x1005              ; back to mode 03h: odd/even
        out     dx, ax
        mov     ax, 0x0E06              ; B8000h, 32 KiB, chained odd/even, text
        out     dx, ax
        mov     ax, 0x0004
        out     dx, ax
        mov     dx, 0x3C4
        mov     ax, 0x0302              ; planes 0 and 1
        out     dx, ax
        mov     ax, 0x0204              ; odd/even
        out     dx, ax
        pop     es
        popa
        ret

%include "font.inc"

ega_rgb:                                ; AL = EGA colour (rgbRGB) -> R, G, B to port DX
        push    cx
        push    bx
        mov     bl, al
        mov     cl, 2                   ; R: bits 2 and 5, G: 1 and 4, B: 0 and 3
.c:     mov     ah, bl
        shr     ah, cl
        xor     al, al
        test    ah, 1
        jz      .n1
        add     al, 0x2A
.n1:    test    ah, 8
        jz      .n2
        add     al, 0x15
.n2:    out     dx, al
        dec     cl
        jns     .c
        pop     bx
        pop     cx
        ret

; ---------------------------------------------------------------- text helpers (DS = 0)
; text_offset: DH = row, DL = col -> DI = byte offset in B800h
text_offset:
        push    ax
        mov     al, dh
        mul     byte [BDA_VCOLS]
        movzx   di, dl
        add     di, ax
        shl     di, 1
        pop     ax
        ret

set_hw_cursor:                          ; CRTC 0Eh/0Fh from the page 0 cursor
        pusha
        push    ds
        push    word 0
        pop     ds
        mov     dx, [BDA_CURPOS]
        call    text_offset
        shr     di, 1
        mov     dx, 0x3D4
        mov     ax, di              ; page 0 only: no page offset
        mov     al, 0x0E
        out     dx, ax
        mov     ax, di
        mov     ah, al
        mov     al, 0x0F
        out     dx, ax
        pop     ds
        popa
        ret

is_text:                                ; ZF = 1 if the current mode is text (03h)
        cmp     byte [BDA_VMODE], 0x03
        ret

; scroll: AL = lines (0 = clear), BH = attribute, CX = top/left, DX = bottom/right,
; SI = +1 up (AH=06h) or -1 down (AH=07h). Text mode only. Rows are a fixed stride apart,
; so the window moves as (height - n) row copies followed by n filled rows.
scroll:
        pusha
        push    es
        push    ds
        cmp     dl, [BDA_VCOLS]
        jb      .c1
        mov     dl, [BDA_VCOLS]
        dec     dl
.c1:    cmp     dh, [BDA_VROWS]
        jbe     .c2
        mov     dh, [BDA_VROWS]
.c2:    cmp     ch, dh
        ja      .done
        cmp     cl, dl
        ja      .done
        mov     bl, dl
        sub     bl, cl
        inc     bl                      ; BL = width
        mov     ah, dh
        sub     ah, ch
        inc     ah                      ; AH = height
        test    al, al
        jz      .all
        cmp     al, ah
        jbe     .n
.all:   mov     al, ah                  ; AL = rows moved out (all: clear)
.n:     movzx   bp, byte [BDA_VCOLS]
        shl     bp, 1                   ; BP = row stride in bytes
        cmp     si, 1
        je      .up
        neg     bp                      ; down: walk from the bottom row upwards
        mov     ch, dh
.up:    mov     dh, ch
        mov     dl, cl
        call    text_offset             ; DI = first destination row
        movzx   si, al
        imul    si, bp
        add     si, di                  ; SI = first source row
        movzx   dx, ah
        movzx   cx, al
        sub     dx, cx                  ; DX = rows to copy
        push    word 0xB800
        pop     es
        push    es
        pop     ds
.copy:  test    dx, dx
        jz      .fill
        push    si
        push    di
        movzx   cx, bl
        rep     movsw
        pop     di
        pop     si
        add     si, bp
        add     di, bp
        dec     dx
        jmp     .copy
.fill:  movzx   dx, al
        mov     ah, bh
        mov     al, ' '
.f:     test    dx, dx
        jz      .done
        push    di
        movzx   cx, bl
        rep     stosw
        pop     di
        add     di, bp
        dec     dx
        jmp     .f
.done:  pop     ds
        pop     es
        popa
        ret

; tty_putc: AL = character, BL = colour in graphics modes (ignored: no text there).
; CR, LF, BS handled, BEL ignored; scrolls the whole screen with attribute 07h.
tty_putc:
        pusha
        push    es
        mov     dx, [BDA_CURPOS]        ; DL = col, DH = row
        cmp     al, 13
        je      .cr
        cmp     al, 10
        je      .lf
        cmp     al, 8
        je      .bs
        cmp     al, 7
        je      .done
        call    is_text
        jne     .adv
        call    text_offset
        push    word 0xB800
        pop     es
        mov     [es:di], al             ; the attribute already in the cell stays
.adv:   inc     dl
        cmp     dl, [BDA_VCOLS]
        jb      .store
        xor     dl, dl
.lf:    inc     dh
        cmp     dh, [BDA_VROWS]
        jbe     .store
        mov     dh, [BDA_VROWS]
        call    is_text
        jne     .store
        push    dx
        mov     ax, 0x0001
        mov     bh, 0x07
        xor     cx, cx
        mov     dl, [BDA_VCOLS]
        dec     dl
        mov     dh, [BDA_VROWS]
        mov     si, 1
        call    scroll
        pop     dx
        jmp     .store
.cr:    xor     dl, dl
        jmp     .store
.bs:    test    dl, dl
        jz      .done
        dec     dl
.store: mov     [BDA_CURPOS], dx
        call    set_hw_cursor
.done:  pop     es
        popa
        ret

; ---------------------------------------------------------------- pixels
; pixel_addr12: CX = x, DX = y -> DI = offset, AH = bit mask (mode 12h)
pixel_addr12:
        push    cx
        mov     ax, 80
        mul     dx
        mov     di, cx
        shr     di, 3
        add     di, ax
        and     cl, 7
        mov     ah, 0x80
        shr     ah, cl
        pop     cx
        ret

pixel_addr13:                           ; CX = x, DX = y -> DI = y * 320 + x
        push    dx
        mov     ax, 320
        mul     dx
        add     ax, cx
        mov     di, ax
        pop     dx
        ret

; ---------------------------------------------------------------- INT 10h: video
int10:
        sti
        ENTER_FRAME
        mov     ax, [bp + F_AX]
        mov     bx, [bp + F_BX]
        mov     cx, [bp + F_CX]
        mov     dx, [bp + F_DX]
        cmp     ah, 0x00
        je      .set_mode
        cmp     ah, 0x01
        je      .cursor_shape
        cmp     ah, 0x02
        je      .set_cursor
        cmp     ah, 0x03
        je      .get_cursor
        cmp     ah, 0x05
        je      .page
        cmp     ah, 0x06
        je      .scroll_up
        cmp     ah, 0x07
        je      .scroll_down
        cmp     ah, 0x08
        je      .read_char
        cmp     ah, 0x09
        je      .write_char_attr
        cmp     ah, 0x0A
        je      .write_char
        cmp     ah, 0x0C
        je      .write_pixel
        cmp     ah, 0x0D
        je      .read_pixel
        cmp     ah, 0x0E
        je      .teletype
        cmp     ah, 0x0F
        je      .get_mode
        cmp     ah, 0x10
        je      .palette
        cmp     ah, 0x13
        je      .write_string
        cmp     ah, 0x1A
        je      .display_combination
.ret:   jmp     iret_frame

.set_mode:
        call    set_mode
        jmp     .ret
.cursor_shape:                          ; CH = start line, CL = end line (CRTC 0Ah, 0Bh)
        mov     [BDA_CURSHAPE], cx
        mov     dx, 0x3D4
        mov     al, 0x0A
        mov     ah, ch
        out     dx, ax
        mov     al, 0x0B
        mov     ah, cl
        out     dx, ax
        jmp     .ret
.set_cursor:                            ; BH = page (0 only), DH = row, DL = col
        test    bh, bh
        jnz     .ret
        mov     [BDA_CURPOS], dx
        call    set_hw_cursor
        jmp     .ret
.get_cursor:
        mov     ax, [BDA_CURSHAPE]
        mov     [bp + F_CX], ax
        movzx   di, bh
        and     di, 7
        shl     di, 1
        mov     ax, [BDA_CURPOS + di]
        mov     [bp + F_DX], ax
        jmp     .ret
.page:  mov     byte [BDA_VPAGE], 0     ; only page 0 exists here
        jmp     .ret
.scroll_up:
        mov     si, 1
        jmp     .scroll
.scroll_down:
        mov     si, -1
.scroll:
        call    is_text
        jne     .ret
        call    scroll
        jmp     .ret
.read_char:
        call    is_text
        jne     .ret
        mov     dx, [BDA_CURPOS]
        call    text_offset
        push    word 0xB800
        pop     es
        mov     ax, [es:di]
        mov     [bp + F_AX], ax
        jmp     .ret
.write_char_attr:
        call    is_text
        jne     .ret
        mov     dx, [BDA_CURPOS]
        call    text_offset
        push    word 0xB800
        pop     es
        mov     ah, bl
        rep     stosw
        jmp     .ret
.write_char:
        call    is_text
        jne     .ret
        mov     dx, [BDA_CURPOS]
        call    text_offset
        push    word 0xB800
        pop     es
        test    cx, cx
        jz      .ret
.wc:    stosb
        inc     di
        loop    .wc
        jmp     .ret
.write_pixel:                           ; AL = colour (bit 7: XOR), CX = x, DX = y
        push    word 0xA000
        pop     es
        mov     bl, al
        cmp     byte [BDA_VMODE], 0x13
        je      .wp13
        cmp     byte [BDA_VMODE], 0x12
        jne     .ret
        call    pixel_addr12
        mov     dx, 0x3C4
        mov     al, 0x02
        out     dx, al
        inc     dx
        mov     al, 0x0F
        out     dx, al                  ; all planes
        mov     dx, 0x3CE
        mov     al, 0x08                ; bit mask: this pixel
        out     dx, ax
        mov     ax, 0x0205              ; write mode 2: the colour goes to the 4 planes
        out     dx, ax
        xor     ah, ah
        test    bl, 0x80
        jz      .wp_fn
        mov     ah, 0x18                ; function XOR
.wp_fn: mov     al, 0x03
        out     dx, ax
        mov     al, [es:di]             ; load the latches
        mov     [es:di], bl
        mov     ax, 0x0005              ; back to write mode 0, all bits, replace
        out     dx, ax
        mov     ax, 0xFF08
        out     dx, ax
        mov     ax, 0x0003
        out     dx, ax
        jmp     .ret
.wp13:  call    pixel_addr13
        mov     [es:di], bl
        jmp     .ret
.read_pixel:
        push    word 0xA000
        pop     es
        cmp     byte [BDA_VMODE], 0x13
        je      .rp13
        cmp     byte [BDA_VMODE], 0x12
        jne     .ret
        call    pixel_addr12
        mov     bh, ah                  ; mask
        xor     bl, bl                  ; colour
        mov     dx, 0x3CE
        mov     cx, 3                   ; plane 3 .. 0
.rp:    mov     al, 0x04
        mov     ah, cl
        out     dx, ax
        shl     bl, 1
        test    [es:di], bh
        jz      .rp0
        or      bl, 1
.rp0:   dec     cx
        jns     .rp
        mov     ax, 0x0004
        out     dx, ax
        mov     [bp + F_AL], bl
        jmp     .ret
.rp13:  call    pixel_addr13
        mov     al, [es:di]
        mov     [bp + F_AL], al
        jmp     .ret
.teletype:
        call    tty_putc
        jmp     .ret
.get_mode:
        mov     al, [BDA_VMODE]
        mov     ah, [BDA_VCOLS]
        mov     [bp + F_AX], ax
        mov     al, [BDA_VPAGE]
        mov     [bp + F_BH], al
        jmp     .ret
.palette:
        cmp     al, 0x00
        je      .pal_attr
        cmp     al, 0x10
        jne     .ret
        mov     dx, 0x3C8               ; DAC register BX = DH, CH, CL (R, G, B)
        mov     al, bl
        out     dx, al
        inc     dx
        mov     al, [bp + F_DH]
        out     dx, al
        mov     al, ch
        out     dx, al
        mov     al, cl
        out     dx, al
        jmp     .ret
.pal_attr:                              ; attribute register BL = BH
        mov     dx, 0x3DA
        in      al, dx
        mov     dx, 0x3C0
        mov     al, bl
        and     al, 0x1F
        out     dx, al
        mov     al, bh
        out     dx, al
        mov     al, 0x20
        out     dx, al
        jmp     .ret
.write_string:                          ; AL bit 0: move cursor, bit 1: char/attr pairs
        push    word [BDA_CURPOS]
        mov     [BDA_CURPOS], dx
        mov     es, [bp + F_ES]
        mov     si, [bp + F_BP]
        jcxz    .ws_end
.ws:    mov     al, [es:si]
        inc     si
        test    byte [bp + F_AL], 0x02
        jz      .ws_attr
        mov     bl, [es:si]
        inc     si
.ws_attr:
        cmp     al, 7                   ; control characters act as in teletype
        je      .ws_tty
        cmp     al, 8
        je      .ws_tty
        cmp     al, 10
        je      .ws_tty
        cmp     al, 13
        je      .ws_tty
        call    is_text
        jne     .ws_tty
        push    es
        push    cx
        push    word 0xB800
        pop     es
        mov     dx, [BDA_CURPOS]
        call    text_offset
        mov     ah, bl
        mov     [es:di], ax
        pop     cx
        pop     es
        mov     dx, [BDA_CURPOS]        ; advance the cursor
        inc     dl
        cmp     dl, [BDA_VCOLS]
        jb      .ws_pos
        mov     al, 10                  ; wrapped: CR LF through teletype
        mov     dl, 0
        mov     [BDA_CURPOS], dx
        call    tty_putc
        jmp     .ws_next
.ws_pos:
        mov     [BDA_CURPOS], dx
        jmp     .ws_next
.ws_tty:
        call    tty_putc
.ws_next:
        loop    .ws
.ws_end:
        pop     ax
        test    byte [bp + F_AL], 0x01
        jnz     .ws_keep
        mov     [BDA_CURPOS], ax
.ws_keep:
        call    set_hw_cursor
        jmp     .ret
.display_combination:                   ; AL=00h: VGA with colour display
        test    al, al
        jnz     .ret
        mov     byte [bp + F_AL], 0x1A
        mov     word [bp + F_BX], 0x0008
        jmp     .ret

; ============================================================================ reset vector
        times 0xFFF0 - ($ - $$) db 0xFF
reset:  jmp     BIOS_SEG:post           ; F000:FFF0
        db      '11/27/26'              ; F000:FFF5 BIOS date
        db      0xFF
        db      0xFC                    ; F000:FFFE model byte: AT
        db      0x00
