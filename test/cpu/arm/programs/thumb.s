@ Thumb branches, calls and interworking: B T1-T4 with every condition, BL, BLX to ARM code
@ (immediate, including a target at an odd halfword, and register), BX/BLX/POP/LDR PC/LDM
@ returns across the instruction sets, CBZ/CBNZ, TBB/TBH jump tables, IT blocks that end with a
@ branch, MOV/ADD to the PC (no interworking), a 32-bit instruction across a page boundary, and
@ self-modifying Thumb code (a halfword stored over an instruction already run).
	.syntax unified
	.text
	.global _start
	.arm
_start:
	mov	r7, #0
	adr	r0, thumb_entry + 1
	bx	r0

	.thumb
	.thumb_func
thumb_entry:
	movs	r0, #0
	movs	r1, #10
1:	adds	r0, r0, r1
	subs	r1, #1
	bne	1b
	cmp	r0, #55
	bne.w	fail
	bl	leaf_thumb
	blx	leaf_arm
	adr	r2, leaf_arm
	blx	r2
	ldr	r3, =leaf_thumb
	blx	r3
	bl	returns_via_pop
	bl	returns_via_ldr
	bl	returns_via_ldm
	blx	arm_calls_thumb
	@ CBZ/CBNZ both ways.
	movs	r4, #0
	movs	r5, #0
	cbz	r4, 2f
	movs	r5, #1
2:	cbnz	r4, 3f
	movs	r4, #3
	cbnz	r4, 3f
	movs	r5, #2
3:	cbz	r4, fail_near
	@ TBB with the table after the instruction, then TBH and TBB with a register base.
	movs	r4, #0
tbb_loop:
	cmp	r4, #4
	bhs	tbb_done
	tbb	[pc, r4]
tbb_table:
	.byte	(case0 - tbb_table) / 2, (case1 - tbb_table) / 2, (case2 - tbb_table) / 2, (case3 - tbb_table) / 2
case0:	adds	r5, #1
	b	tbb_next
case1:	adds	r5, #0x10
	b	tbb_next
case2:	adds	r5, #0x20
	b.w	tbb_next
case3:	adds	r5, #0x40
tbb_next:
	adds	r4, #1
	b	tbb_loop
fail_near:
	b	fail
tbb_done:
	movs	r4, #2
tbh_loop:
	tbh	[pc, r4, lsl #1]
tbh_table:
	.hword	(tcase0 - tbh_table) / 2, (tcase1 - tbh_table) / 2, (tcase2 - tbh_table) / 2
tcase2:	adds	r5, #3
tcase1:	adds	r5, #5
tcase0:	subs	r4, #1
	bpl	tbh_loop
	adr	r6, byte_table
	movs	r4, #1
	tbb	[r6, r4]
tbb_base:
	b	fail
	nop
rcase1:	adds	r5, #7
	@ Conditional branches (T1 narrow and T3 wide) over all flag states, and IT blocks ending in branches.
	movs	r6, #0
	movs	r8, #0
flags_loop:
	lsl	r9, r8, #28
	msr	APSR_nzcvq, r9
	bhi	4f
	adds	r6, #1
4:	bge.w	5f
	adds	r6, #2
5:	bgt	6f
	adds	r6, #4
6:	bvs.w	7f
	adds	r6, #8
7:	bls	8f
	adds	r6, #16
8:	blt.w	9f
	adds	r6, #32
9:	ble	10f
	adds	r6, #64
10:	bcc	11f
	add	r6, #128
11:	bmi.w	12f
	add	r6, #256
12:	it	eq
	beq	13f
	add	r6, #512
13:	ite	pl
	addpl	r6, #1024
	bmi.w	14f
	itt	cs
	addcs	r6, #2048
	blcs	leaf_thumb
14:	itet	vc
	addvc	r6, r6, #1
	addvs	r6, r6, #2
	blxvc	leaf_arm
	adds	r8, #1
	cmp	r8, #16
	bne	flags_loop
	@ MOV and ADD to the PC stay in Thumb (ALUWritePC); ADD PC jump table.
	adr	r0, 15f
	mov	pc, r0
	b	fail
	.balign	4
15:	movs	r4, #1
	lsls	r4, r4, #1
	add	pc, r4
	nop
	b	fail
	b	16f
	b	fail
16:	@ A 32-bit instruction across a page boundary.
	b.w	straddle
back_from_straddle:
	@ Self-modifying code: store `movs r0, #1` over `movs r0, #2` after running it once.
	movs	r1, #0
smc_loop:
smc_target:
	movs	r0, #2
	adds	r1, #1
	adr	r2, smc_target
	movw	r3, #0x2001
	strh	r3, [r2]
	cmp	r1, #2
	bne	smc_loop
	@ Exit.
	movs	r7, #1
	movs	r0, #0
	svc	#0
fail:
	movs	r7, #1
	movs	r0, #1
	svc	#0

	.balign	4
byte_table:
	.byte	(tbb_base - tbb_base) / 2, (rcase1 - tbb_base) / 2, 0, 0

	.thumb_func
leaf_thumb:
	adds	r7, #1
	bx	lr

	.thumb_func
returns_via_pop:
	push	{r4, lr}
	movs	r4, #9
	adds	r7, r4
	pop	{r4, pc}

	.thumb_func
returns_via_ldr:
	str	lr, [sp, #-8]!
	adds	r7, #2
	ldr	pc, [sp], #8

	.thumb_func
returns_via_ldm:
	push.w	{r4, r5, lr}
	adds	r7, #3
	ldmia.w	sp!, {r4, r5, pc}

	.thumb_func
thumb_returns_to_arm:
	push	{lr}
	adds	r7, #4
	pop	{pc}

	.arm
leaf_arm:
	add	r7, r7, #0x100
	bx	lr

arm_calls_thumb:
	push	{r4, lr}
	blx	thumb_returns_to_arm
	adr	r4, thumb_odd + 1
	blx	r4
	blx	thumb_odd
	pop	{r4, pc}

	.thumb
	.balign	4
	nop
	.thumb_func
thumb_odd:
	adds	r7, #0x20
	bx	lr

	.ltorg
	.balign	4096
	.space	4094
	.thumb_func
straddle:
	movw	r6, #0x1234
	movt	r6, #0x5678
	b.w	back_from_straddle
