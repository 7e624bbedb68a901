/* Processes for the user-mode runner, compared with qemu-i386: fork, wait statuses, pipes between
 * processes (EOF, a full pipe, SIGPIPE), execve of itself, vfork, kill between processes, process
 * groups. `processes exec` runs execve of itself, which qemu-i386 cannot (see there). Prints only what does not depend on timing or pid values. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t caught = 0;
static void on_signal(int signal) { caught = signal; }
static void on_siginfo(int signal, siginfo_t *info, void *context) {
  (void)context;
  caught = signal * 100 + (info->si_signo == signal);
}

static void report(const char *what, int status) {
  if (WIFEXITED(status)) printf("%s: exited %d\n", what, WEXITSTATUS(status));
  else if (WIFSIGNALED(status)) printf("%s: killed by signal %d\n", what, WTERMSIG(status));
  else printf("%s: status 0x%x\n", what, status);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "child") == 0) {
    printf("exec'd child: argc %d, last %s\n", argc, argv[argc - 1]);
    return 9;
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  int status;
  int fds[2];
  char buffer[4096];

  if (argc > 1 && strcmp(argv[1], "exec") == 0) {
    /* execve of itself, its output through a pipe on stdout. qemu-i386 cannot run this part:
     * without binfmt_misc the host refuses to execve an i386 program (ENOEXEC). */
    if (pipe(fds) != 0) return 1;
    pid_t child = fork();
    if (child == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      close(fds[1]);
      char *args[] = {argv[0], "child", "one", "two", NULL};
      execv("/proc/self/exe", args);
      _exit(127);
    }
    close(fds[1]);
    ssize_t n = read(fds[0], buffer, sizeof buffer - 1);
    buffer[n > 0 ? n : 0] = 0;
    printf("from the exec'd child: %s", buffer);
    close(fds[0]);
    waitpid(child, &status, 0);
    report("exec'd child", status);
    return 0;
  }

  /* fork: the child sees 0 and its parent's pid; exit status 3. */
  pid_t parent = getpid();
  pid_t child = fork();
  if (child == 0) {
    printf("child: fork returned 0, getppid is the parent: %s\n", getppid() == parent ? "yes" : "no");
    _exit(3);
  }
  printf("waitpid returned the child: %s\n", waitpid(child, &status, 0) == child ? "yes" : "no");
  report("child 1", status);
  errno = 0;
  int result = (int)waitpid(-1, &status, WNOHANG);
  printf("waitpid with no children: %d errno %s\n", result, errno == ECHILD ? "ECHILD" : strerror(errno));

  /* A pipe: the child writes 200000 bytes (more than the pipe holds), the parent counts them to EOF. */
  if (pipe(fds) != 0) return 1;
  child = fork();
  if (child == 0) {
    close(fds[0]);
    static char block[10000];
    for (int i = 0; i < 20; i++) {
      memset(block, 'a' + i, sizeof block);
      size_t done = 0;
      while (done < sizeof block) {
        ssize_t n = write(fds[1], block + done, sizeof block - done);
        if (n <= 0) _exit(1);
        done += (size_t)n;
      }
    }
    _exit(0);
  }
  close(fds[1]);
  long total = 0, sum = 0;
  for (;;) {
    ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    total += n;
    for (ssize_t i = 0; i < n; i++) sum += buffer[i];
  }
  close(fds[0]);
  wait(&status);
  printf("pipe carried %ld bytes, sum %ld\n", total, sum);
  report("writer", status);

  /* SIGPIPE: writing to a pipe whose reader is gone kills the writer. */
  if (pipe(fds) != 0) return 1;
  close(fds[0]);
  child = fork();
  if (child == 0) {
    write(fds[1], "x", 1);
    _exit(0);
  }
  close(fds[1]);
  waitpid(child, &status, 0);
  report("writer without reader", status);

  /* kill: a child waiting in read on an empty pipe is killed by SIGTERM. */
  if (pipe(fds) != 0) return 1;
  child = fork();
  if (child == 0) {
    char c;
    read(fds[0], &c, 1);
    _exit(0);
  }
  kill(child, SIGTERM);
  waitpid(child, &status, 0);
  report("reader killed", status);
  close(fds[0]);
  close(fds[1]);

  /* execve of something that does not exist. */
  child = fork();
  if (child == 0) {
    char *args[] = {"nothing", NULL};
    execv("/nonexistent/program", args);
    _exit(errno == ENOENT ? 42 : 43);
  }
  waitpid(child, &status, 0);
  report("exec of a missing file", status);

  /* vfork: the parent goes on once the child has exited. */
  child = vfork();
  if (child == 0) _exit(5);
  waitpid(child, &status, 0);
  report("vfork child", status);

  /* Process groups. */
  child = fork();
  if (child == 0) {
    setpgid(0, 0);
    _exit(getpgrp() == getpid() ? 0 : 1);
  }
  waitpid(child, &status, 0);
  report("own process group", status);

  /* Signal handlers: raise() runs one at once; a child's kill() reaches the parent in sigsuspend. */
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;
  sigaction(SIGUSR2, &action, NULL);
  raise(SIGUSR2);
  printf("handler after raise: %d\n", caught);
  action.sa_flags = SA_SIGINFO;
  action.sa_sigaction = on_siginfo;
  sigaction(SIGUSR1, &action, NULL);
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, &old);
  caught = 0;
  child = fork();
  if (child == 0) {
    kill(getppid(), SIGUSR1);
    _exit(0);
  }
  while (caught == 0) sigsuspend(&old);
  printf("SA_SIGINFO handler in sigsuspend: %d\n", caught);
  sigprocmask(SIG_SETMASK, &old, NULL);
  waitpid(child, &status, 0);
  report("signalling child", status);
  double x = 1.5;
  for (int i = 0; i < 3; i++) x = x * 3.25 + 0.5;
  printf("x87 state kept: %.6f\n", x);

  /* Several children, reaped in any order. */
  for (int i = 0; i < 3; i++)
    if (fork() == 0) _exit(10 + i);
  int seen = 0;
  while (wait(&status) > 0) seen |= 1 << (WEXITSTATUS(status) - 10);
  printf("three children reaped: %s\n", seen == 7 ? "yes" : "no");
  return 0;
}
