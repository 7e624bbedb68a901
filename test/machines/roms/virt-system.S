@ A bare-metal guest for the virt machine (test/machines/virt.test.ts, VIRT0007): the system
@ side of the Cortex-A15 as QEMU 7.2 presents it — the CP15 identification and cache registers,
@ the short-descriptor and the LPAE (long-descriptor) MMU with their translation, access-flag,
@ domain and permission faults (DFSR/IFSR/DFAR/IFAR), unprivileged LDRT/STRT, the generic timer
@ interrupting through the GIC, and cache/TLB maintenance accepted. It prints what it sees on the
@ PL011 and powers off through PSCI. Built with binutils-arm-linux-gnueabihf:
@   as -march=armv7ve -I test/machines/roms; ld -Ttext=0; objcopy -O binary.
@ Its output under qemu-system-arm -M virt -cpu cortex-a15 -m 256 -nographic -bios is the test's
@ expected text.

    .arm
    .syntax unified
    .equ UART, 0x09000000
    .equ GICD, 0x08000000
    .equ GICC, 0x08010000
    .equ L1, 0x40100000          @ short-descriptor first-level table (16 KiB aligned)
    .equ L2, 0x40104000          @ a second-level (coarse) table
    .equ LL1, 0x40108000         @ LPAE first level (4 entries)
    .equ LL2, 0x40109000         @ LPAE second level for 2-3 GiB
    .equ LL3, 0x4010a000         @ LPAE third level for 0x80200000
    .equ PAGE_A, 0x40300000
    .equ PAGE_B, 0x40301000
    .equ SECTION_A, 0x40200000

    .global _start
_start:
    b reset
    b undefined
    b svc
    b prefetch_abort
    b data_abort
    b .
    b irq
    b .

reset:
    cps #0x12
    ldr sp, =0x40080000
    cps #0x17
    ldr sp, =0x40070000
    cps #0x1b
    ldr sp, =0x40060000
    cps #0x13
    ldr sp, =0x40090000
    ldr r4, =UART

    ldr r0, =t_ids
    bl puts
    @ Each line: a label and the MRC's result, or UND.
    .macro show label, opc1, crn, crm, opc2
    ldr r0, =1f
    bl puts
    mov r0, #0
    mrc p15, \opc1, r0, \crn, \crm, \opc2
    bl hexline
    b 2f
1:  .asciz "\label"
    .align 2
