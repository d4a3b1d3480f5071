// VolumeManager as root: real tmpfs mounts (emptyDir Memory with its size, secrets), tearDown
// unmounting and removing everything, and readers racing with ..data swaps.
//
// The whole program runs in a private mount namespace (made before main, while it is still
// single-threaded), so no mount can outlive it even when a test fails midway.

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include "agent/volume/fs_ops.h"
#include "agent/volume/volume_manager.h"
#include "common/base/file_util.h"
#include "common/base/unique_fd.h"
#include "support/temp_dir.h"

namespace orch::agent {
namespace {

[[maybe_unused]] const bool kPrivateMounts = [] {
  if (::unshare(CLONE_NEWNS) != 0 ||
      ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    std::perror("integration_agent_volume: private mount namespace (needs root)");
    std::exit(1);
  }
  return true;
}();

struct FsInfo {
  bool tmpfs = false;
  int64_t bytes = 0;
};

FsInfo fsInfo(const std::string& path) {
  struct statfs sf {};
  if (::statfs(path.c_str(), &sf) != 0) return {};
  return {sf.f_type == TMPFS_MAGIC, static_cast<int64_t>(sf.f_blocks) * sf.f_bsize};
}

// The super options of the mount at `path` in this namespace ("rw,size=8192k,...").
std::string superOptions(const std::string& path) {
  std::string text = readFile("/proc/self/mountinfo").valueOr("");
  size_t pos = 0;
  std::string found;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    std::string line = text.substr(pos, eol - pos);
    pos = eol == std::string::npos ? text.size() : eol + 1;
    if (line.find(" " + path + " ") == std::string::npos) continue;
    size_t last = line.rfind(' ');
    found = line.substr(last + 1);
  }
  return found;
}

class VolumeRootTest : public ::testing::Test {
 protected:
  VolumeRootTest() {
    root_ = tmp_.path() + "/agent";
    VolumeManagerOptions o;
    o.root_dir = root_;
    o.use_tmpfs = true;
    o.get_config_map = [this](const std::string&,
                              const std::string& name) -> Result<std::optional<api::ConfigMap>> {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = cms_.find(name);
      if (it == cms_.end()) return std::optional<api::ConfigMap>();
      return std::optional<api::ConfigMap>(it->second);
    };
    o.get_secret = [this](const std::string&,
                          const std::string& name) -> Result<std::optional<api::Secret>> {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = secrets_.find(name);
      if (it == secrets_.end()) return std::optional<api::Secret>();
      return std::optional<api::Secret>(it->second);
    };
    o.node_allocatable = {{"memory", api::Quantity::mustParse("1Gi")}};
    vm_ = std::make_unique<VolumeManager>(o);
    pod_.metadata.name = "web-0";
    pod_.metadata.namespace_ = "shop";
    pod_.metadata.uid = "9f0e-root-test";
    api::Container c;
    c.name = "app";
    pod_.spec.containers.push_back(c);
  }
  ~VolumeRootTest() override {
    // Unmount whatever a failed test left, before TempDir removes the tree.
    for (const auto& mp : mountPointsUnder(tmp_.path()).valueOr({})) (void)unmountPath(mp);
  }

  api::Volume& addVolume(std::string name) {
    api::Volume v;
    v.name = std::move(name);
    pod_.spec.volumes.push_back(v);
    return pod_.spec.volumes.back();
  }
  void setSecret(const std::string& name, std::map<std::string, std::string> data) {
    std::lock_guard<std::mutex> lock(mu_);
    secrets_[name].data = std::move(data);
  }

