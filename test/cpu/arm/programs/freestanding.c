/* A freestanding ARM (A32) program for the differential and user-mode tests: integer work that
   gcc -O2 turns into conditional execution, shifts, multiplies, divisions, LDM/STM and
   LDRD/STRD; the kuser helpers and TLS; then its output through write(2) and exit_group(2).
   Built with -marm -nostdlib: Debian's armhf libc and libgcc are Thumb-2 code. */
typedef unsigned int u32;
typedef unsigned long long u64;

static long sys3(long number, long a, long b, long c) {
  register long r0 __asm__("r0") = a;
  register long r1 __asm__("r1") = b;
  register long r2 __asm__("r2") = c;
  register long r7 __asm__("r7") = number;
  __asm__ volatile("svc #0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r7) : "memory");
  return r0;
}

static char out[512];
static int used;

static void put(const char *s) {
  while (*s) out[used++] = *s++;
}

static void put_hex(u32 v) {
  char text[9];
  for (int i = 7; i >= 0; i--) {
    text[i] = "0123456789abcdef"[v & 15];
    v >>= 4;
  }
  text[8] = 0;
  put(text);
}

static void put_dec(int v) {
  char text[12];
  int n = 0;
  u32 u = v < 0 ? -(u32)v : (u32)v;
  do text[n++] = '0' + u % 10; while ((u /= 10) != 0);
  if (v < 0) out[used++] = '-';
  while (n > 0) out[used++] = text[--n];
}

static int numbers[64];

static void sort(int *a, int n) {
  for (int i = 1; i < n; i++) {
    int v = a[i], j = i - 1;
    while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; }
    a[j + 1] = v;
  }
}

static u32 crc32(const unsigned char *p, int n) {
  u32 crc = 0xffffffff;
  while (n--) {
    crc ^= *p++;
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc;
}

typedef int (*cmpxchg_fn)(int oldval, int newval, volatile int *ptr);
typedef void *(*get_tls_fn)(void);

void _start(void) __attribute__((noreturn));
void _start(void) {
  u32 seed = 12345;
  for (int i = 0; i < 64; i++) {
    seed = seed * 1103515245 + 12345;
    numbers[i] = (int)(seed >> 8) % 2001 - 1000;
  }
  sort(numbers, 64);
  put("min "); put_dec(numbers[0]); put(" max "); put_dec(numbers[63]); put("\n");
  u64 acc = 1;
  for (int i = 0; i < 64; i++) acc = acc * 6364136223846793005ULL + (u32)numbers[i];
  put("acc "); put_hex((u32)(acc >> 32)); put_hex((u32)acc); put("\n");
  int q = 0;
  for (int i = 1; i < 64; i++) q += numbers[i] / (i | 1) + (int)((u32)numbers[i] % (u32)(i + 3));
  put("div "); put_dec(q); put("\n");
  put("crc "); put_hex(crc32((const unsigned char *)numbers, sizeof numbers)); put("\n");
  /* The differential test compares up to here, the first system call: qemu-arm runs the kuser
     helpers natively rather than their code. */
  sys3(4, 1, (long)out, used);
  used = 0;
  /* The kuser helpers: version, cmpxchg, TLS through set_tls (0xf0005). */
  put("kuser "); put_dec(*(volatile int *)0xffff0ffc);
  volatile int cell = 5;
  int failed = ((cmpxchg_fn)0xffff0fc0)(4, 9, &cell);
  int stored = ((cmpxchg_fn)0xffff0fc0)(5, 7, &cell);
  put(" "); put_dec(failed != 0); put(" "); put_dec(stored); put(" "); put_dec(cell);
  sys3(0xf0005, 0x12345678, 0, 0);
  put(" tls "); put_hex((u32)((get_tls_fn)0xffff0fe0)()); put("\n");
  sys3(4, 1, (long)out, used);
  sys3(248, 42, 0, 0);
  for (;;) {}
}