2:
    .endm
    show "MIDR ", 0, c0, c0, 0
    show "CTR ", 0, c0, c0, 1
    show "TCMTR ", 0, c0, c0, 2
    show "TLBTR ", 0, c0, c0, 3
    show "MIDR4 ", 0, c0, c0, 4
    show "MPIDR ", 0, c0, c0, 5
    show "REVIDR ", 0, c0, c0, 6
    show "ID_PFR0 ", 0, c0, c1, 0
    show "ID_PFR1 ", 0, c0, c1, 1
    show "ID_DFR0 ", 0, c0, c1, 2
    show "ID_AFR0 ", 0, c0, c1, 3
    show "ID_MMFR0 ", 0, c0, c1, 4
    show "ID_MMFR1 ", 0, c0, c1, 5
    show "ID_MMFR2 ", 0, c0, c1, 6
    show "ID_MMFR3 ", 0, c0, c1, 7
    show "ID_ISAR0 ", 0, c0, c2, 0
    show "ID_ISAR1 ", 0, c0, c2, 1
    show "ID_ISAR2 ", 0, c0, c2, 2
    show "ID_ISAR3 ", 0, c0, c2, 3
    show "ID_ISAR4 ", 0, c0, c2, 4
    show "ID_ISAR5 ", 0, c0, c2, 5
    show "CLIDR ", 1, c0, c0, 1
    show "AIDR ", 1, c0, c0, 7
    show "CSSELR ", 2, c0, c0, 0
    show "CCSIDR0 ", 1, c0, c0, 0
    mov r0, #1
    mcr p15, 2, r0, c0, c0, 0
    show "CCSIDR1 ", 1, c0, c0, 0
    mov r0, #2
    mcr p15, 2, r0, c0, c0, 0
    show "CCSIDR2 ", 1, c0, c0, 0
    show "CSSELR2 ", 2, c0, c0, 0
    show "SCTLR ", 0, c1, c0, 0
    show "ACTLR ", 0, c1, c0, 1
    show "CPACR ", 0, c1, c0, 2
    mvn r0, #0
    mcr p15, 0, r0, c1, c0, 2
    show "CPACR1 ", 0, c1, c0, 2
    mov r0, #0
    mcr p15, 0, r0, c1, c0, 2
    show "TTBCR ", 0, c2, c0, 2
    show "PRRR ", 0, c10, c2, 0
    show "NMRR ", 0, c10, c2, 1
    show "CONTEXTIDR ", 0, c13, c0, 1
    show "CNTFRQ ", 0, c14, c0, 0
    show "CNTKCTL ", 0, c14, c1, 0
    show "CNTP_CTL ", 0, c14, c2, 1
    show "CNTV_CTL ", 0, c14, c3, 1
    show "CBAR ", 4, c15, c0, 0
    show "L2CTLR ", 1, c9, c0, 2
    show "ISR ", 0, c12, c1, 0
    show "PAR ", 0, c7, c4, 0

    @ Maintenance operations are accepted (no output expected but the marker).
    mov r0, #0
    mcr p15, 0, r0, c7, c5, 0      @ ICIALLU
    mcr p15, 0, r0, c7, c5, 6      @ BPIALL
    mcr p15, 0, r0, c7, c1, 0      @ ICIALLUIS
    mcr p15, 0, r0, c7, c10, 4     @ CP15DSB
    mcr p15, 0, r0, c7, c10, 5     @ CP15DMB
    mcr p15, 0, r0, c7, c5, 4      @ CP15ISB
    ldr r0, =0x40000000
    mcr p15, 0, r0, c7, c14, 1     @ DCCIMVAC
    mcr p15, 0, r0, c7, c10, 1     @ DCCMVAC
    mcr p15, 0, r0, c7, c6, 1      @ DCIMVAC
    mcr p15, 0, r0, c7, c11, 1     @ DCCMVAU
    mcr p15, 0, r0, c7, c5, 1      @ ICIMVAU
    mov r0, #0
    mcr p15, 0, r0, c7, c14, 2     @ DCCISW
    mcr p15, 0, r0, c7, c6, 2      @ DCISW
    mcr p15, 0, r0, c7, c10, 2     @ DCCSW
    mcr p15, 0, r0, c8, c7, 0      @ TLBIALL
    mcr p15, 0, r0, c8, c3, 0      @ TLBIALLIS
    mcr p15, 0, r0, c8, c7, 1      @ TLBIMVA
    mcr p15, 0, r0, c8, c7, 2      @ TLBIASID
    mcr p15, 0, r0, c8, c7, 3      @ TLBIMVAA
    mcr p15, 0, r0, c8, c5, 0      @ ITLBIALL
    mcr p15, 0, r0, c8, c6, 0      @ DTLBIALL
    ldr r0, =t_maint
    bl puts

    @ ---------------------------------------------------------------- short descriptors
    ldr r0, =t_short
    bl puts
    @ Clear the tables.
    ldr r0, =L1
    mov r1, #0
    ldr r2, =0x4000 + 0x400
