/* The smallest comparison with qemu-i386: stdio, argv, and the exit status. */
#include <stdio.h>

int main(int argc, char **argv) {
  printf("hello, world\n");
  for (int i = 1; i < argc; i++) printf("argv[%d] = %s\n", i, argv[i]);
  return 42;
}
