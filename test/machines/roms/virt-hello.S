@ A bare-metal guest for the virt machine (test/machines/virt.test.ts, VIRT0004): loaded as the
@ flash image, it prints to the PL011 what it reads from the devices QEMU 7.2's virt gives it,
@ then powers the machine off through PSCI. Built with binutils-arm-linux-gnueabihf:
@   as -march=armv7-a+sec+virt; ld -Ttext=0; objcopy -O binary.
@ Its output under qemu-system-arm -M virt -cpu cortex-a15 -m 256 -nographic -bios is the
@ test's expected text.

    .arm
    .equ UART, 0x09000000
    .equ FW_CFG, 0x09020000
    .equ GICD, 0x08000000
    .equ GICC, 0x08010000
    .equ RTC, 0x09010000
    .equ MMIO31, 0x0a003e00
    .equ RAM, 0x40000000
    .equ SCRATCH, 0x40100000

    .global _start
_start:                         @ the vectors: reset, then IRQ at 0x18
    b reset
    b .
    b .
    b .
    b .
    b .
    b irq
    b .

reset:
    cps #0x12                   @ IRQ mode: a stack of its own
    ldr sp, =0x40200000
    cps #0x13
    ldr sp, =0x40300000
    ldr r4, =UART

    ldr r0, =hello
    bl puts

    @ fw_cfg signature through the data register: select key 0 (the selector is big-endian).
    ldr r0, =fwcfg_text
    bl puts
    ldr r5, =FW_CFG
    mov r0, #0
    strh r0, [r5, #8]
    mov r6, #4
1:  ldrb r0, [r5]
    bl putc
    subs r6, r6, #1
    bne 1b
    bl newline

    @ The ID item (bit 1: DMA), a 32-bit little-endian number read as bytes 0..3.
    ldr r0, =id_text
    bl puts
    ldr r0, =0x0100             @ key 1
    strh r0, [r5, #8]
    ldr r0, [r5]                @ bytes in item order = the little-endian value
    bl puthex
    bl newline

    @ fw_cfg DMA: select key 0 and read 4 bytes to SCRATCH + 0x100.
    ldr r0, =dma_text
    bl puts
    ldr r7, =SCRATCH
    ldr r0, =0x0a000000         @ control: select key 0 | read, big-endian
    str r0, [r7]
    ldr r0, =0x04000000         @ length 4, big-endian
    str r0, [r7, #4]
    mov r0, #0
    str r0, [r7, #8]            @ address high
    ldr r0, =SCRATCH + 0x100
    rev r0, r0
    str r0, [r7, #12]
    mov r0, #0
    str r0, [r5, #16]           @ DMA address high word
    rev r0, r7
    str r0, [r5, #20]           @ low word: starts the transfer
    ldr r6, =SCRATCH + 0x100
    mov r8, #4
2:  ldrb r0, [r6], #1
    bl putc
    subs r8, r8, #1
    bne 2b
    mov r0, #' '
    bl putc
    ldr r0, [r7]                @ the control word the device wrote back
    bl puthex
    bl newline

    @ The device tree at the start of RAM: its magic, big-endian.
    ldr r0, =dtb_text
    bl puts
    ldr r0, =RAM
    ldr r0, [r0]
    rev r0, r0
    bl puthex
    bl newline

    @ PrimeCell IDs of the PL011 and PL031, the GIC's type, the last virtio-mmio transport.
    ldr r0, =ids_text
    bl puts
    ldr r0, [r4, #0xfe0]
    bl puthex
    mov r0, #' '
    bl putc
    ldr r0, =RTC
    ldr r0, [r0, #0xfe0]
    bl puthex
    mov r0, #' '
    bl putc
    ldr r0, =GICD
    ldr r0, [r0, #4]
    bl puthex
    bl newline
    ldr r0, =virtio_text
    bl puts
    ldr r6, =MMIO31
    ldr r0, [r6]                @ magic "virt"
    bl puthex
    mov r0, #' '
    bl putc
    ldr r0, [r6, #4]            @ version (1: legacy)
    bl puthex
    mov r0, #' '
    bl putc
    ldr r0, [r6, #8]            @ device ID (0: nothing attached)
    bl puthex
    bl newline

    @ An interrupt through the GIC: SGI 5 to this CPU, taken at the IRQ vector.
    ldr r6, =GICD
    mov r0, #1
    str r0, [r6]                @ GICD_CTLR: forward group 0
    ldr r7, =GICC
    str r0, [r7]                @ GICC_CTLR: signal group 0
    mov r0, #0xff
    str r0, [r7, #4]            @ GICC_PMR: let every priority through
    ldr r0, =0x02000005         @ GICD_SGIR: to this CPU only, ID 5
    str r0, [r6, #0xf00]
    wfi                         @ with IRQs masked: wakes on the pending interrupt
    cpsie i                     @ taken here
    cpsid i
    ldr r0, =back_text
    bl puts

    @ PSCI through HVC: the version, then SYSTEM_OFF.
    ldr r0, =psci_text
    bl puts
    ldr r0, =0x84000000
    hvc #0
    bl puthex
    bl newline
    ldr r0, =0x84000008
    hvc #0
    ldr r0, =still_text          @ not reached: the machine is off
    bl puts
    b .

irq:
    push {r0-r3, r7, lr}
    ldr r7, =GICC
    ldr r1, [r7, #0x0c]         @ GICC_IAR
    ldr r0, =irq_text
    bl puts
    mov r0, r1
    bl puthex
    bl newline
    str r1, [r7, #0x10]         @ GICC_EOIR
    pop {r0-r3, r7, lr}
    subs pc, lr, #4

putc:
    strb r0, [r4]
    bx lr
newline:
    mov r0, #10
    b putc
puts:                           @ r0: a NUL-terminated string
    mov r2, r0
3:  ldrb r0, [r2], #1
    cmp r0, #0
    bxeq lr
    strb r0, [r4]
    b 3b
puthex:                         @ r0 as eight hex digits
    mov r2, #28
4:  mov r3, r0, lsr r2
    and r3, r3, #15
    cmp r3, #10
    addlo r3, r3, #'0'
    addhs r3, r3, #'a' - 10
    strb r3, [r4]
    subs r2, r2, #4
    bpl 4b
    bx lr

hello:       .asciz "hello from virt\n"
fwcfg_text:  .asciz "fw_cfg: "
id_text:     .asciz "fw_cfg id: "
dma_text:    .asciz "fw_cfg dma: "
dtb_text:    .asciz "dtb: "
ids_text:    .asciz "ids: "
virtio_text: .asciz "virtio31: "
irq_text:    .asciz "irq: "
back_text:   .asciz "after wfi\n"
psci_text:   .asciz "psci: "
still_text:  .asciz "still running\n"
    .align 2
    .ltorg
