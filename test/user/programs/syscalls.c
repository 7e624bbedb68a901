/* Exercises the system calls of l4vm's i386 user-mode runner; every line it prints must be the
   same under qemu-i386 (test/user/qemu.test.ts). Run in an empty scratch directory. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static __thread int tls_counter = 5;

/* Prints a call's result and, when it failed, its errno: evaluated in order, unlike printf's arguments. */
static void report(const char *what, long result) {
  if (result < 0) printf("%s %ld %s\n", what, result, strerror(errno));
  else printf("%s %ld\n", what, result);
}

static int compare(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
  printf("argc %d argv1 %s\n", argc, argc > 1 ? argv[1] : "-");
  printf("env L4VM_TEST=%s\n", getenv("L4VM_TEST") ? getenv("L4VM_TEST") : "(unset)");
  tls_counter++;
  printf("tls %d\n", tls_counter);

  struct utsname u;
  uname(&u);
  printf("uname %s %s\n", u.sysname, u.machine);

  int fd = open("file.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
  printf("open %s\n", fd >= 3 ? "ok" : strerror(errno));
  printf("write %zd\n", write(fd, "hello, file\n", 12));
  struct iovec iov[2] = {{"abc", 3}, {"defg\n", 5}};
  printf("writev %zd\n", writev(fd, iov, 2));
  printf("lseek %ld\n", (long)lseek(fd, 7, SEEK_SET));
  char buffer[64] = {0};
  report("read", read(fd, buffer, 5));
  printf("read '%.5s'\n", buffer);
  report("pread", pread(fd, buffer, 3, 12));
  printf("pread '%.3s'\n", buffer);
  struct stat st;
  fstat(fd, &st);
  printf("fstat size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
  int copy = dup(fd);
  printf("dup shares offset %ld\n", (long)lseek(copy, 0, SEEK_CUR));
  close(copy);
  printf("fcntl getfl rdwr %d\n", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
  close(fd);
  report("close again", close(fd));

  report("stat missing", stat("missing", &st));
  report("mkdir", mkdir("dir", 0755));
  report("mkdir again", mkdir("dir", 0755));
  report("rename", rename("file.txt", "dir/moved.txt"));
  report("stat dir", stat("dir", &st));
  printf("isdir %d\n", S_ISDIR(st.st_mode));
  report("access", access("dir/moved.txt", R_OK));
  DIR *dir = opendir("dir");
  char *names[8];
  int count = 0;
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL && count < 8) names[count++] = strdup(entry->d_name);
  closedir(dir);
  qsort(names, count, sizeof names[0], compare);
  printf("readdir");
  for (int i = 0; i < count; i++) printf(" %s", names[i]);
  printf("\n");
  printf("chdir %d\n", chdir("dir"));
  char cwd[4096];
  printf("getcwd ends with /dir %d\n", getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd + strlen(cwd) - 4, "/dir") == 0);
  FILE *file = fopen("moved.txt", "r");
  printf("fgets %s", fgets(buffer, sizeof buffer, file));
  fclose(file);
  printf("unlink %d\n", unlink("moved.txt"));
  printf("chdir .. %d\n", chdir(".."));
  printf("rmdir %d\n", rmdir("dir"));

  int fds[2];
  printf("pipe %d\n", pipe(fds));
  printf("pipe write %zd\n", write(fds[1], "through the pipe", 16));
  memset(buffer, 0, sizeof buffer);
  report("pipe read", read(fds[0], buffer, sizeof buffer));
  printf("pipe read '%s'\n", buffer);
  close(fds[0]);
  close(fds[1]);

  char *big = malloc(300000);
  memset(big, 7, 300000);
  big = realloc(big, 3000000);
  printf("realloc keeps %d\n", big[299999]);
  free(big);
  char *small = malloc(100);
  strcpy(small, "brk heap");
  printf("%s\n", small);
  char *area = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  area[0] = 1;
  area[3 * 4096 - 1] = 2;
  printf("mmap zeroed %d %d %d\n", area[1], area[0], area[3 * 4096 - 1]);
  printf("munmap middle %d\n", munmap(area + 4096, 4096));
  printf("mprotect %d\n", mprotect(area, 4096, PROT_READ));
  char *grown = mremap(area + 8192, 4096, 8192, MREMAP_MAYMOVE);
  printf("mremap keeps %d\n", grown == MAP_FAILED ? -1 : grown[4095]);

  struct timespec t1, t2;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  struct timespec nap = {0, 20 * 1000 * 1000};
  nanosleep(&nap, NULL);
  clock_gettime(CLOCK_MONOTONIC, &t2);
  long elapsed = (t2.tv_sec - t1.tv_sec) * 1000 + (t2.tv_nsec - t1.tv_nsec) / 1000000;
  printf("nanosleep 20ms slept enough %d\n", elapsed >= 19);
  struct timeval tv;
  gettimeofday(&tv, NULL);
  printf("time after 2020 %d\n", tv.tv_sec > 1577836800 && time(NULL) > 1577836800);
  struct rlimit limit;
  getrlimit(RLIMIT_STACK, &limit);
  printf("stack limit %lu\n", (unsigned long)limit.rlim_cur);
  printf("getpid matches gettid %d\n", getpid() == gettid());
  struct sigaction action = {0}, old;
  action.sa_handler = SIG_IGN;
  printf("sigaction %d\n", sigaction(SIGUSR1, &action, NULL));
  sigaction(SIGUSR1, NULL, &old);
  printf("sigaction recorded %d\n", old.sa_handler == SIG_IGN);
  printf("kill ignored %d\n", kill(getpid(), SIGUSR1));
  printf("isatty on a file %d\n", isatty(open("/dev/null", O_RDONLY)));
  printf("floating point %.6f %g\n", 355.0 / 113.0, strtod("1e-5", NULL) * 3);
  char link[256] = {0};
  ssize_t n = readlink("/proc/self/exe", link, sizeof link - 1);
  printf("readlink exe ends with name %d\n", n > 0 && strstr(link, argv[0] + (argv[0][0] == '.' ? 2 : 0)) != NULL);
  fflush(stdout);
  return 7;
}
