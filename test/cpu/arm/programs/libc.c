/* A static glibc program for the user-mode runner (ARMUSER0008), built -mthumb: qsort, malloc,
   printf of integers and floating point, libm, string functions, 64-bit arithmetic, setjmp and
   longjmp (which save and restore d8-d15). Its output and exit status must equal qemu-arm's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <setjmp.h>
static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
static jmp_buf env;
int main(int argc, char **argv) {
  int n = 1000; int *v = malloc(n * sizeof *v);
  unsigned s = 12345;
  for (int i = 0; i < n; i++) { s = s * 1103515245 + 12345; v[i] = (s >> 8) % 100000 - 50000; }
  qsort(v, n, sizeof *v, cmp);
  printf("min %d max %d med %d\n", v[0], v[n-1], v[n/2]);
  char buf[256]; snprintf(buf, sizeof buf, "%.6f %e %g %08.3f", sqrt(2.0), exp(10.0), sin(1.0), -3.14159);
  puts(buf);
  char *d = strdup("hello, thumb world"); for (char *p = d; *p; p++) if (*p == 'o') *p = '0';
  printf("%s %zu %s\n", d, strlen(d), strstr(d, "w0rld"));
  long long big = 1; for (int i = 0; i < 40; i++) big *= 3; printf("%lld %llx\n", big, big / 7);
  if (setjmp(env) == 0) { longjmp(env, 42); } else puts("longjmp ok");
  double acc = 0; for (int i = 1; i < 1000; i++) acc += 1.0 / (i * (double)i); printf("%.12f\n", acc);
  free(v); free(d);
  return argc + 2;
}