  testing::TempDir tmp_;
  std::string root_;
  std::mutex mu_;
  std::map<std::string, api::ConfigMap> cms_;
  std::map<std::string, api::Secret> secrets_;
  std::unique_ptr<VolumeManager> vm_;
  api::Pod pod_;
};

TEST_F(VolumeRootTest, EmptyDirMemoryIsASizedTmpfs) {
  auto& ed = addVolume("cache").emptyDir.emplace();
  ed.medium = "Memory";
  ed.sizeLimit = api::Quantity::mustParse("8Mi");
  addVolume("disk").emptyDir.emplace();
  auto r = vm_->setUp(pod_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::string cache = r->volumes.at("cache").host_path;
  FsInfo info = fsInfo(cache);
  EXPECT_TRUE(info.tmpfs);
  EXPECT_EQ(info.bytes, 8 * 1024 * 1024);
  EXPECT_FALSE(fsInfo(r->volumes.at("disk").host_path).tmpfs);

  // The size is a real limit.
  {
    UniqueFd fd(::open((cache + "/fill").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    ASSERT_TRUE(fd.valid());
    std::string chunk(1024 * 1024, 'x');
    Status s;
    for (int i = 0; i < 9 && s.isOk(); ++i) s = writeAll(fd.get(), chunk, "fill");
    EXPECT_EQ(s.code(), ENOSPC);
  }

  // setUp again keeps the same mount (one tmpfs, content intact).
  ASSERT_TRUE(vm_->setUp(pod_).ok());
  auto mounts = mountPointsUnder(root_);
  ASSERT_TRUE(mounts.ok());
  EXPECT_EQ(*mounts, std::vector<std::string>{cache});
  struct stat st {};
  EXPECT_EQ(::stat((cache + "/fill").c_str(), &st), 0);
  ASSERT_TRUE(vm_->tearDown(pod_.metadata.uid).isOk());
}

TEST_F(VolumeRootTest, MemoryEmptyDirFollowsThePodLimit) {
  addVolume("cache").emptyDir.emplace().medium = "Memory";
  pod_.spec.containers[0].resources.limits["memory"] = api::Quantity::mustParse("16Mi");
  auto r = vm_->setUp(pod_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(fsInfo(r->volumes.at("cache").host_path).bytes, 16 * 1024 * 1024);
  ASSERT_TRUE(vm_->tearDown(pod_.metadata.uid).isOk());
}

TEST_F(VolumeRootTest, SecretVolumeOnTmpfs) {
  setSecret("creds", {{"password", "pw"}, {"token", "t"}});
  auto& s = addVolume("creds").secret.emplace();
  s.secretName = "creds";
  s.defaultMode = 0400;
  cms_["cfg"].data = {{"k", "v"}};
  addVolume("cfg").configMap.emplace().name = "cfg";
  auto r = vm_->setUp(pod_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::string dir = r->volumes.at("creds").host_path;
  EXPECT_TRUE(fsInfo(dir).tmpfs);
  EXPECT_NE(superOptions(dir).find("noswap"), std::string::npos) << superOptions(dir);
  EXPECT_EQ(readFile(dir + "/password").valueOr(""), "pw");
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/password").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0400u);
  // ConfigMaps stay on disk, as upstream.
  EXPECT_FALSE(fsInfo(r->volumes.at("cfg").host_path).tmpfs);
  ASSERT_TRUE(vm_->tearDown(pod_.metadata.uid).isOk());
}

TEST_F(VolumeRootTest, TearDownUnmountsDeepestFirstAndRemovesEverything) {
  setSecret("creds", {{"password", "pw"}});
  addVolume("creds").secret.emplace().secretName = "creds";
  addVolume("cache").emptyDir.emplace().medium = "Memory";
  auto& info = addVolume("info").downwardAPI.emplace();
  api::DownwardAPIVolumeFile f;
  f.path = "name";
  f.fieldRef.emplace().fieldPath = "metadata.name";
  info.items.push_back(f);
  auto r = vm_->setUp(pod_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  // Something mounted inside a volume (as a container with Bidirectional propagation could).
  std::string nested = r->volumes.at("cache").host_path + "/nested";
  ASSERT_EQ(::mkdir(nested.c_str(), 0755), 0);
  ASSERT_TRUE(mountTmpfs(nested, 1024 * 1024).isOk());
  auto before = mountPointsUnder(vm_->podDir(pod_.metadata.uid));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->size(), 4u);  // secret, emptyDir, its nested mount, downwardAPI
  EXPECT_EQ(before->front(), nested);

  ASSERT_TRUE(vm_->tearDown(pod_.metadata.uid).isOk());
  auto after = mountPointsUnder(root_);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());
  struct stat st {};
  EXPECT_NE(::lstat((vm_->podDir(pod_.metadata.uid) + "/volumes").c_str(), &st), 0);
  EXPECT_TRUE(vm_->tearDown(pod_.metadata.uid).isOk());  // idempotent
  EXPECT_TRUE(vm_->podsOnDisk()->empty());
}

TEST_F(VolumeRootTest, RemovalNeverCrossesAMount) {
  std::string dir = tmp_.path() + "/tree";
  std::string mp = dir + "/mounted";
  ASSERT_TRUE(makeDirs(mp, 0755).isOk());
  ASSERT_TRUE(mountTmpfs(mp, 1024 * 1024).isOk());
  ASSERT_TRUE(writeFile(mp + "/precious", "keep").isOk());
  Status s = removeAllOneFilesystem(dir);
  EXPECT_EQ(s.code(), EBUSY);
  EXPECT_EQ(readFile(mp + "/precious").valueOr(""), "keep");
  ASSERT_TRUE(unmountPath(mp).isOk());
  EXPECT_TRUE(removeAllOneFilesystem(dir).isOk());
}

std::string versionContent(int n, char which) {
  return "v" + std::to_string(n) + ":" + std::string(64 * 1024, which) + "\n";
}

// Parses "v<N>:..." and checks it is exactly what version N wrote; -1 when it is not.
int versionOf(const std::string& content, char which) {
  if (content.size() < 2 || content[0] != 'v') return -1;
  int n = std::atoi(content.c_str() + 1);
  return content == versionContent(n, which) ? n : -1;
}

TEST_F(VolumeRootTest, ConcurrentReaderNeverSeesAHalfWrittenProjection) {
  constexpr int kVersions = 150;
  setSecret("s", {{"a", versionContent(0, 'a')}, {"b", versionContent(0, 'b')}});
  addVolume("s").secret.emplace().secretName = "s";
  auto r = vm_->setUp(pod_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const std::string vol = r->volumes.at("s").host_path;
  ASSERT_TRUE(fsInfo(vol).tmpfs);

  std::atomic<bool> done{false};
  std::atomic<int> attempts{0};
  int consistent_reads = 0, retries = 0, last_version = 0;
  std::vector<std::string> problems;

  // Reads a and b through one pinned ..data directory: both must be the same, whole version.
  auto readOnce = [&]() {
    attempts.fetch_add(1);
    UniqueFd data(::open((vol + "/..data").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!data) {
      ++retries;
      return;
    }
    std::string content[2];
    const char names[2] = {'a', 'b'};
    for (int i = 0; i < 2; ++i) {
      UniqueFd fd(::openat(data.get(), std::string(1, names[i]).c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd) {
        ++retries;  // the old directory was removed after a swap: the reader retries
        return;
      }
      char buf[8192];
      for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) > 0;) content[i].append(buf, n);
    }
    int va = versionOf(content[0], 'a'), vb = versionOf(content[1], 'b');
    if (va < 0 || vb < 0 || va != vb || va < last_version) {
      problems.push_back("a=" + content[0].substr(0, 12) + " b=" + content[1].substr(0, 12) +
                         " after v" + std::to_string(last_version));
      return;
    }
    last_version = va;
    ++consistent_reads;
    // The user-visible path gives a whole version too (not older than the pinned one).
    auto visible = readFile(vol + "/a");
    if (visible.ok() && versionOf(*visible, 'a') < va) {
      problems.push_back("visible a: " + visible->substr(0, 12) + " older than v" +
                         std::to_string(va));
    }
  };

  std::thread reader([&] {
    while (!done.load()) readOnce();
  });
  while (attempts.load() == 0) std::this_thread::yield();
  Status refresh_status;
  for (int v = 1; v <= kVersions && refresh_status.isOk(); ++v) {
    setSecret("s", {{"a", versionContent(v, 'a')}, {"b", versionContent(v, 'b')}});
    refresh_status = vm_->refresh(pod_);
  }
  done.store(true);
  reader.join();
  ASSERT_TRUE(refresh_status.isOk()) << refresh_status.message();
  readOnce();  // nothing changes any more: this read must succeed with the last version

  EXPECT_TRUE(problems.empty()) << problems.size() << " bad reads, first: " << problems.front();
  EXPECT_GE(consistent_reads, 1);
  EXPECT_EQ(last_version, kVersions);
  // Exactly one timestamped dir is left.
  int ts_dirs = 0;
  DIR* d = ::opendir(vol.c_str());
  ASSERT_NE(d, nullptr);
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n.rfind("..", 0) == 0 && n != ".." && n != "..data") ++ts_dirs;
  }
  ::closedir(d);
  EXPECT_EQ(ts_dirs, 1);
  std::printf("reads: %d consistent, %d retried after a swap\n", consistent_reads, retries);
  ASSERT_TRUE(vm_->tearDown(pod_.metadata.uid).isOk());
}

}  // namespace
}  // namespace orch::agent
