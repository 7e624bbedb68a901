@ Privileged ARM code for the bare-metal differential test (qemu-system-arm -M virt, -bios):
@ exceptions and their returns, modes and banked registers, CPSR/SPSR moves, CPS, SRS/RFE,
@ LDM/STM with ^, VBAR, CP15 identification and thread registers, alignment faults with DFSR
@ and DFAR, BKPT with IFSR, SETEND. Runs from flash at 0; data and stacks in RAM at 0x40100000.
@ Ends with the semihosting exit call (svc 0x123456), where the comparison stops.
	.syntax unified
	.arm
	.text
	.global _start
_start:
	b	reset
	b	undefined_handler
	b	svc_handler
	b	prefetch_handler
	b	abort_handler
	nop
	b	.
	b	.
reset:
	movw	r12, #0x0000
	movt	r12, #0x4010		@ r12 = data area
	@ A stack per mode, set through CPS: the banked SPs must come back.
	cps	#0x11			@ fiq
	add	sp, r12, #0x1000
	mov	r8, #0x88
	mov	r9, #0x99
	cps	#0x12			@ irq
	add	sp, r12, #0x2000
	cps	#0x17			@ abt
	add	sp, r12, #0x3000
	cps	#0x1b			@ und
	add	sp, r12, #0x4000
	cps	#0x1f			@ sys
	add	sp, r12, #0x5000
	mov	lr, #0x55
	cps	#0x13			@ svc
	add	sp, r12, #0x6000
	mov	r8, #8
	cps	#0x11
	mov	r0, r8			@ FIQ's r8 again
	mov	r1, sp
	cps	#0x1f
	mov	r2, lr
	mov	r3, sp
	msr	CPSR_c, #0xd3		@ back to svc with MSR
	mov	r4, r8
	mov	r5, sp
	@ CP15: identification, SCTLR, thread registers.
	mrc	p15, 0, r0, c0, c0, 0
	mrc	p15, 0, r1, c0, c0, 1
	mrc	p15, 0, r2, c0, c0, 5
	mrc	p15, 0, r3, c1, c0, 0
	movw	r4, #0x5678
	mcr	p15, 0, r4, c13, c0, 2
	mcr	p15, 0, r4, c13, c0, 3
	mcr	p15, 0, r4, c13, c0, 4
	mrc	p15, 0, r5, c13, c0, 2
	mrc	p15, 0, r6, c13, c0, 3
	mrc	p15, 0, r7, c13, c0, 4
	@ SVC and UDF from SVC mode and from user mode.
	mov	r0, #1
	svc	#7
	.word	0xe7f000f0
	mrc	p14, 0, r0, c0, c0, 0	@ DBGDIDR
	mrc	p13, 0, r0, c0, c0, 0	@ no coprocessor 13: UNDEFINED
	@ SPSR moves.
	msr	SPSR_fsxc, #0x80000010
	mrs	r6, SPSR
	msr	SPSR_f, #0x40000000
	mrs	r7, SPSR
	@ An alignment fault: SCTLR.A on, an unaligned LDR, then off again.
	mrc	p15, 0, r0, c1, c0, 0
	orr	r1, r0, #2
	mcr	p15, 0, r1, c1, c0, 0
	add	r2, r12, #0x100
	add	r2, r2, #1
	ldr	r3, [r2]
	str	r3, [r2]
	mcr	p15, 0, r0, c1, c0, 0
	ldr	r3, [r2]
	@ LDRD needs word alignment whatever SCTLR.A says.
	ldrd	r4, r5, [r2, #1]
	@ BKPT: a prefetch abort with the debug status.
	bkpt	#0x12
	@ STM^ and LDM^ (user registers).
	add	r0, r12, #0x7000
	stmia	r0, {sp, lr}^
	ldmia	r0, {r1, r2}
	mov	r3, #0x33
	mov	r4, #0x44
	stmia	r0, {r3, r4}
	ldmia	r0, {sp, lr}^
	nop
	cps	#0x1f
	mov	r5, sp
	mov	r6, lr
	cps	#0x13
	@ SRS to the IRQ stack, RFE back from it into user mode, SVC back to SVC mode.
	adr	lr, in_user
	mov	r0, #0x10
	msr	SPSR_fsxc, r0
	srsdb	sp!, #0x12
	cps	#0x12
	mov	r7, sp
	rfeia	sp!
in_user:
	mov	r8, #1
	mrs	r9, APSR
	cpsid	i			@ a NOP in user mode
	msr	CPSR_c, #0x13		@ ignored in user mode
	mrs	r10, APSR
	svc	#1			@ the handler returns to svc mode (see below)
	@ An exception return with LDM ^.
	adr	r0, after_ldm
	push	{r0}
	mov	r0, #0x1f
	msr	SPSR_fsxc, r0
	ldmfd	sp!, {pc}^
after_ldm:
	mrs	r1, CPSR
	cps	#0x13
	@ VBAR moves the vectors.
	adr	r0, vectors2
	mcr	p15, 0, r0, c12, c0, 0
	svc	#2
	mov	r0, #0
	mcr	p15, 0, r0, c12, c0, 0
	@ SETEND: big-endian data.
	movw	r0, #0x3344
	movt	r0, #0x1122
	str	r0, [r12, #0x200]
	setend	be
	ldr	r1, [r12, #0x200]
	add	r0, r12, #0x200
	ldrh	r2, [r0]
	str	r1, [r12, #0x204]
	setend	le
	ldr	r3, [r12, #0x204]
	@ Exclusives and SWP in system code.
	add	r0, r12, #0x400
	ldrex	r1, [r0]
	strex	r2, r3, [r0]
	strex	r2, r3, [r0]
	swp	r4, r5, [r0]
	@ Finish: semihosting SYS_EXIT, ADP_Stopped_ApplicationExit.
	mov	r0, #0x18
	movw	r1, #0x0026
	movt	r1, #0x2
	svc	0x123456

undefined_handler:
	mrs	r11, SPSR
	add	r10, r10, #1
	movs	pc, lr
svc_handler:
	mrs	r5, SPSR
	ldr	r6, [lr, #-4]
	bic	r6, r6, #0xff000000
	cmp	r6, #1			@ svc #1 from user mode: return in svc mode
	bne	1f
	mrs	r7, SPSR
	bic	r7, r7, #0x1f
	orr	r7, r7, #0x13
	msr	SPSR_fsxc, r7
1:	movs	pc, lr
prefetch_handler:
	mrc	p15, 0, r8, c5, c0, 1	@ IFSR
	mrc	p15, 0, r9, c6, c0, 2	@ IFAR
	movs	pc, lr			@ BKPT: on to the next instruction
abort_handler:
	mrc	p15, 0, r8, c5, c0, 0	@ DFSR
	mrc	p15, 0, r9, c6, c0, 0	@ DFAR
	mrs	r11, SPSR
	subs	pc, lr, #4		@ skip the faulting instruction

	.balign	32
vectors2:
	b	.
	b	.
	b	vbar_svc
	b	.
	b	.
	b	.
	b	.
	b	.
vbar_svc:
	mov	r11, #0x77
	movs	pc, lr
