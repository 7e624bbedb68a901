@ Privileged VFP/Advanced SIMD access control for the bare-metal differential test
@ (qemu-system-arm -M virt, -bios): CPACR cp10/cp11 at reset (no access: UNDEFINED), privileged
@ only, full; FPEXC.EN clear (only FPSID, FPEXC, MVFR0/1 accessible, from PL1) and set; what user
@ mode may reach (FPSCR, not FPSID/FPEXC); VFP and Advanced SIMD instructions UNDEFINED and then
@ working. Results go through core registers, which the comparison sees. Ends with the
@ semihosting exit call (svc 0x123456).
	.syntax unified
	.arm
	.fpu	neon-vfpv4
	.text
	.global _start
_start:
	b	reset
	b	undefined_handler
	b	svc_handler
	b	.
	b	.
	nop
	b	.
	b	.
reset:
	movw	r12, #0x0000
	movt	r12, #0x4010		@ r12 = data area
	cps	#0x1b			@ und
	add	sp, r12, #0x4000
	cps	#0x1f			@ sys (and usr)
	add	sp, r12, #0x5000
	cps	#0x13			@ svc
	add	sp, r12, #0x6000
	mov	r10, #0			@ undefined instructions taken
	@ CPACR is 0 at reset: everything of CP10/CP11 is UNDEFINED.
	mrc	p15, 0, r1, c1, c0, 2
	vmrs	r0, fpsid
	vadd.f32 s0, s1, s2
	vadd.i32 d0, d1, d2
	@ Privileged-only access (01) for cp10 and cp11; FPEXC.EN still clear.
	mov	r0, #0x00500000
	mcr	p15, 0, r0, c1, c0, 2
	isb
	mrc	p15, 0, r1, c1, c0, 2
	vmrs	r2, fpsid
	vmrs	r3, fpexc
	vmrs	r4, mvfr0
	vmrs	r5, mvfr1
	vmrs	r6, fpscr		@ UNDEFINED: FPEXC.EN = 0
	vadd.f32 s0, s1, s2		@ UNDEFINED
	vld1.8	{d0}, [sp]		@ UNDEFINED
	@ Enable: FPEXC.EN.
	mov	r0, #0x40000000
	vmsr	fpexc, r0
	vmrs	r3, fpexc
	vmov.f32 s0, #1.5
	vadd.f32 s1, s0, s0
	vmov	r6, s1
	movw	r0, #0x009f
	movt	r0, #0x0f00		@ QC, AHP, DN, FZ and every flag
	vmsr	fpscr, r0
	vmrs	r7, fpscr
	vmrs	APSR_nzcv, fpscr
	mrs	r8, CPSR
	vmov.i32 d3, #0x55
	vadd.i32 d4, d3, d3
	vmov	r8, r9, d4
	vst1.32	{d4}, [sp]
	vldr	d5, [sp]
	vmov	r4, r5, d5
	@ User mode with privileged-only access: UNDEFINED; SVC #1 comes back in SVC mode.
	cps	#0x10
	vmov	r8, s1
	vmrs	r9, fpscr
	svc	#1
	@ Full access: user mode reaches FPSCR and the data registers, not FPSID or FPEXC.
	mov	r0, #0x00f00000
	mcr	p15, 0, r0, c1, c0, 2
	isb
	mrc	p15, 0, r1, c1, c0, 2
	cps	#0x10
	vmov	r8, s1
	vmrs	r9, fpscr
	vmrs	r2, fpsid		@ UNDEFINED in user mode
	vmrs	r3, fpexc		@ UNDEFINED in user mode
	vmsr	fpexc, r0		@ UNDEFINED in user mode
	vadd.i32 d6, d3, d4
	vmov	r4, r5, d6
	svc	#1
	@ FPEXC.EN clear again: Advanced SIMD and VFP data processing UNDEFINED, FPEXC still readable.
	mov	r0, #0
	vmsr	fpexc, r0
	vmrs	r3, fpexc
	vadd.i32 d0, d1, d2
	vmov	r0, s0
	mov	r0, #0x40000000
	vmsr	fpexc, r0
	vadd.i32 d0, d3, d4
	vmov	r0, r1, d0
	@ Finish: semihosting SYS_EXIT, ADP_Stopped_ApplicationExit.
	mov	r0, #0x18
	movw	r1, #0x0026
	movt	r1, #0x2
	svc	0x123456

undefined_handler:
	mrs	r11, SPSR
	add	r10, r10, #1
	movs	pc, lr			@ on to the next instruction (ARM state: LR = the next one)
svc_handler:
	mrs	r7, SPSR		@ svc #1 from user mode: return in SVC mode
	bic	r7, r7, #0x1f
	orr	r7, r7, #0x13
	msr	SPSR_fsxc, r7
	movs	pc, lr
