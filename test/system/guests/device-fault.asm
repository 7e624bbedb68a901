; A boot sector that announces itself on COM1 and then writes port 0x4F0, where a machine built
; with faultInjection has a device model that throws (as a device model with a bug would).
bits 16
org 0x7c00
        cli
        xor     ax, ax
        mov     ds, ax
        mov     si, message
        mov     dx, 0x3fb
        mov     al, 0x03
        out     dx, al
        mov     dx, 0x3f8
.next:  lodsb
        test    al, al
        jz      .fault
        out     dx, al
        jmp     .next
.fault: mov     dx, 0x4f0
        out     dx, al
.halt:  hlt
        jmp     .halt
message db      "about to break a device", 13, 10, 0
        times   510 - ($ - $$) db 0
        dw      0xaa55
        times   32768 - ($ - $$) db 0
