/* A static glibc program for the user-mode VFP/Advanced SIMD test (ARMUSER0020): libm in float
   and double, printf/strtod round trips, the rounding modes and exception flags of <fenv.h>
   (FPSCR.RMode and the cumulative flags), large memcpy/memset/memcmp (glibc's NEON variants,
   chosen by HWCAP), and loops gcc vectorises with -mfpu=neon-vfpv4 -ftree-vectorize. */
#include <fenv.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 1000
static float a[N], b[N], c[N];
static double x[N];
static unsigned char big[70000], copy[70000];

static unsigned hash_bytes(const void *p, size_t n) {
  const unsigned char *s = p;
  unsigned h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 16777619u;
  return h;
}

int main(void) {
  for (int i = 0; i < N; i++) {
    a[i] = sinf((float)i * 0.01f) * 100.0f;
    b[i] = (float)(i % 17) - 8.5f;
    x[i] = exp((double)(i % 50) / 7.0) - log1p((double)i);
  }
  for (int i = 0; i < N; i++) c[i] = a[i] * b[i] + c[i];
  float fs = 0;
  double ds = 0;
  for (int i = 0; i < N; i++) {
    fs += c[i] * 0.5f;
    ds += sqrt(fabs(x[i])) * x[i];
  }
  printf("sums %.9g %.17g %a\n", fs, ds, ds);
  printf("libm %.17g %.17g %.17g %.17g %.9g %.9g\n", sin(1e10), pow(2.5, 17.25), atan2(-1.0, -3.0), cbrt(1234.5), expf(3.3f), logf(7.7f));

  static const int modes[] = { FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO };
  static const char *names[] = { "nearest", "upward", "downward", "zero" };
  for (int m = 0; m < 4; m++) {
    fesetround(modes[m]);
    volatile double one = 1.0, three = 3.0, big_value = 1e308;
    volatile float f1 = 1.0f, f3 = 3.0f;
    double q = one / three;
    float fq = f1 / f3;
    printf("%s %a %a %a %.0f %ld %a\n", names[m], q, (double)fq, -q, rint(2.5), lrint(-3.5), big_value * 10.0);
  }
  fesetround(FE_TONEAREST);

  feclearexcept(FE_ALL_EXCEPT);
  volatile double zero = 0.0, tiny = 1e-310, huge = 1e300;
  volatile double r1 = 1.0 / zero;
  int divide = fetestexcept(FE_DIVBYZERO) != 0;
  volatile double r2 = tiny * 0.5;
  int under = fetestexcept(FE_UNDERFLOW) != 0;
  volatile double r3 = huge * huge;
  int over = fetestexcept(FE_OVERFLOW) != 0;
  volatile double r4 = sqrt(-zero - 1.0);
  int invalid = fetestexcept(FE_INVALID) != 0;
  printf("flags %d %d %d %d %g %g %g %g\n", divide, under, over, invalid, r1, r2, r3, r4);

  const char *numbers[] = { "0.1", "1e-320", "-2.5e+307", "0x1.fffffffffffffp+1023", "3.14159265358979323846", "nan", "-inf" };
  for (int i = 0; i < 7; i++) {
    double v = strtod(numbers[i], NULL);
    float f = strtof(numbers[i], NULL);
    printf("strtod %s %.17g %a %.9g\n", numbers[i], v, v, f);
  }

  for (size_t i = 0; i < sizeof big; i++) big[i] = (unsigned char)(i * 7 + (i >> 8));
  memcpy(copy, big, sizeof big);
  memmove(copy + 3, copy, 5000);
  memset(copy + 10000, 0x5a, 30001);
  printf("memory %08x %08x %d %zu\n", hash_bytes(big, sizeof big), hash_bytes(copy, sizeof copy), memcmp(big, copy, sizeof big) != 0, strlen((char *)copy + 10000));

  jmp_buf env;
  volatile double kept = 42.5;
  if (setjmp(env) == 0) longjmp(env, 1);
  printf("longjmp %g\n", kept);
  return 0;
}
