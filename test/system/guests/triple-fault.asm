; A boot sector that announces itself on COM1 and then triple-faults: with an empty IDT (limit 0)
; the INT 3 cannot be delivered (#GP), nor can the #GP (#DF), nor the #DF: the CPU shuts down.
bits 16
org 0x7c00
        cli
        xor     ax, ax
        mov     ds, ax
        mov     si, message
        mov     dx, 0x3fb               ; COM1 line control: 8N1
        mov     al, 0x03
        out     dx, al
        mov     dx, 0x3f8
.next:  lodsb
        test    al, al
        jz      .fault
        out     dx, al
        jmp     .next
.fault: lidt    [empty_idt]
        int     3
        hlt
empty_idt:
        dw      0
        dd      0
message db      "about to triple fault", 13, 10, 0
        times   510 - ($ - $$) db 0
        dw      0xaa55
        times   32768 - ($ - $$) db 0
