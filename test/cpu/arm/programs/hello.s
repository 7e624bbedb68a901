@ The smallest user-mode program: write(1, "hello from ARM\n"), exit_group(7).
	.syntax unified
	.arm
	.text
	.global _start
_start:
	mov	r0, #1
	adr	r1, message
	mov	r2, #(message_end - message)
	mov	r7, #4
	svc	#0
	mov	r0, #7
	mov	r7, #248
	svc	#0
message:
	.ascii	"hello from ARM\n"
message_end:
