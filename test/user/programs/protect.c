/* Page protections under l4vm user and qemu-i386: each case runs in a child process and the
 * parent prints how it ended (exit status or signal), so one run shows them all. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *name, void (*body)(void)) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    body();
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) printf("%s: signal %d\n", name, WTERMSIG(status));
  else printf("%s: exit %d\n", name, WEXITSTATUS(status));
}

static void write_text(void) {
  volatile unsigned char *p = (volatile unsigned char *)&write_text;
  *p = 0xc3;
}

static char *page(int prot) {
  char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) _exit(90);
  strcpy(p, "data");
  if (mprotect(p, 4096, prot) != 0) _exit(91);
  return p;
}

static void write_readonly(void) {
  volatile char *p = page(PROT_READ);
  if (p[0] != 'd') _exit(92);
  p[1] = 'X';
}

static void read_none(void) {
  volatile char *p = page(PROT_NONE);
  printf("%d\n", p[0]);
}

static void exec_none(void) {
  /* Jump into a PROT_NONE page. */
  void (*f)(void) = (void (*)(void))page(PROT_NONE);
  f();
}

static void unmapped(void) {
  char *p = page(PROT_READ | PROT_WRITE);
  munmap(p, 4096);
  ((volatile char *)p)[0] = 1;
}

static void write_again(void) {
  /* mprotect back to writable: the write goes through. */
  char *p = page(PROT_READ);
  if (mprotect(p, 4096, PROT_READ | PROT_WRITE) != 0) _exit(93);
  p[0] = 'D';
  _exit(p[0] == 'D' ? 7 : 8);
}

static sigjmp_buf jump;
static volatile void *fault_address;

static void on_segv(int signal, siginfo_t *info, void *context) {
  (void)signal;
  (void)context;
  fault_address = info->si_addr;
  siglongjmp(jump, 1);
}

int main(void) {
  report("write to text", write_text);
  report("write to PROT_READ", write_readonly);
  report("read of PROT_NONE", read_none);
  report("jump to PROT_NONE", exec_none);
  report("write after munmap", unmapped);
  report("write after mprotect RW", write_again);

  /* System calls: write() from a read-only page works, read() into one is EFAULT. */
  char *ro = page(PROT_READ);
  int fd = open("/dev/null", O_RDWR);
  ssize_t n = write(fd, ro, 4);
  printf("write from PROT_READ: %zd\n", n);
  int zero = open("/dev/zero", O_RDONLY);
  n = read(zero, ro, 4);
  printf("read into PROT_READ: %zd %s\n", n, n < 0 ? strerror(errno) : "");
  char *none = page(PROT_NONE);
  n = write(fd, none, 4);
  printf("write from PROT_NONE: %zd %s\n", n, n < 0 ? strerror(errno) : "");
  n = read(zero, (char *)&main, 4);
  printf("read into text: %zd %s\n", n, n < 0 ? strerror(errno) : "");

  /* A SIGSEGV handler catches the fault and siglongjmps out, twice. */
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_segv;
  action.sa_flags = SA_SIGINFO;
  sigemptyset(&action.sa_mask);
  sigaction(SIGSEGV, &action, NULL);
  for (int i = 0; i < 2; i++) {
    if (sigsetjmp(jump, 1) == 0) {
      ro[i] = 'X';
      printf("no fault\n");
    } else printf("caught SIGSEGV at offset %ld, ro[%d] = %c\n", (long)((char *)fault_address - ro), i, ro[i]);
  }
  if (sigsetjmp(jump, 1) == 0) {
    printf("%d\n", none[100]);
  } else printf("caught SIGSEGV at offset %ld of PROT_NONE\n", (long)((char *)fault_address - none));
  sigset_t mask;
  sigprocmask(SIG_BLOCK, NULL, &mask);
  printf("SIGSEGV blocked after siglongjmp: %d\n", sigismember(&mask, SIGSEGV));

  /* Finally an uncaught fault ends the program: status 139 in a shell. */
  signal(SIGSEGV, SIG_DFL);
  printf("last\n");
  fflush(stdout);
  ro[0] = 'X';
  return 0;
}
