@ The VFP and Advanced SIMD corpus of test/cpu/arm/disasm-simd.test.ts: one instruction a line,
@ assembled for A32 and for Thumb by make-disasm-simd.sh (the lines after "@ A32 only" are
@ conditional, which Thumb allows only in an IT block, so they are assembled for A32 alone).
vmov.f32 s0, #1.0
vmov.f64 d1, #-2.5
vmov.f32 s3, #0.125
vmov.f32 s1, s2
vmov.f64 d2, d17
vmov r0, s1
vmov s31, r12
vmov d3, r4, r5
vmov r6, r7, d30
vmov s2, s3, r8, r9
vmov r10, r11, s30, s31
vmov.32 d5[1], r3
vmov.16 d6[3], r2
vmov.8 d31[7], r1
vmov.32 r0, d5[0]
vmov.s16 r2, d6[1]
vmov.u16 r2, d6[2]
vmov.s8 r3, d7[5]
vmov.u8 lr, d7[0]
vmrs APSR_nzcv, fpscr
vmrs r0, fpscr
vmrs r1, fpexc
vmrs r2, fpsid
vmrs r3, mvfr0
vmrs r4, mvfr1
vmsr fpscr, r0
vmsr fpexc, r1
vldr s0, [r0]
vldr s1, [r1, #-4]
vldr d2, [r2, #1020]
vstr d31, [sp, #-8]
vstr s15, [r3, #12]
vldr d0, [pc, #16]
vldmia r0, {s0-s3}
vldmia r0!, {d0-d3}
vldmdb r1!, {s4-s7}
vstmia r2, {d16-d31}
vstmdb r3!, {d8}
vstmia r4!, {s31}
vpush {d8-d15}
vpop {s16-s19}
vpush {s0}
vpop {d0}
fldmiax r0!, {d0-d1}
fstmdbx sp!, {d8-d9}
vadd.f32 s0, s1, s2
vadd.f64 d0, d1, d2
vsub.f32 s3, s4, s5
vsub.f64 d16, d17, d18
vmul.f32 s6, s7, s8
vmul.f64 d3, d4, d5
vdiv.f32 s9, s10, s11
vdiv.f64 d6, d7, d8
vnmul.f32 s0, s1, s2
vnmul.f64 d0, d1, d2
vmla.f32 s0, s1, s2
vmla.f64 d0, d1, d2
vmls.f32 s0, s1, s2
vmls.f64 d0, d1, d2
vnmla.f32 s0, s1, s2
vnmla.f64 d0, d1, d2
vnmls.f32 s0, s1, s2
vnmls.f64 d0, d1, d2
vfma.f32 s0, s1, s2
vfma.f64 d0, d1, d2
vfms.f32 s0, s1, s2
vfms.f64 d0, d1, d2
vfnma.f32 s0, s1, s2
vfnma.f64 d0, d1, d2
vfnms.f32 s0, s1, s2
vfnms.f64 d0, d1, d2
vabs.f32 s0, s1
vabs.f64 d0, d1
vneg.f32 s0, s1
vneg.f64 d0, d1
vsqrt.f32 s0, s1
vsqrt.f64 d0, d1
vcmp.f32 s0, s1
vcmp.f64 d0, d1
vcmpe.f32 s0, s1
vcmpe.f64 d0, d1
vcmp.f32 s0, #0
vcmp.f64 d0, #0
vcmpe.f32 s0, #0
vcmpe.f64 d0, #0
vcvt.f64.f32 d0, s1
vcvt.f32.f64 s0, d1
vcvt.s32.f32 s0, s1
vcvt.u32.f32 s0, s1
vcvt.s32.f64 s0, d1
vcvt.u32.f64 s0, d1
vcvtr.s32.f32 s0, s1
vcvtr.u32.f32 s0, s1
vcvtr.s32.f64 s0, d1
vcvtr.u32.f64 s0, d1
vcvt.f32.s32 s0, s1
vcvt.f32.u32 s0, s1
vcvt.f64.s32 d0, s1
vcvt.f64.u32 d0, s1
vcvt.s32.f32 s0, s0, #8
vcvt.u16.f32 s1, s1, #3
vcvt.f32.s32 s2, s2, #12
vcvt.f32.u16 s3, s3, #16
vcvt.s16.f64 d0, d0, #1
vcvt.u32.f64 d1, d1, #32
vcvt.f64.s32 d2, d2, #20
vcvt.f64.u16 d3, d3, #7
vcvtb.f32.f16 s0, s1
vcvtt.f32.f16 s0, s1
vcvtb.f16.f32 s0, s1
vcvtt.f16.f32 s0, s1
vadd.i8 d0, d1, d2
vadd.i16 q0, q1, q2
vadd.i32 d0, d1, d2
vadd.i64 q8, q9, q10
vsub.i8 d0, d1, d2
vsub.i64 q0, q1, q2
vadd.f32 d0, d1, d2
vadd.f32 q0, q1, q2
vsub.f32 q0, q1, q2
vmul.f32 d0, d1, d2
vmla.f32 q0, q1, q2
vmls.f32 d0, d1, d2
vfma.f32 d0, d1, d2
vfms.f32 q0, q1, q2
vabd.f32 d0, d1, d2
vpadd.f32 d0, d1, d2
vmax.f32 d0, d1, d2
vmin.f32 q0, q1, q2
vpmax.f32 d0, d1, d2
vpmin.f32 d0, d1, d2
vceq.f32 d0, d1, d2
vcge.f32 d0, d1, d2
vcgt.f32 q0, q1, q2
vacge.f32 d0, d1, d2
vacgt.f32 q0, q1, q2
vrecps.f32 d0, d1, d2
vrsqrts.f32 q0, q1, q2
vhadd.s8 d0, d1, d2
vhadd.u16 q0, q1, q2
vqadd.s32 d0, d1, d2
vqadd.u64 q0, q1, q2
vrhadd.u8 d0, d1, d2
vhsub.s16 d0, d1, d2
vqsub.u32 q0, q1, q2
vqsub.s64 d0, d1, d2
vand d0, d1, d2
vbic q0, q1, q2
vorr d0, d1, d2
vmov d0, d1
vmov q0, q1
vorn q0, q1, q2
veor d0, d1, d2
vbsl q0, q1, q2
vbit d0, d1, d2
vbif q0, q1, q2
vcgt.s8 d0, d1, d2
vcgt.u16 q0, q1, q2
vcge.s32 d0, d1, d2
vcge.u8 d0, d1, d2
vceq.i16 d0, d1, d2
vtst.32 q0, q1, q2
vshl.s8 d0, d1, d2
vshl.u64 q0, q1, q2
vqshl.s16 d0, d1, d2
vrshl.u32 d0, d1, d2
vqrshl.s64 q0, q1, q2
vmax.s8 d0, d1, d2
vmin.u32 q0, q1, q2
vabd.s16 d0, d1, d2
vaba.u8 q0, q1, q2
vmla.i16 d0, d1, d2
vmls.i32 q0, q1, q2
vmul.i8 d0, d1, d2
vmul.p8 q0, q1, q2
vpmax.s16 d0, d1, d2
vpmin.u8 d0, d1, d2
vpadd.i32 d0, d1, d2
vqdmulh.s16 d0, d1, d2
vqrdmulh.s32 q0, q1, q2
vaddl.s8 q0, d1, d2
vaddl.u16 q0, d1, d2
vaddw.s32 q0, q1, d2
vsubl.u8 q0, d1, d2
vsubw.u16 q0, q1, d2
vaddhn.i16 d0, q1, q2
vraddhn.i32 d0, q1, q2
vsubhn.i64 d0, q1, q2
vrsubhn.i16 d0, q1, q2
vabal.s8 q0, d1, d2
vabdl.u16 q0, d1, d2
vmlal.s32 q0, d1, d2
vmlsl.u8 q0, d1, d2
vqdmlal.s16 q0, d1, d2
vqdmlsl.s32 q0, d1, d2
vmull.u8 q0, d1, d2
vmull.p8 q0, d1, d2
vqdmull.s16 q0, d1, d2
vmla.i16 d0, d1, d2[3]
vmla.f32 q0, q1, d2[1]
vmls.i32 d0, d1, d15[1]
vmls.f32 d0, d1, d2[0]
vmlal.s16 q0, d1, d2[2]
vmlsl.u32 q0, d1, d2[1]
vqdmlal.s16 q0, d1, d3[0]
vqdmlsl.s32 q0, d1, d2[1]
vmul.i16 q0, q1, d2[1]
vmul.f32 d0, d1, d2[1]
vmull.s32 q0, d1, d2[0]
vqdmull.s16 q0, d1, d2[3]
vqdmulh.s16 d0, d1, d2[1]
vqrdmulh.s32 q0, q1, d2[1]
vshr.s8 d0, d1, #3
vshr.u16 q0, q1, #16
vshr.s32 d0, d1, #1
vshr.u64 q0, q1, #64
vsra.s8 d0, d1, #8
vrshr.u32 d0, d1, #5
vrsra.s64 q0, q1, #33
vsri.16 d0, d1, #4
vshl.i8 d0, d1, #7
vshl.i64 q0, q1, #63
vsli.32 d0, d1, #0
vqshl.s8 d0, d1, #3
vqshl.u16 d0, d1, #3
vqshlu.s32 q0, q1, #31
vshrn.i16 d0, q1, #8
vrshrn.i32 d0, q1, #16
vrshrn.i64 d0, q1, #1
vqshrn.s16 d0, q1, #4
vqshrn.u32 d0, q1, #4
vqrshrn.s64 d0, q1, #32
vqrshrn.u16 d0, q1, #1
vqshrun.s16 d0, q1, #4
vqrshrun.s32 d0, q1, #4
vshll.s8 q0, d1, #3
vshll.u16 q0, d1, #15
vshll.i8 q0, d1, #8
vshll.i32 q0, d1, #32
vmovl.s8 q0, d1
vmovl.u32 q0, d1
vcvt.s32.f32 d0, d1, #16
vcvt.u32.f32 q0, q1, #32
vcvt.f32.s32 d0, d1, #1
vcvt.f32.u32 q0, q1, #8
vcvt.s32.f32 d0, d1
vcvt.u32.f32 q0, q1
vcvt.f32.s32 d0, d1
vcvt.f32.u32 q0, q1
vcvt.f16.f32 d0, q1
vcvt.f32.f16 q0, d1
vrev64.8 d0, d1
vrev32.16 q0, q1
vrev16.8 d0, d1
vpaddl.s8 d0, d1
vpaddl.u32 q0, q1
vpadal.s16 d0, d1
vpadal.u8 q0, q1
vcls.s8 d0, d1
vclz.i16 q0, q1
vcnt.8 d0, d1
vmvn d0, d1
vmvn q0, q1
vqabs.s8 d0, d1
vqneg.s32 q0, q1
vcgt.s8 d0, d1, #0
vcge.s16 q0, q1, #0
vceq.i32 d0, d1, #0
vcle.s8 d0, d1, #0
vclt.s32 q0, q1, #0
vcgt.f32 d0, d1, #0
vcge.f32 q0, q1, #0
vceq.f32 d0, d1, #0
vcle.f32 d0, d1, #0
vclt.f32 q0, q1, #0
vabs.s8 d0, d1
vabs.f32 q0, q1
vneg.s16 d0, d1
vneg.f32 d0, d1
vswp d0, d1
vswp q0, q1
vtrn.8 d0, d1
vtrn.32 q0, q1
vuzp.16 d0, d1
vuzp.8 q0, q1
vzip.8 d0, d1
vzip.32 q0, q1
vmovn.i16 d0, q1
vmovn.i64 d0, q1
vqmovun.s16 d0, q1
vqmovn.s32 d0, q1
vqmovn.u64 d0, q1
vrecpe.u32 d0, d1
vrecpe.f32 q0, q1
vrsqrte.u32 d0, d1
vrsqrte.f32 q0, q1
vext.8 d0, d1, d2, #3
vext.8 q0, q1, q2, #15
vext.16 d0, d1, d2, #2
vext.32 q0, q1, q2, #1
vtbl.8 d0, {d1}, d2
vtbl.8 d0, {d1, d2}, d3
vtbl.8 d0, {d1, d2, d3}, d4
vtbx.8 d0, {d1, d2, d3, d4}, d5
vdup.8 d0, d1[7]
vdup.16 q0, d1[3]
vdup.32 d0, d31[1]
vdup.8 d0, r0
vdup.16 q0, r1
vdup.32 d31, r2
vmov.i8 d0, #0xff
vmov.i16 q0, #0x1200
vmov.i16 d0, #0x12
vmov.i32 d0, #0x12
vmov.i32 q0, #0x1200
vmov.i32 d0, #0x120000
vmov.i32 d0, #0x12000000
vmov.i32 d0, #0x12ff
vmov.i32 d0, #0x12ffff
vmov.i64 d0, #0xff00ff00ff00ff00
vmov.f32 q0, #1.5
vmov.f32 d0, #-0.25
vmvn.i16 d0, #0x12
vmvn.i32 q0, #0x1200
vmvn.i32 d0, #0x12ff
vorr.i16 d0, #0x12
vorr.i32 q0, #0x12000000
vbic.i16 d0, #0x1200
vbic.i32 q0, #0x120000
vld1.8 {d0}, [r0]
vld1.16 {d0, d1}, [r0 :128]!
vld1.32 {d0-d2}, [r0], r1
vld1.64 {d0-d3}, [r0 :256]
vst1.8 {d0}, [r0 :64]!
vst1.64 {d30-d31}, [r5], r6
vld2.8 {d0, d1}, [r0]
vld2.16 {d0, d2}, [r0 :128]!
vld2.32 {d0-d3}, [r0]
vst2.8 {d0, d2}, [r0], r2
vld3.8 {d0, d1, d2}, [r0]
vld3.16 {d0, d2, d4}, [r0 :64]!
vst3.32 {d0, d1, d2}, [r0], r3
vld4.8 {d0, d1, d2, d3}, [r0 :256]
vld4.16 {d0, d2, d4, d6}, [r0]!
vst4.32 {d0, d1, d2, d3}, [r0], r4
vld1.8 {d0[3]}, [r0]
vld1.16 {d0[2]}, [r0 :16]!
vld1.32 {d0[1]}, [r0 :32], r1
vst1.32 {d5[0]}, [r1]
vld2.8 {d0[1], d1[1]}, [r0 :16]
vld2.16 {d0[1], d2[1]}, [r0]!
vst2.32 {d0[1], d1[1]}, [r0 :64]
vld3.8 {d0[1], d1[1], d2[1]}, [r0]
vld3.16 {d0[1], d2[1], d4[1]}, [r0], r2
vst3.32 {d0[0], d1[0], d2[0]}, [r0]!
vld4.8 {d0[1], d1[1], d2[1], d3[1]}, [r0 :32]
vld4.16 {d0[1], d2[1], d4[1], d6[1]}, [r0 :64]!
vst4.32 {d0[1], d1[1], d2[1], d3[1]}, [r0 :128]
vld1.8 {d0[]}, [r0]
vld1.16 {d0[], d1[]}, [r0 :16]!
vld1.32 {d0[]}, [r0], r1
vld2.8 {d0[], d1[]}, [r0]
vld2.16 {d0[], d2[]}, [r0 :32]!
vld3.8 {d0[], d1[], d2[]}, [r0]
vld3.32 {d0[], d2[], d4[]}, [r0]!
vld4.8 {d0[], d1[], d2[], d3[]}, [r0 :32]
vld4.16 {d0[], d2[], d4[], d6[]}, [r0 :64]
vld4.32 {d0[], d1[], d2[], d3[]}, [r0 :128], r2
vmov.i32 d0, #0xff000000
vmvn.i32 d0, #0xff000000
vmov.f32 d0, #1.0
vmov.f32 d0, #31.0
vmov.f32 d0, #0.1328125
vmov.i64 d0, #0
vmov.i16 d0, #0xff00
vldr d0, [r0, #-1020]
vldr s0, [r0, #252]
vldr s2, [pc, #-8]
vsli.64 d0, d1, #40
vqshl.u64 q0, q1, #33
vmov.f32 s0, #-1.9375
vmov.f32 s0, #0.25
vmov.f64 d0, #31.0
fldmdbx r1!, {d4-d6}
@ A32 only
vaddne.f32 s0, s1, s2
vmoveq r0, s1
vmovgt.f64 d0, d1
vldrlt d0, [r1, #8]
vpushhi {d8}
vmrsmi APSR_nzcv, fpscr
vcvtcc.s32.f64 s0, d1
vmovle.32 d0[1], r2
fldmiaxne r0!, {d0-d1}
vldmiane r0, {s0-s3}
vstmdbeq r0!, {d0}
vcvtne.f32.s32 s0, s0, #12
