// The build's docker-archives load into the upstream runtime too: a private containerd
// (own root, state and socket in a temp dir; CRI and other unneeded plugins off) imports
// busybox.tar and pause.tar with `ctr images import`, unpacking them with its overlayfs
// snapshotter.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <fstream>

#include "common/base/file_util.h"
#include "common/base/process.h"
#include "support/daemon.h"
#include "support/temp_dir.h"

namespace orch::shim {
namespace {

using orch::testing::Daemon;
using orch::testing::TempDir;

class PrivateContainerd {
 public:
  Status start() {
    const std::string d = dir_.path();
    std::string config =
        "version = 2\n"
        "root = \"" +
        d +
        "/root\"\n"
        "state = \"" +
        d +
        "/state\"\n"
        "disabled_plugins = [\"io.containerd.grpc.v1.cri\", "
        "\"io.containerd.snapshotter.v1.btrfs\", \"io.containerd.snapshotter.v1.zfs\", "
        "\"io.containerd.snapshotter.v1.devmapper\", \"io.containerd.snapshotter.v1.aufs\", "
        "\"io.containerd.internal.v1.opt\", \"io.containerd.tracing.processor.v1.otlp\"]\n"
        "[grpc]\n  address = \"" +
        socket() +
        "\"\n"
        "[ttrpc]\n  address = \"" +
        d +
        "/c.sock.ttrpc\"\n"
        "[debug]\n  address = \"\"\n"
        "[metrics]\n  address = \"\"\n";
    ORCH_RETURN_IF_ERROR(writeFile(d + "/config.toml", config));
    ORCH_ASSIGN_OR_RETURN(Daemon daemon,
                          Daemon::start({"/usr/bin/containerd", "--config", d + "/config.toml"},
                                        d + "/containerd.log"));
    daemon_.emplace(std::move(daemon));
    return orch::testing::waitForUnixSocket(socket(), std::chrono::seconds(30));
  }
  ~PrivateContainerd() {
    if (daemon_) (void)daemon_->stop(std::chrono::seconds(10));
    // The snapshotter unmounts after each unpack; anything left below the dir goes now.
    std::ifstream mounts("/proc/mounts");
    std::string dev, mnt, rest;
    std::vector<std::string> ours;
    while (mounts >> dev >> mnt && std::getline(mounts, rest)) {
      if (mnt.rfind(dir_.path(), 0) == 0) ours.push_back(mnt);
    }
    for (auto it = ours.rbegin(); it != ours.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
  }
  std::string socket() const { return dir_.path() + "/c.sock"; }
  Result<RunResult> ctr(std::vector<std::string> args) {
    std::vector<std::string> argv{"/usr/bin/ctr", "--address", socket(), "-n", "k8s.io"};
    argv.insert(argv.end(), args.begin(), args.end());
    return runProcess({.argv = argv, .pipe_stdout = true, .pipe_stderr = true}, "",
                      std::chrono::seconds(120));
  }
  std::string log() const { return readFile(dir_.path() + "/containerd.log").valueOr(""); }

 private:
  TempDir dir_;
  std::optional<Daemon> daemon_;
};

TEST(ContainerdImport, LoadsTheBuiltImages) {
  ASSERT_EQ(::geteuid(), 0u);
  PrivateContainerd c;
  Status st = c.start();
  ASSERT_TRUE(st.isOk()) << st.message() << "\n" << c.log();
#ifdef PAUSE_TAR
  const std::vector<std::string> tars{BUSYBOX_TAR, PAUSE_TAR};
#else
  const std::vector<std::string> tars{BUSYBOX_TAR};
#endif
  for (const auto& tar : tars) {
    auto r = c.ctr({"images", "import", tar});
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->exit_code, 0) << tar << ": " << r->out << r->err;
  }
  auto ls = c.ctr({"images", "ls", "-q"});
  ASSERT_TRUE(ls.ok());
  EXPECT_NE(ls->out.find("docker.io/library/busybox:latest\n"), std::string::npos) << ls->out;
#ifdef PAUSE_TAR
  EXPECT_NE(ls->out.find("registry.k8s.io/pause:3.9\n"), std::string::npos) << ls->out;
#endif
  // Unpacked into snapshots: one committed snapshot per image layer.
  auto snaps = c.ctr({"snapshots", "ls"});
  ASSERT_TRUE(snaps.ok());
  size_t committed = 0;
  for (size_t p = snaps->out.find("Committed"); p != std::string::npos;
       p = snaps->out.find("Committed", p + 1)) {
    ++committed;
  }
  EXPECT_EQ(committed, tars.size()) << snaps->out;
}

}  // namespace
}  // namespace orch::shim
