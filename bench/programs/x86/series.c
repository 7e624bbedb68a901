/* x87 series sums in doubles: Leibniz's pi/4, the Basel sum pi^2/6, and a Newton square root per
   term (fdiv, fmul, fadd, fcomp, int-to-double loads). Usage: series [TERMS]; prints the sums. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  unsigned terms = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 100000;
  double leibniz = 0.0, basel = 0.0, roots = 0.0;
  for (unsigned k = 0; k < terms; k++) {
    double odd = 2.0 * k + 1.0;
    leibniz += (k & 1) ? -1.0 / odd : 1.0 / odd;
    double kk = (double)k + 1.0;
    basel += 1.0 / (kk * kk);
    /* sqrt(kk) by Newton's method from kk itself: a few steps, each a divide. */
    double r = kk;
    for (int step = 0; step < 4; step++) r = 0.5 * (r + kk / r);
    roots += r;
  }
  printf("series terms=%u pi=%.17g pi2over6=%.17g roots=%.17g\n", terms, 4.0 * leibniz, basel, roots);
  return 0;
}