1:  str r1, [r0], #4
    subs r2, r2, #4
    bne 1b
    ldr r5, =L1
    @ Identity sections (AP = 11 full access, domain 0): flash 0x000, devices 0x080-0x0a0, RAM 0x400-0x40f.
    ldr r1, =0x00000c02
    str r1, [r5, #0]
    mov r2, #0x080
2:  orr r3, r1, r2, lsl #20
    str r3, [r5, r2, lsl #2]
    add r2, r2, #1
    cmp r2, #0x0a1
    bne 2b
    mov r2, #0x400
3:  orr r3, r1, r2, lsl #20
    str r3, [r5, r2, lsl #2]
    add r2, r2, #1
    cmp r2, #0x410
    bne 3b
    @ 0x80000000: a section onto SECTION_A, privileged read/write only (AP = 01), domain 0.
    add r12, r5, #0x2000            @ the entries for 0x80000000 up
    ldr r1, =SECTION_A | 0x00000402
    str r1, [r12, #0]
    @ 0x80100000: a coarse table (domain 0).
    ldr r1, =L2 | 0x1
    str r1, [r12, #4]
    @ 0x80200000: a section in domain 3 (made no-access in DACR).
    ldr r1, =SECTION_A | 0x00000c62
    str r1, [r12, #8]
    @ 0x80300000: an execute-never section (XN = bit 4).
    ldr r1, =SECTION_A | 0x00000c12
    str r1, [r12, #12]
    @ 0x80400000: a section with AP[0] = 0 (the access flag when SCTLR.AFE is set): AP = 10.
    ldr r1, =SECTION_A | 0x00000802
    str r1, [r12, #16]
    @ The coarse table: page 0 → PAGE_A read/write all; page 1 → PAGE_B read-only all (APX=1, AP=11:
    @ 0x230); page 2 invalid; page 3 → PAGE_A user read-only, privileged read/write (AP = 10).
    ldr r6, =L2
    ldr r1, =PAGE_A | 0x32
    str r1, [r6, #0]
    ldr r1, =PAGE_B | 0x232
    str r1, [r6, #4]
    ldr r1, =PAGE_A | 0x22
    str r1, [r6, #12]
    @ TTBR0, TTBCR = 0, DACR: domain 0 client, domain 3 no access.
    mcr p15, 0, r5, c2, c0, 0
    mov r0, #0
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
    @ Writes through the mappings show at their physical addresses.
    ldr r7, =0x80000000
    ldr r0, =0x11223344
    str r0, [r7, #0x10]
    ldr r8, =SECTION_A
    ldr r0, [r8, #0x10]
    bl hexline
    ldr r7, =0x80100000
    ldr r0, =0x55667788
    str r0, [r7, #0x20]
    ldr r8, =PAGE_A
    ldr r0, [r8, #0x20]
    bl hexline
    add r9, r7, #0x3000
    ldr r0, [r9, #0x20]             @ page 3 aliases PAGE_A
    bl hexline
    @ ATS1CPR: the physical address of a virtual one, in PAR.
    ldr r0, =0x80100123
    mcr p15, 0, r0, c7, c8, 0
    isb
    mrc p15, 0, r0, c7, c4, 0
    bl hexline
    ldr r0, =0x80102000             @ unmapped: PAR reports the fault
    mcr p15, 0, r0, c7, c8, 0
    isb
    mrc p15, 0, r0, c7, c4, 0
    bl hexline
    @ Faults: each access below aborts; the handler prints DFSR DFAR and skips the instruction.
    add r9, r7, #0x2000
    ldr r0, [r9]                    @ translation fault, page
    ldr r0, =0x12345678
    add r9, r7, #0x1000
    str r0, [r9, #4]                @ permission fault on a read-only page, write
    ldr r0, [r9, #8]                @ reading it is fine
    bl hexline
    ldr r9, =0x80200000
    ldr r0, [r9]                    @ domain fault, section (0x3d9: domain 3)
    ldr r9, =0x90000000
    ldr r0, [r9, #4]                @ translation fault, section (0x5)
    @ Unprivileged accesses from SVC mode: LDRT on a privileged-only section, STRT to a user read-only page.
    ldr r9, =0x80000000
    ldrt r0, [r9]                   @ permission fault, section (0xd)
    add r9, r7, #0x3000
    ldrt r0, [r9]                   @ user may read page 3
    bl hexline
    strt r0, [r9]                   @ user may not write it (0x80f)
    @ The access flag: with SCTLR.AFE, AP[0] = 0 is an access-flag fault (section 0x3).
    mrc p15, 0, r0, c1, c0, 0
    orr r0, r0, #1 << 29
    mcr p15, 0, r0, c1, c0, 0
    mcr p15, 0, r0, c8, c7, 0
    isb
    ldr r9, =0x80400000
    ldr r0, [r9]
    mrc p15, 0, r0, c1, c0, 0
    bic r0, r0, #1 << 29
    mcr p15, 0, r0, c1, c0, 0
    @ Domain 3 as manager: the section is reachable, permissions unchecked.
    mov r0, #0xc1
    mcr p15, 0, r0, c3, c0, 0
    mcr p15, 0, r0, c8, c7, 0
    isb
    ldr r9, =0x80200000
    ldr r0, [r9, #0x10]
    bl hexline
    @ Executing from the XN section: a prefetch abort (IFSR 0xd, IFAR). Copy a "bx lr" there first.
    ldr r9, =SECTION_A + 0x100
    ldr r0, =0xe12fff1e
    str r0, [r9]
    ldr r9, =0x80300100
    adr r11, 4f                     @ where the prefetch-abort handler resumes
    blx r9
4:  ldr r9, =0x80000100             @ the same code through an executable mapping runs
    blx r9
    ldr r0, =t_ran
    bl puts
    @ MMU off again.
    mrc p15, 0, r0, c1, c0, 0
    bic r0, r0, #1
    mcr p15, 0, r0, c1, c0, 0
    isb

    @ ---------------------------------------------------------------- LPAE
    ldr r0, =t_lpae
    bl puts
    ldr r0, =LL1
    mov r1, #0
    ldr r2, =0x3000
1:  str r1, [r0], #4
    subs r2, r2, #4
    bne 1b
    ldr r5, =LL1
    @ Level 1 blocks: 0-1 GiB and 1-2 GiB identity (AF = bit 10, AP[2:1] = 00 privileged RW,
    @ AttrIndx 0); 2-3 GiB a table.
    ldr r1, =0x00000401
    str r1, [r5, #0]
    mov r1, #0
    str r1, [r5, #4]
    ldr r1, =0x40000401
    str r1, [r5, #8]
    mov r1, #0
    str r1, [r5, #12]
    ldr r1, =LL2 | 3
    str r1, [r5, #16]
    mov r1, #0
    str r1, [r5, #20]
    ldr r6, =LL2
    @ 0x80000000: a 2 MiB block onto SECTION_A (0x40200000).
    ldr r1, =SECTION_A | 0x401
    str r1, [r6, #0]
    @ 0x80200000: a level-3 table.
    ldr r1, =LL3 | 3
    str r1, [r6, #8]
    @ 0x80400000: a block without the access flag.
    ldr r1, =SECTION_A | 0x001
    str r1, [r6, #16]
    ldr r8, =LL3
    @ Pages: 0 → PAGE_A RW privileged; 1 → PAGE_B read-only (AP[2] = bit 7); 2 invalid;
    @ 3 → PAGE_A read/write at any level (AP[1] = bit 6); 4 → PAGE_A execute-never (XN = bit 54,
    @ word 1 bit 22).
    ldr r1, =PAGE_A | 0x403
    str r1, [r8, #0]
    ldr r1, =PAGE_B | 0x483
    str r1, [r8, #8]
    ldr r1, =PAGE_A | 0x443
    str r1, [r8, #24]
    ldr r1, =PAGE_A | 0x403
    str r1, [r8, #32]
    mov r1, #1 << 22
    str r1, [r8, #36]
    @ MAIR0/1, TTBR0 (64 bits through MCRR), TTBCR.EAE.
    ldr r0, =0x000000ff
    mcr p15, 0, r0, c10, c2, 0
    mov r0, #0
    mcr p15, 0, r0, c10, c2, 1
    ldr r0, =LL1
    mov r1, #0
    mcrr p15, 0, r0, r1, c2
    ldr r0, =0x80000000
    mcr p15, 0, r0, c2, c0, 2
    mrc p15, 0, r0, c2, c0, 2
    bl hexline
    mrrc p15, 0, r0, r1, c2
    bl hexline
    mcr p15, 0, r0, c8, c7, 0
    mrc p15, 0, r0, c1, c0, 0
    orr r0, r0, #1
    mcr p15, 0, r0, c1, c0, 0
    isb
    ldr r0, =t_mmu_on
    bl puts
    ldr r7, =0x80000000
    ldr r0, =0x99aabbcc
    str r0, [r7, #0x30]
    ldr r9, =SECTION_A
    ldr r0, [r9, #0x30]
    bl hexline
    ldr r7, =0x80200000
    ldr r0, [r7, #0x20]             @ PAGE_A + 0x20, written earlier
    bl hexline
    ldr r0, =0x80200123             @ ATS1CPR with the long format: PAR is 64 bits
    mcr p15, 0, r0, c7, c8, 0
    isb
    mrrc p15, 0, r0, r1, c7
    bl hexline
    add r9, r7, #0x2000
    ldr r0, [r9]                    @ translation fault, level 3
    ldr r0, =0x5a5a5a5a
    add r9, r7, #0x1000
    str r0, [r9]                    @ permission fault, level 3, write
    ldr r9, =0x80400000
    ldr r0, [r9]                    @ access flag fault, level 2 (0x20a)
    ldr r9, =0xc0000000
    ldr r0, [r9]                    @ translation fault, level 1 (0x205)
    ldrt r0, [r7]                   @ unprivileged read of a privileged page: permission, level 3 (0x20f)
    add r9, r7, #0x3000
    ldrt r0, [r9]                   @ AP[1] = 1: user may read
    bl hexline
    @ Execute-never page: a prefetch abort with IFSR 0x20f.
    ldr r9, =PAGE_A + 0x100
    ldr r0, =0xe12fff1e
    str r0, [r9]
    ldr r9, =0x80204100
    adr r11, 5f
    blx r9
5:  ldr r9, =0x80200100
    blx r9
    ldr r0, =t_ran
    bl puts
    mrc p15, 0, r0, c1, c0, 0
    bic r0, r0, #1
    mcr p15, 0, r0, c1, c0, 0
    isb
    mov r0, #0
    mcr p15, 0, r0, c2, c0, 2

    @ ---------------------------------------------------------------- generic timer
    ldr r0, =t_timer
    bl puts
    ldr r5, =GICD
    ldr r6, =GICC
    mov r0, #1
    str r0, [r5]                    @ GICD_CTLR
    ldr r0, =(1 << 30) | (1 << 27)
    str r0, [r5, #0x100]            @ GICD_ISENABLER0: PPIs 30 (physical) and 27 (virtual)
    mov r0, #0xf0
    str r0, [r6, #4]                @ GICC_PMR
    mov r0, #1
    str r0, [r6]                    @ GICC_CTLR
    mrrc p15, 0, r0, r1, c14        @ CNTPCT
    mov r7, r0
    mrrc p15, 0, r0, r1, c14
    subs r0, r0, r7
    movhi r0, #1                    @ 1 when the counter moved forwards
    bl hexline
    ldr r0, =625                    @ 10 µs at 62.5 MHz
    mcr p15, 0, r0, c14, c2, 0      @ CNTP_TVAL
    mov r0, #1
    mcr p15, 0, r0, c14, c2, 1      @ CNTP_CTL: enable
    mov r10, #0
6:  cmp r10, #0                     @ wait with IRQs masked (WFI wakes for a pending one), then take it
    bne 86f
    wfi
    cpsie i
    cpsid i
    b 6b
86:
    @ The virtual timer through CVAL = CNTVCT + 100.
    mrrc p15, 1, r0, r1, c14        @ CNTVCT
    adds r0, r0, #100
    adc r1, r1, #0
    mcrr p15, 3, r0, r1, c14        @ CNTV_CVAL
    mov r0, #1
    mcr p15, 0, r0, c14, c3, 1
    mov r10, #0
7:  cmp r10, #0                     @ wait with IRQs masked (WFI wakes for a pending one), then take it
    bne 87f
    wfi
    cpsie i
    cpsid i
    b 7b
87:
    mrc p15, 0, r0, c14, c2, 1
    bl hexline                      @ physical timer: enabled, masked, condition met (7)
    mrc p15, 0, r0, c14, c2, 0
    cmp r0, #0
    movlt r0, #1                    @ TVAL counts down past zero: negative
    bl hexline

    ldr r0, =t_done
    bl puts
    ldr r0, =0x84000008             @ PSCI SYSTEM_OFF
    hvc #0
    b .

@ ---------------------------------------------------------------- handlers
irq:
    push {r0-r3, r12, lr}
    ldr r1, =GICC
    ldr r2, [r1, #0xc]              @ GICC_IAR
    mov r3, r2
    ldr r0, =t_irq
    bl puts
    mov r0, r3
    bl hexline
    cmp r3, #30
    mrceq p15, 0, r0, c14, c2, 1
    orreq r0, r0, #2                @ mask the physical timer (IMASK)
    mcreq p15, 0, r0, c14, c2, 1
    cmp r3, #27
    moveq r0, #0
    mcreq p15, 0, r0, c14, c3, 1    @ disable the virtual timer
    ldr r1, =GICC
    str r3, [r1, #0x10]             @ GICC_EOIR
    mov r10, #1
    pop {r0-r3, r12, lr}
    subs pc, lr, #4

svc:
    movs pc, lr

@ ---------------------------------------------------------------- the shared handlers and output

    .include "virt-common.inc"

    .ltorg
t_ids:      .asciz "cp15 identification\n"
t_maint:    .asciz "maintenance operations accepted\n"
t_short:    .asciz "short descriptors\n"
t_lpae:     .asciz "long descriptors\n"
t_mmu_on:   .asciz "mmu on\n"
t_ran:      .asciz "ran\n"
t_timer:    .asciz "generic timer\n"
t_irq:      .asciz "irq "
t_done:     .asciz "done\n"
