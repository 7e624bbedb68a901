@ guests/virt-demo: the vectors and the reset code, at address 0 of flash bank 0 where the CPU
@ starts (SVC mode, interrupts masked, MMU and caches off). It copies .data from flash to RAM,
@ clears .bss, sets the stack and calls main(). Interrupts stay masked throughout: the program
@ waits with WFI, which wakes on a pending interrupt even so (ARM ARM B1.8.13), and then asks
@ the GIC which one it was. An exception it does not expect prints its name and stops.

    .syntax unified
    .arm
    .section .vectors, "ax"
    .global _start
_start:
    b reset
    b undefined_instruction
    b supervisor_call
    b prefetch_abort
    b data_abort
    b .
    b irq
    b fiq

    .text
reset:
    cpsid aif
    ldr sp, =__stack_top
    ldr r0, =__data_start
    ldr r1, =__data_end
    ldr r2, =__data_load
1:  cmp r0, r1
    ldrlo r3, [r2], #4
    strlo r3, [r0], #4
    blo 1b
    ldr r0, =__bss_start
    ldr r1, =__bss_end
    mov r2, #0
2:  cmp r0, r1
    strlo r2, [r0], #4
    blo 2b
    bl main
3:  wfi
    b 3b

@ Each unexpected exception: r0 = its number, r1 = the return link; unexpected_exception() does not return.
undefined_instruction:
    mov r0, #1
    b 4f
supervisor_call:
    mov r0, #2
    b 4f
prefetch_abort:
    mov r0, #3
    b 4f
data_abort:
    mov r0, #4
    b 4f
irq:
    mov r0, #6
    b 4f
fiq:
    mov r0, #7
4:  mov r1, lr
    ldr sp, =__stack_top
    b unexpected_exception

@ PSCI through HVC (the conduit the virt board's device tree names): r0 the function, result in r0.
    .global psci_call
psci_call:
    .arch_extension virt
    hvc #0
    bx lr

    .global wait_for_interrupt
wait_for_interrupt:
    dsb
    wfi
    bx lr

    .global memory_barrier
memory_barrier:
    dsb
    bx lr

    .section .note.GNU-stack, "", %progbits
