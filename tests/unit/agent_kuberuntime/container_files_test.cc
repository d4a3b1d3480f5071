// Per-container files: the termination-message file and the restart count from log names.

#include "agent/kuberuntime/container_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "common/base/file_util.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/agent_kuberuntime/test_pods.h"

namespace orch::agent {
namespace {

TEST(ContainerFiles, Paths) {
  EXPECT_EQ(podContainerDir("/var/lib/orch/agent", "uid-1", "app"),
            "/var/lib/orch/agent/pods/uid-1/containers/app");
  EXPECT_EQ(containerLogsDirectory("/var/log/pods", testing::pod("web", "shop", "u"), "app"),
            "/var/log/pods/shop_web_u/app");
}

TEST(ContainerFiles, TerminationLogFileIsWorldWritableAndUnique) {
  orch::testing::TempDir root;
  const std::string dir = podContainerDir(root.path(), "uid-1", "app");
  mode_t old = ::umask(022);
  auto a = createTerminationLogFile(dir);
  auto b = createTerminationLogFile(dir);
  ::umask(old);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(a->rfind(dir + "/", 0), 0u);
  struct stat st {};
  ASSERT_EQ(::stat(a->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0666u);
  EXPECT_EQ(st.st_size, 0);
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
}

TEST(ContainerFiles, TerminationMessageThroughTheMount) {
  orch::testing::TempDir root;
  std::string file = root.write("msg", std::string(5000, 'x'));
  runtime::v1::ContainerStatus st;
  auto* m = st.add_mounts();
  m->set_container_path("/data");
  m->set_host_path("/elsewhere");
  m = st.add_mounts();
  m->set_container_path("/dev/termination-log");
  m->set_host_path(file);
  EXPECT_EQ(terminationLogHostPath(st, "/dev/termination-log"), file);
  EXPECT_EQ(terminationLogHostPath(st, "/nope"), "");
  EXPECT_EQ(terminationLogHostPath(st, ""), "");
  auto msg = readTerminationMessage(file);
  ASSERT_TRUE(msg.ok());
  EXPECT_EQ(msg->size(), kMaxTerminationMessageBytes);
  EXPECT_EQ(readTerminationMessage(file, 3).value(), "xxx");
  EXPECT_EQ(readTerminationMessage(root.path() + "/gone").value(), "");
}

TEST(ContainerFiles, RestartCountFromLogDir) {
  orch::testing::TempDir root;
  EXPECT_EQ(restartCountFromLogDir(root.path() + "/missing").value(), 0);
  const std::string dir = root.path() + "/app";
  std::filesystem::create_directories(dir);
  EXPECT_EQ(restartCountFromLogDir(dir).value(), 0);
  root.write("app/0.log", "");
  root.write("app/1.log", "");
  EXPECT_EQ(restartCountFromLogDir(dir).value(), 2);
  root.write("app/3.log.20240101-120000", "");  // rotated
  root.write("app/foo.log", "");
  root.write("app/9.txt", "");
  root.write("app/12log", "");
  std::filesystem::create_directories(dir + "/7.log");  // a directory does not count
  EXPECT_EQ(restartCountFromLogDir(dir).value(), 4);
}

}  // namespace
}  // namespace orch::agent
