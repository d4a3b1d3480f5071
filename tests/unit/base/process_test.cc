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
