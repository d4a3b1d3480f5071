// orch-pause: the process that holds a pod sandbox's namespaces.
//
// It sleeps in pause(), reaps every child that exits (as pid 1 of the pod's pid namespace it
// inherits the pod's orphans), and exits 0 on SIGTERM or SIGINT. It prints nothing unless asked
// for its version (-v). Only libc, linked statically, so it runs from any directory and in
// any image.

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef ORCH_VERSION
#define ORCH_VERSION "unknown"
#endif

namespace {

void onTerminate(int) {
  _exit(0);
}

void onChild(int) {
  // Signals coalesce: one SIGCHLD may stand for several exits, so reap until none is left.
  int saved = errno;
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  errno = saved;
}

bool install(int sig, void (*handler)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = flags;
  sigfillset(&sa.sa_mask);
  return sigaction(sig, &sa, nullptr) == 0;
}

void say(const char* s) {
  (void)!write(STDOUT_FILENO, s, strlen(s));
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--version") == 0) {
      say("orch-pause " ORCH_VERSION "\n");
      return 0;
    }
  }
  // A blocked mask inherited from the parent would keep our handlers from ever running.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (!install(SIGTERM, onTerminate, 0) || !install(SIGINT, onTerminate, 0) ||
      !install(SIGCHLD, onChild, SA_NOCLDSTOP | SA_RESTART)) {
    return 1;
  }
  onChild(0);  // children that exited before the handler was in place
  for (;;) pause();
}
