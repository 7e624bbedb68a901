@ Privileged Thumb code for the bare-metal differential test (qemu-system-arm -M virt, -bios):
@ exceptions taken from Thumb state and their return links (SVC, also inside an IT block; UDF
@ of 16 and 32 bits; BKPT; an alignment fault, also inside an IT block), SPSR.T and ITSTATE,
@ MRS/MSR of the SPSR, CPS, SRS/RFE and SUBS PC, LR in Thumb, a return to user mode in Thumb, and
@ exceptions taken *to* Thumb (SCTLR.TE). ARM handlers at 0; ends in ARM state with the
@ semihosting exit call (svc 0x123456).
	.syntax unified
	.text
	.global _start
	.arm
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
	cps	#0x1b
	add	sp, r12, #0x4000
	cps	#0x17
	add	sp, r12, #0x3000
	cps	#0x13
	add	sp, r12, #0x6000
	mov	r10, #0
	adr	r0, thumb_main + 1
	bx	r0

	.thumb
	.thumb_func
thumb_main:
	@ SVC from Thumb, then inside an IT block.
	svc	#3
	cmp	r10, #0
	itte	eq
	svceq	#4
	addeq	r10, #1
	addne	r10, #2
	@ UDF: LR = the instruction + 2 whatever its size.
	udf	#1
	udf.w	#2
	nop
	@ BKPT: a prefetch abort, LR = the instruction + 4.
	bkpt	#3
	nop
	@ Alignment faults (SCTLR.A): LR = the instruction + 8; one in an IT block.
	mrc	p15, 0, r0, c1, c0, 0
	orr	r0, r0, #2
	mcr	p15, 0, r0, c1, c0, 0
	add	r1, r12, #0x101
	ldr.w	r2, [r1]
	cmp	r1, #0
	itt	ne
	ldrne.w	r3, [r1, #4]
	addne	r3, #1
	nop
	bic	r0, r0, #2
	mcr	p15, 0, r0, c1, c0, 0
	@ CPS, MRS/MSR SPSR in Thumb.
	cps	#0x1f
	mov	r3, sp
	cps	#0x13
	cpsid	if
	cpsie	a
	mrs	r4, CPSR
	mrs	r5, SPSR
	movw	r6, #0x01f0
	movt	r6, #0xf00f
	msr	SPSR_fsxc, r6
	mrs	r7, SPSR
	@ SRS and RFE: return to after_rfe (Thumb) with a chosen CPSR.
	adr	lr, after_rfe + 1
	mrs	r0, CPSR
	orr	r0, r0, #0x20
	bic	r0, r0, #0xf0000000
	orr	r0, r0, #0x40000000
	msr	SPSR_fsxc, r0
	srsdb	sp!, #0x13
	mov	r8, sp
	rfeia	sp!
	nop
	.balign	4
after_rfe:
	mov	r9, sp
	@ SUBS PC, LR into user mode (Thumb); SVC #1 from there comes back in SVC mode.
	adr	lr, user_code + 1
	movs	r0, #0x30
	msr	SPSR_fsxc, r0
	subs	pc, lr, #0
	.balign	4
user_code:
	adds	r10, #0x10
	svc	#1
	mrs	r4, CPSR
	@ Exceptions taken to Thumb: SCTLR.TE and a Thumb vector table.
	adr	r0, thumb_vectors
	mcr	p15, 0, r0, c12, c0, 0
	mrc	p15, 0, r0, c1, c0, 0
	orr	r0, r0, #0x40000000
	mcr	p15, 0, r0, c1, c0, 0
	svc	#5
	udf	#7
	bic	r0, r0, #0x40000000
	mcr	p15, 0, r0, c1, c0, 0
	movs	r0, #0
	mcr	p15, 0, r0, c12, c0, 0
	@ Back to ARM for the exit.
	adr	r0, arm_exit
	bx	r0

	.balign	32
thumb_vectors:
	b.w	.
	b.w	thumb_undefined
	b.w	thumb_svc
	b.w	.
	b.w	.
	b.w	.
	b.w	.
	b.w	.
	.thumb_func
thumb_svc:
	mrs	r11, SPSR
	movs	r9, #0x77
	movs	pc, lr
	.thumb_func
thumb_undefined:
	mrs	r11, SPSR
	adds	r10, #0x40
	movs	pc, lr

	.arm
	.balign	4
arm_exit:
	mov	r0, #0x18
	movw	r1, #0x0026
	movt	r1, #0x2
	svc	0x123456

undefined_handler:
	mrs	r11, SPSR
	add	r10, r10, #1
	tst	r11, #0x20
	beq	1f
	ldrh	r9, [lr, #-2]
	cmp	r9, #0xe800
	addhs	lr, lr, #2		@ a 32-bit UDF: skip its second halfword too
1:	movs	pc, lr
svc_handler:
	mrs	r5, SPSR
	tst	r5, #0x20
	ldrhne	r6, [lr, #-2]
	andne	r6, r6, #0xff
	ldreq	r6, [lr, #-4]
	biceq	r6, r6, #0xff000000
	cmp	r6, #1			@ svc #1 from user mode: return in svc mode
	bne	1f
	mrs	r7, SPSR
	bic	r7, r7, #0x1f
	orr	r7, r7, #0x13
	msr	SPSR_fsxc, r7
1:	movs	pc, lr
prefetch_handler:
	mrc	p15, 0, r8, c5, c0, 1	@ IFSR
	mrs	r11, SPSR
	tst	r11, #0x20
	subne	lr, lr, #2		@ BKPT in Thumb: on to the next halfword
	movs	pc, lr
abort_handler:
	mrc	p15, 0, r8, c5, c0, 0	@ DFSR
	mrc	p15, 0, r9, c6, c0, 0	@ DFAR
	mrs	r11, SPSR
	subs	pc, lr, #4		@ skip the faulting (32-bit) instruction
