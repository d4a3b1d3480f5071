#include "agent/volume/host_path.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>

#include "common/base/unique_fd.h"
#include "support/temp_dir.h"
#include "test_util.h"

namespace orch::agent {
namespace {

using namespace testutil;

class HostPathTest : public ::testing::Test {
 protected:
  HostPathTest() {
    dir_ = tmp_.path() + "/dir";
    ::mkdir(dir_.c_str(), 0755);
    file_ = tmp_.write("file", "x");
    sock_ = tmp_.path() + "/sock";
    sock_fd_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, sock_.c_str(), sizeof addr.sun_path - 1);
    EXPECT_EQ(::bind(sock_fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  }
  Status check(const std::string& path, const std::string& type) {
    return checkHostPathType(path, type);
  }

  testing::TempDir tmp_;
  std::string dir_, file_, sock_;
  UniqueFd sock_fd_;
};

TEST_F(HostPathTest, NoTypeChecksNothing) {
  EXPECT_TRUE(checkHostPathType(tmp_.path() + "/absent", std::nullopt).isOk());
  EXPECT_TRUE(check(tmp_.path() + "/absent", "").isOk());
  EXPECT_FALSE(exists(tmp_.path() + "/absent"));
}

TEST_F(HostPathTest, Directory) {
  EXPECT_TRUE(check(dir_, "Directory").isOk());
  Status s = check(file_, "Directory");
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.context(), "hostPath type check failed: " + file_ + " is not a directory");
  EXPECT_FALSE(check(tmp_.path() + "/absent", "Directory").isOk());
}

TEST_F(HostPathTest, DirectoryOrCreate) {
  std::string p = tmp_.path() + "/new/nested";
  mode_t old = ::umask(077);
  Status s = check(p, "DirectoryOrCreate");
  ::umask(old);
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(modeOf(p), 0755u);
  EXPECT_TRUE(check(p, "DirectoryOrCreate").isOk());
  EXPECT_FALSE(check(file_, "DirectoryOrCreate").isOk());
}

TEST_F(HostPathTest, FileAndFileOrCreate) {
  EXPECT_TRUE(check(file_, "File").isOk());
  Status s = check(dir_, "File");
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.context(), "hostPath type check failed: " + dir_ + " is not a file");
  std::string p = tmp_.path() + "/created";
  ASSERT_TRUE(check(p, "FileOrCreate").isOk());
  EXPECT_EQ(contentOf(p), "");
  EXPECT_TRUE(check(p, "File").isOk());
  EXPECT_FALSE(check(dir_, "FileOrCreate").isOk());
  // The parent is not created for a file.
  EXPECT_FALSE(check(tmp_.path() + "/no/parent", "FileOrCreate").isOk());
}

TEST_F(HostPathTest, SocketAndDevices) {
  EXPECT_TRUE(check(sock_, "Socket").isOk());
  EXPECT_FALSE(check(file_, "Socket").isOk());
  EXPECT_TRUE(check("/dev/null", "CharDevice").isOk());
  Status s = check(file_, "CharDevice");
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.context(), "hostPath type check failed: " + file_ + " is not a character device");
  s = check("/dev/null", "BlockDevice");
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.context(), "hostPath type check failed: /dev/null is not a block device");
}

TEST_F(HostPathTest, SymlinksAreFollowed) {
  std::string link = tmp_.path() + "/link";
  ASSERT_EQ(::symlink(dir_.c_str(), link.c_str()), 0);
  EXPECT_TRUE(check(link, "Directory").isOk());
}

TEST_F(HostPathTest, UnknownType) {
  Status s = check(dir_, "Pipe");
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.context(), "Pipe is an invalid volume type");
}

}  // namespace
}  // namespace orch::agent
