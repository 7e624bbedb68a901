@ A bare-metal guest for the virt machine (test/machines/virt.test.ts, VIRT0009): more of the
@ VMSAv7 translation than virt-system.S — the TTBR0/TTBR1 split of TTBCR.N, supersections,
@ 64 KiB large pages, PXN, SCTLR.WXN, accesses and instruction fetches from user mode, SCTLR.A
@ with LPAE (long-format alignment status), the LPAE TTBR0/TTBR1 split of T0SZ/T1SZ with
@ hierarchical APTable and XNTable limits, ATS1CUR, and the generic timer's counter read from
@ user mode under CNTKCTL. It prints what it sees on the PL011 and powers off through PSCI.
@ Built like virt-system.S (as -march=armv7ve -I test/machines/roms; ld -Ttext=0; objcopy -O binary); its output under
@ qemu-system-arm -M virt -cpu cortex-a15 -m 256 -nographic -bios is the test's expected text.

    .arm
    .syntax unified
    .equ UART, 0x09000000
    .equ T0, 0x40110000          @ short: TTBR0 table for N = 2 (1024 entries, 4 KiB aligned)
    .equ T1, 0x40114000          @ short: TTBR1 table (16 KiB aligned)
    .equ C1, 0x40118000          @ short: a coarse table
    .equ L0, 0x40120000          @ LPAE: TTBR0 first level (T0SZ = 1: 2 entries)
    .equ L1, 0x40121000          @ LPAE: TTBR1 first level (T1SZ = 1: 2 entries)
    .equ L2A, 0x40122000         @ LPAE: second level under TTBR1 (no user, XN via the table)
    .equ L2B, 0x40123000         @ LPAE: second level under TTBR1 (read-only via the table)
    .equ SECTION_A, 0x40200000
    .equ LARGE, 0x40300000       @ 64 KiB aligned

    .global _start
_start:
    b reset
    b undefined
    b svc
    b prefetch_abort
    b data_abort
    b .
    b .
    b .

