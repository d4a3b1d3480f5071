#include "common/base/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

namespace orch {
namespace {

using namespace std::chrono_literals;

TEST(RunProcess, CapturesOutputAndExitCode) {
  auto r = runProcess({.argv = {"sh", "-c", "cat; echo err >&2; exit 3"}}, "hello", 5s);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "hello");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_FALSE(r->timed_out);
}

TEST(RunProcess, PassesEnvironmentAndWorkingDir) {
  auto r = runProcess({.argv = {"sh", "-c", "echo $CNI_COMMAND; pwd"},
                       .env = {{"CNI_COMMAND=ADD"}},
                       .working_dir = "/tmp"},
                      "", 5s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "ADD\n/tmp\n");
}

TEST(RunProcess, KillsOnTimeout) {
  auto r = runProcess({.argv = {"sleep", "30"}}, "", 100ms);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->term_signal, SIGKILL);
}

TEST(RunProcess, ChildThatIgnoresLargeStdinDoesNotKillUs) {
  std::string big(1 << 20, 'x');
  auto r = runProcess({.argv = {"true"}}, big, 5s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0);
}

TEST(Process, MissingProgramIsENOENT) {
  auto p = Process::spawn({.argv = {"/nonexistent/orch-nothing"}});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), ENOENT);
}

TEST(Process, MissingWorkingDirIsReported) {
  auto p = Process::spawn({.argv = {"true"}, .working_dir = "/nonexistent/orch-dir"});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), ENOENT);
}

// A daemon blocks signals (for its signal thread) and ignores SIGPIPE; its children must get
// neither, and new_session gives them a session of their own.
TEST(Process, ChildStartsWithCleanSignalsAndItsOwnSession) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &block, &old), 0);
  auto old_pipe = ::signal(SIGPIPE, SIG_IGN);
  auto r = runProcess({.argv = {"sh", "-c",
                                "grep -E '^Sig(Blk|Ign)' /proc/self/status; "
                                "cut -d' ' -f6 /proc/$$/stat; echo $$"},
                       .new_session = true},
                      "", 5s);
  ::signal(SIGPIPE, old_pipe);
  ASSERT_EQ(pthread_sigmask(SIG_SETMASK, &old, nullptr), 0);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_NE(r->out.find("SigBlk:\t0000000000000000\n"), std::string::npos) << r->out;
  size_t ign = r->out.find("SigIgn:\t");
  ASSERT_NE(ign, std::string::npos) << r->out;
  const uint64_t ignored = std::stoull(r->out.substr(ign + 8, 16), nullptr, 16);
  EXPECT_EQ(ignored & (uint64_t{1} << (SIGPIPE - 1)), 0u) << r->out;
  // The last two lines: the shell's session id and its pid.
  std::string out = r->out;
  size_t last = out.rfind('\n', out.size() - 2);
  size_t before = out.rfind('\n', last - 1);
  EXPECT_EQ(out.substr(before + 1, last - before - 1), out.substr(last + 1, out.size() - last - 2))
      << out;
}

TEST(Process, SignalAndWait) {
  auto p = Process::spawn({.argv = {"sleep", "30"}});
  ASSERT_TRUE(p.ok());
  auto still = p->tryWait();
  ASSERT_TRUE(still.ok());
  EXPECT_FALSE(still->has_value());
  ASSERT_TRUE(p->signal(SIGTERM).isOk());
  auto st = p->wait();
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(WIFSIGNALED(*st));
  EXPECT_EQ(WTERMSIG(*st), SIGTERM);
  EXPECT_FALSE(p->running());
}

TEST(Process, DestructorReapsRunningChild) {
  pid_t pid;
  {
    auto p = Process::spawn({.argv = {"sleep", "30"}});
    ASSERT_TRUE(p.ok());
    pid = p->pid();
  }
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

}  // namespace
}  // namespace orch
