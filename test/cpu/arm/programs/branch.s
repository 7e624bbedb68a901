@ Branches, calls and returns in ARM state: B/BL with every condition, BX/BLX to registers,
@ returns through MOV/LDR/LDM/POP into the PC, a jump table, loops, MRS/MSR of the APSR, and
@ self-modifying code (the core must see a word it stored over an instruction it already ran).
	.syntax unified
	.arm
	.text
	.global _start
_start:
	mov	r0, #0
	mov	r1, #10
loop:	add	r0, r0, r1
	subs	r1, r1, #1
	bne	loop
	bl	leaf
	adr	r2, leaf
	blx	r2
	adr	r3, returns_via_ldr
	blx	r3
	bl	returns_via_pop
	bl	returns_via_ldm
	@ A jump table: ldr pc, [pc, rX, lsl #2].
	mov	r4, #0
table_loop:
	cmp	r4, #3
	bhs	table_done
	ldr	pc, [pc, r4, lsl #2]
	nop
	.word	case0, case1, case2
case0:	add	r5, r5, #1
	b	table_next
case1:	add	r5, r5, #0x10
	b	table_next
case2:	add	r5, r5, #0x100
table_next:
	add	r4, r4, #1
	b	table_loop
table_done:
	@ Conditional branches over all flag states.
	mov	r6, #0
	mov	r8, #0
flags_loop:
	lsl	r9, r8, #28
	msr	APSR_nzcvq, r9
	bhi	1f
	add	r6, r6, #1
1:	bge	2f
	add	r6, r6, #2
2:	bgt	3f
	add	r6, r6, #4
3:	blvs	leaf
	blle	leaf
	add	r8, r8, #1
	cmp	r8, #16
	blt	flags_loop
	mrs	r7, APSR
	@ MOV PC and ADD PC.
	adr	r9, after_mov
	mov	pc, r9
	mov	r0, #0xbad
after_mov:
	add	pc, pc, #4
	mov	r0, #0xbad
	mov	r0, #0xbad
	movs	r10, #0
	@ Self-modifying code: overwrite the next instruction after it ran once.
	mov	r11, #2
smc_loop:
	adr	r12, smc_target
smc_target:
	mov	r0, #1
	ldr	r9, smc_replacement
	str	r9, [r12]
	subs	r11, r11, #1
	bne	smc_loop
	mov	r7, #1
	svc	#0

leaf:	add	r0, r0, #3
	bx	lr

returns_via_ldr:
	push	{lr}
	add	r0, r0, #5
	ldr	pc, [sp], #4

returns_via_pop:
	push	{r4, lr}
	mov	r4, #0x55
	add	r0, r0, r4
	pop	{r4, pc}

returns_via_ldm:
	stmdb	sp!, {r4-r6, lr}
	mov	r4, #7
	add	r0, r0, r4
	ldmia	sp!, {r4-r6, pc}

smc_replacement:
	mov	r0, #2
