/* Integer loops: Collatz chain lengths (data-dependent branches, shifts, adds) and a
   multiply-xorshift hash (imul, xor, rotates, an unsigned division every few steps).
   Usage: int-loops [N]; prints a checksum. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 20000;
  unsigned steps = 0;
  for (unsigned start = 1; start <= n; start++) {
    unsigned x = start;
    while (x != 1) {
      x = (x & 1) ? 3 * x + 1 : x >> 1;
      steps++;
    }
  }
  unsigned hash = 2166136261u;
  unsigned quotients = 0;
  for (unsigned i = 0; i < n * 16; i++) {
    hash = (hash ^ i) * 16777619u;
    hash ^= (hash << 13) | (hash >> 19);
    if ((i & 7) == 0) quotients += hash / (i | 1);
  }
  printf("int-loops n=%u steps=%u hash=%08x quotients=%08x\n", n, steps, hash, quotients);
  return 0;
}