reset:
    cps #0x17
    ldr sp, =0x40070000
    cps #0x1b
    ldr sp, =0x40060000
    cps #0x1f
    ldr sp, =0x40050000             @ the user-mode stack
    cps #0x13
    ldr sp, =0x40090000
    ldr r4, =UART
    @ Markers in RAM to read back through the mappings.
    ldr r0, =SECTION_A
    ldr r1, =0xa0a0a0a0
    str r1, [r0, #0x10]
    ldr r0, =LARGE + 0x1000
    ldr r1, =0xb1b1b1b1
    str r1, [r0, #0x20]
    ldr r0, =0x40000000
    ldr r1, =0xc2c2c2c2
    str r1, [r0, #0x400]            @ inside the device tree's padding, read through the supersection
    @ A "bx lr" in RAM to call through mappings.
    ldr r0, =SECTION_A + 0x100
    ldr r1, =0xe12fff1e
    str r1, [r0]
    @ Clear the tables.
    ldr r0, =T0
    mov r1, #0
    ldr r2, =0x14000
1:  str r1, [r0], #4
    subs r2, r2, #4
    bne 1b

    @ ---------------------------------------------------------------- short descriptors, N = 2
    ldr r0, =t_split
    bl puts
    ldr r5, =T0
    @ TTBR0 (VA below 1 GiB): flash identity, readable and executable by all (AP = 11); devices.
    ldr r1, =0x00000c02
    str r1, [r5]
    mov r2, #0x080
2:  orr r3, r1, r2, lsl #20
    str r3, [r5, r2, lsl #2]
    add r2, r2, #1
    cmp r2, #0x0a1
    bne 2b
    @ 0x20000000: SECTION_A, privileged only (AP = 01).
    ldr r1, =SECTION_A | 0x402
    add r6, r5, #0x800
    str r1, [r6]
    @ 0x20100000: SECTION_A with PXN (type bits 11), all may read/write.
    ldr r1, =SECTION_A | 0xc03
    str r1, [r6, #4]
    ldr r5, =T1
    @ TTBR1: RAM identity 0x400-0x40f (the stacks, the tables), AP = 11.
    ldr r1, =0x00000c02
    mov r2, #0x400
3:  orr r3, r1, r2, lsl #20
    str r3, [r5, r2, lsl #2]
    add r2, r2, #1
    cmp r2, #0x410
    bne 3b
    @ 0x80000000: a supersection (bit 18) onto 0x40000000, 16 entries.
    add r6, r5, #0x2000
    ldr r1, =0x40040c02
    mov r2, #16
4:  str r1, [r6], #4
    subs r2, r2, #1
    bne 4b
    @ 0x81000000: a coarse table holding a 64 KiB large page onto LARGE (16 entries), AP = 11, read-only for user? no: full.
    ldr r1, =C1 | 1
    add r6, r5, #0x2000
    str r1, [r6, #0x40]
    ldr r6, =C1
    ldr r1, =LARGE | 0x31
    mov r2, #16
5:  str r1, [r6], #4
    subs r2, r2, #1
    bne 5b
    @ 0x81010000: a small page, user read-only (AP = 10), execute-never.
    ldr r6, =C1
    ldr r1, =SECTION_A | 0x23
    str r1, [r6, #0x40]
    @ TTBR0, TTBR1, TTBCR.N = 2, DACR: domain 0 client.
    ldr r0, =T0
    mcr p15, 0, r0, c2, c0, 0
    ldr r0, =T1
    mcr p15, 0, r0, c2, c0, 1
    mov r0, #2
    mcr p15, 0, r0, c2, c0, 2
    mov r0, #1
    mcr p15, 0, r0, c3, c0, 0
    mcr p15, 0, r0, c8, c7, 0
    mrc p15, 0, r0, c1, c0, 0
    orr r0, r0, #1
    mcr p15, 0, r0, c1, c0, 0
    isb
    ldr r0, =t_mmu_on
    bl puts
    ldr r7, =0x20000000
    ldr r0, [r7, #0x10]             @ TTBR0's section
    bl hexline
    ldr r7, =0x80000000
    ldr r0, [r7, #0x400]            @ the supersection: 0x40000400
    bl hexline
    ldr r7, =0x80200010
    ldr r0, [r7]                    @ 0x40200010
    bl hexline
    ldr r7, =0x81000000
    add r7, r7, #0x1000
    ldr r0, [r7, #0x20]             @ the large page: LARGE + 0x1020
    bl hexline
    ldr r0, =0x81001020             @ ATS1CPR through the large page
    mcr p15, 0, r0, c7, c8, 0
    isb
    mrc p15, 0, r0, c7, c4, 0
    bl hexline
    ldr r0, =0x20000010             @ ATS1CUR of a privileged-only section: a permission fault in PAR
    mcr p15, 0, r0, c7, c8, 2
    isb
    mrc p15, 0, r0, c7, c4, 0
    bl hexline
    ldr r0, =0x81010000             @ ATS1CUW of a user read-only page
    mcr p15, 0, r0, c7, c8, 3
    isb
    mrc p15, 0, r0, c7, c4, 0
    bl hexline
    @ PXN: privileged execution from 0x20100100 faults (IFSR 0xd); the same code at 0x20000100 runs.
    ldr r9, =0x20100100
    adr r11, 6f
    blx r9
6:  ldr r9, =0x20000100
    blx r9
    ldr r0, =t_ran
    bl puts
    @ From user mode.
    ldr r0, =t_user
    bl puts
    adr r10, 7f
    mov r0, #0x10
    msr spsr_cxsf, r0
    adr lr, user_short
    movs pc, lr
7:  ldr r0, =t_back
    bl puts
    @ WXN: writable regions are execute-never.
    mrc p15, 0, r0, c1, c0, 0
    orr r0, r0, #1 << 19
    mcr p15, 0, r0, c1, c0, 0
    mcr p15, 0, r0, c8, c7, 0
    isb
    ldr r9, =0x20000100
    adr r11, 8f
    blx r9
8:  mrc p15, 0, r0, c1, c0, 0
    bic r0, r0, #1 << 19
    bic r0, r0, #1
    mcr p15, 0, r0, c1, c0, 0
    isb

    @ ---------------------------------------------------------------- LPAE, T0SZ = T1SZ = 1
    ldr r0, =t_lpae
    bl puts
    ldr r5, =L0
    @ TTBR0 (0-2 GiB): 0-1 GiB and 1-2 GiB identity blocks, user read/write (AP[1]), AF.
    ldr r1, =0x00000441
    str r1, [r5]
    ldr r1, =0x40000441
    str r1, [r5, #8]
    ldr r5, =L1
    @ TTBR1 (2-4 GiB): 0x80000000 → table L2A with APTable[0] (no user) and XNTable;
    @ 0xc0000000 → table L2B with APTable[1] (read-only).
    ldr r1, =L2A | 3
    str r1, [r5]
    mov r1, #(1 << 29) | (1 << 28)  @ high word: APTable[0] = bit 61, XNTable = bit 60
    str r1, [r5, #4]
    ldr r1, =L2B | 3
    str r1, [r5, #8]
    mov r1, #1 << 30                @ APTable[1] = bit 62
    str r1, [r5, #12]
    @ Both second levels: a 2 MiB block onto SECTION_A, user read/write in its own bits.
    ldr r1, =SECTION_A | 0x441
    ldr r6, =L2A
    str r1, [r6]
    ldr r6, =L2B
    str r1, [r6]
    ldr r0, =0xff
    mcr p15, 0, r0, c10, c2, 0
    ldr r0, =L0
    mov r1, #0
    mcrr p15, 0, r0, r1, c2
    ldr r0, =L1
    mcrr p15, 1, r0, r1, c2
    ldr r0, =0x80010001             @ EAE, T1SZ = 1, T0SZ = 1
    mcr p15, 0, r0, c2, c0, 2
    mcr p15, 0, r0, c8, c7, 0
    mrc p15, 0, r0, c1, c0, 0
    orr r0, r0, #1
    mcr p15, 0, r0, c1, c0, 0
    isb
    ldr r0, =t_mmu_on
    bl puts
    ldr r7, =0x80000000
    ldr r0, [r7, #0x10]
    bl hexline
    ldr r7, =0xc0000000
    ldr r0, [r7, #0x10]
    bl hexline
    str r0, [r7, #0x14]             @ APTable[1]: permission fault, level 2, write (0xa0e)
    ldr r9, =0x80000100             @ XNTable: prefetch abort, level 2 (0x20e)
    adr r11, 9f
    blx r9
9:  ldr r0, =0x80000010             @ ATS1CUR under APTable[0]: PAR fault
    mcr p15, 0, r0, c7, c8, 2
    isb
    mrrc p15, 0, r0, r1, c7
    bl hexline
    @ SCTLR.A: an unaligned word load is an alignment fault, long format (0x221).
    mrc p15, 0, r0, c1, c0, 0
    orr r0, r0, #2
    mcr p15, 0, r0, c1, c0, 0
    isb
    ldr r7, =0x40000002
    ldr r0, [r7]
    mrc p15, 0, r0, c1, c0, 0
    bic r0, r0, #2
    mcr p15, 0, r0, c1, c0, 0
    isb
    @ From user mode under LPAE: APTable[0] forbids 0x80000000, 0xc0000000 is readable.
    ldr r0, =t_user
    bl puts
    adr r10, 10f
    mov r0, #0x10
    msr spsr_cxsf, r0
    adr lr, user_lpae
    movs pc, lr
10: ldr r0, =t_back
    bl puts
    mrc p15, 0, r0, c1, c0, 0
    bic r0, r0, #1
    mcr p15, 0, r0, c1, c0, 0
    isb
    mov r0, #0
    mcr p15, 0, r0, c2, c0, 2

    @ ---------------------------------------------------------------- the counter from user mode
    ldr r0, =t_counter
    bl puts
    adr r10, 11f
    mov r0, #0x10
    msr spsr_cxsf, r0
    adr lr, user_counter
    movs pc, lr                     @ CNTKCTL = 0: UNDEFINED
11: mov r0, #3                      @ PL0PCTEN, PL0VCTEN
    mcr p15, 0, r0, c14, c1, 0
    adr r10, 12f
    mov r0, #0x10
    msr spsr_cxsf, r0
    adr lr, user_counter
    movs pc, lr
12: ldr r0, =t_done
    bl puts
    ldr r0, =0x84000008
    hvc #0
    b .

@ ---------------------------------------------------------------- user-mode routines (end with SVC)
user_short:
    ldr r7, =0x20000000
    ldr r0, [r7, #0x10]             @ privileged-only section: permission fault (0x00d)
    ldr r7, =0x81010000
    ldr r0, [r7, #0x10]             @ user may read this page
    bl hexline
    str r0, [r7, #0x10]             @ not write it (0x80f)
    ldr r7, =0x81001000
    ldr r0, [r7, #0x20]             @ the large page, full access
    bl hexline
    ldr r9, =0x81010100             @ execute-never page: prefetch abort (IFSR 0xf)
    adr r11, 1f
    blx r9
1:  svc #0

user_lpae:
    ldr r7, =0x80000000
    ldr r0, [r7, #0x10]             @ APTable[0]: permission fault, level 2 (0x20e)
    ldr r7, =0xc0000000
    ldr r0, [r7, #0x10]
    bl hexline
    svc #0

user_counter:
    mov r0, #0
    mrrc p15, 1, r0, r1, c14        @ CNTVCT
    cmp r0, #0
    movne r0, #1
    bl hexline
    svc #0

@ ---------------------------------------------------------------- handlers
svc:
    bx r10                          @ back to the privileged code that entered user mode (SVC mode)

@ ---------------------------------------------------------------- the shared handlers and output (the UART is mapped for user mode too)
    .include "virt-common.inc"

    .ltorg
t_split:    .asciz "short descriptors, TTBCR.N = 2\n"
t_lpae:     .asciz "long descriptors, T0SZ = T1SZ = 1\n"
t_mmu_on:   .asciz "mmu on\n"
t_ran:      .asciz "ran\n"
t_user:     .asciz "user mode\n"
t_back:     .asciz "back\n"
t_counter:  .asciz "counter from user mode\n"
t_done:     .asciz "done\n"
