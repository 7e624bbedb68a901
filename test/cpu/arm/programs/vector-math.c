/* Floating-point and vectorised C for the VFP/Advanced SIMD differential and user-mode tests:
   built with gcc -O2 -marm -mfpu=neon-vfpv4 -mfloat-abi=hard -ftree-vectorize -ffast-math off
   (the default fp-contract=fast makes gcc use VFMA/VMLA), freestanding (no libc, no libgcc):
   saxpy and dot products over floats (NEON lanes), double arithmetic and square roots (VFP),
   int <-> float conversions, min/max/abs, a 4x4 matrix product, byte loops the vectoriser turns
   into VLD/VST and narrowing/widening moves; the result bits go out through write(2). */
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

static char out[1024];
static int used;

static void put(const char *s) {
  while (*s) out[used++] = *s++;
}

static void put_hex(u32 v) {
  for (int i = 7; i >= 0; i--) out[used++] = "0123456789abcdef"[(v >> (4 * i)) & 15];
}

#define N 96
static float xs[N], ys[N], zs[N];
static double dx[N], dy[N];
static int ints[N];
static unsigned char bytes[N], bytes2[N];
static short shorts[N];
static float matrix_a[16], matrix_b[16], matrix_c[16];

static u32 bits_of_float(float f) {
  union { float f; u32 u; } v = { f };
  return v.u;
}

static u32 hash_double(double d) {
  union { double d; u64 u; } v = { d };
  return (u32)v.u ^ (u32)(v.u >> 32);
}

static u32 seed = 12345;
static u32 next(void) {
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return seed;
}

__attribute__((noinline)) static void saxpy(float a, const float *x, float *y, int n) {
  for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];
}

__attribute__((noinline)) static float dot(const float *x, const float *y, int n) {
  float s = 0;
  for (int i = 0; i < n; i++) s += x[i] * y[i];
  return s;
}

__attribute__((noinline)) static void clamp_abs(float *z, const float *x, const float *y, int n) {
  for (int i = 0; i < n; i++) {
    float v = x[i] - y[i];
    v = v < 0 ? -v : v;
    z[i] = v > 4.0f ? 4.0f : v;
  }
}

__attribute__((noinline)) static void to_int(int *out_, const float *x, int n) {
  for (int i = 0; i < n; i++) out_[i] = (int)(x[i] * 16.0f);
}

__attribute__((noinline)) static void from_int(float *out_, const int *x, int n) {
  for (int i = 0; i < n; i++) out_[i] = (float)x[i] * 0.25f;
}

__attribute__((noinline)) static void widen_bytes(short *out_, const unsigned char *a, const unsigned char *b, int n) {
  for (int i = 0; i < n; i++) out_[i] = (short)(a[i] * b[i]) - (short)a[i];
}

__attribute__((noinline)) static void average_bytes(unsigned char *out_, const unsigned char *a, const unsigned char *b, int n) {
  for (int i = 0; i < n; i++) out_[i] = (unsigned char)((a[i] + b[i] + 1) >> 1);
}

__attribute__((noinline)) static void matrix_multiply(float *c, const float *a, const float *b) {
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) {
      float s = 0;
      for (int k = 0; k < 4; k++) s += a[4 * i + k] * b[4 * k + j];
      c[4 * i + j] = s;
    }
}

__attribute__((noinline)) static double newton_sqrt(double v) {
  double x = v > 1 ? v / 2 : 1;
  for (int i = 0; i < 30; i++) x = 0.5 * (x + v / x);
  return x;
}

__attribute__((noinline)) static double polynomial(const double *x, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s = s * 0.999 + x[i] * x[i] - 1.0 / (1.0 + x[i] * x[i]);
  return s;
}

void _start(void) __attribute__((noreturn));
void _start(void) {
  for (int i = 0; i < N; i++) {
    xs[i] = (float)(int)(next() % 2001 - 1000) / 37.0f;
    ys[i] = (float)(int)(next() % 3001 - 1500) / 11.0f;
    dx[i] = (double)(int)next() / 65536.0;
    dy[i] = (double)(next() % 100000) * 1e-3;
    bytes[i] = (unsigned char)next();
    bytes2[i] = (unsigned char)next();
  }
  for (int i = 0; i < 16; i++) {
    matrix_a[i] = xs[i];
    matrix_b[i] = ys[i + 16];
  }
  saxpy(1.5f, xs, ys, N);
  float d = dot(xs, ys, N);
  clamp_abs(zs, xs, ys, N);
  to_int(ints, zs, N);
  from_int(xs, ints, N);
  widen_bytes(shorts, bytes, bytes2, N);
  average_bytes(bytes, bytes, bytes2, N);
  matrix_multiply(matrix_c, matrix_a, matrix_b);
  double r = newton_sqrt(dy[3] * 1000.0);
  double p = polynomial(dx, N);
  double q = __builtin_sqrt(dy[5]) + __builtin_fabs(dx[7]) * 3.0 - (double)d;
  u32 h = 0;
  for (int i = 0; i < N; i++) h = h * 31 + bits_of_float(xs[i]) + bits_of_float(zs[i]) + (u32)ints[i] + (u32)shorts[i] + bytes[i];
  for (int i = 0; i < 16; i++) h = h * 33 + bits_of_float(matrix_c[i]);
  put("dot "); put_hex(bits_of_float(d));
  put(" sqrt "); put_hex(hash_double(r));
  put(" poly "); put_hex(hash_double(p));
  put(" q "); put_hex(hash_double(q));
  put(" hash "); put_hex(h); put("\n");
  sys3(4, 1, (long)out, used);
  sys3(248, 0, 0, 0);
  for (;;) {}
}
