#include "agent/volume/volume_manager.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include "agent/volume/container_mounts.h"
#include "support/temp_dir.h"
#include "test_util.h"

namespace orch::agent {
namespace {

using namespace testutil;

class VolumeManagerTest : public ::testing::Test {
 protected:
  VolumeManagerTest() {
    root_ = tmp_.path() + "/agent";
    hostdir_ = tmp_.path() + "/host";
    VolumeManagerOptions o;
    o.root_dir = root_;
    o.use_tmpfs = false;
    o.get_config_map = [this](const std::string& ns,
                              const std::string& name) -> Result<std::optional<api::ConfigMap>> {
      if (ns != "shop") return std::optional<api::ConfigMap>();
      auto it = cms_.find(name);
      if (it == cms_.end()) return std::optional<api::ConfigMap>();
      return std::optional<api::ConfigMap>(it->second);
    };
    o.get_secret = [this](const std::string& ns,
                          const std::string& name) -> Result<std::optional<api::Secret>> {
      if (ns != "shop") return std::optional<api::Secret>();
      auto it = secrets_.find(name);
      if (it == secrets_.end()) return std::optional<api::Secret>();
      return std::optional<api::Secret>(it->second);
    };
    o.node_allocatable = {{"memory", api::Quantity::mustParse("1Gi")}};
    vm_ = std::make_unique<VolumeManager>(o);

    cms_["app-config"].data = {{"mode", "fast"}, {"level", "3"}};
    secrets_["creds"].data = {{"password", "pw"}};

    pod_.metadata.name = "web-0";
    pod_.metadata.namespace_ = "shop";
    pod_.metadata.uid = "0b1c-uid";
    pod_.metadata.labels = {{"app", "web"}};
    api::Container c;
    c.name = "app";
    pod_.spec.containers.push_back(c);
  }

  api::Volume& addVolume(std::string name) {
    api::Volume v;
    v.name = std::move(name);
    pod_.spec.volumes.push_back(v);
    return pod_.spec.volumes.back();
  }
  std::string volDir(const std::string& plugin, const std::string& name) {
    return root_ + "/pods/" + pod_.metadata.uid + "/volumes/" + plugin + "/" + name;
  }

  testing::TempDir tmp_;
  std::string root_, hostdir_;
  std::map<std::string, api::ConfigMap> cms_;
  std::map<std::string, api::Secret> secrets_;
  std::unique_ptr<VolumeManager> vm_;
  api::Pod pod_;
};

TEST_F(VolumeManagerTest, SetsUpEveryKindWithTheKubeletLayout) {
  addVolume("scratch").emptyDir.emplace();
  auto& mem = addVolume("cache").emptyDir.emplace();
  mem.medium = "Memory";
  mem.sizeLimit = api::Quantity::mustParse("64Mi");
  auto& hp = addVolume("host").hostPath.emplace();
  hp.path = hostdir_;
  hp.type = "DirectoryOrCreate";
  addVolume("cfg").configMap.emplace().name = "app-config";
  addVolume("creds").secret.emplace().secretName = "creds";
  auto& dapi = addVolume("podinfo").downwardAPI.emplace();
  api::DownwardAPIVolumeFile f;
  f.path = "labels";
  f.fieldRef.emplace().fieldPath = "metadata.labels";
  dapi.items.push_back(f);
  auto& proj = addVolume("all-in-one").projected.emplace();
  api::VolumeProjection p1;
  p1.configMap.emplace().name = "app-config";
  api::VolumeProjection p2;
  p2.serviceAccountToken.emplace().path = "token";
  proj.sources = {p1, p2};

  auto r = vm_->setUp(pod_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& v = r->volumes;
  ASSERT_EQ(v.size(), 7u);

  EXPECT_EQ(v.at("scratch").host_path, volDir("kubernetes.io~empty-dir", "scratch"));
  EXPECT_EQ(modeOf(v.at("scratch").host_path), 0777u);
  EXPECT_FALSE(v.at("scratch").read_only);
  EXPECT_EQ(v.at("cache").size_limit, 64 * 1024 * 1024);
  EXPECT_EQ(v.at("host").host_path, hostdir_);
  EXPECT_TRUE(v.at("host").is_dir);
  EXPECT_EQ(modeOf(hostdir_), 0755u);

  std::string cfg = volDir("kubernetes.io~configmap", "cfg");
  EXPECT_EQ(v.at("cfg").host_path, cfg);
  EXPECT_TRUE(v.at("cfg").read_only);
  EXPECT_EQ(contentOf(cfg + "/mode"), "fast");
  EXPECT_EQ(readLink(cfg + "/mode"), "..data/mode");
  EXPECT_EQ(modeOf(cfg + "/mode"), 0644u);

  std::string creds = volDir("kubernetes.io~secret", "creds");
  EXPECT_EQ(contentOf(creds + "/password"), "pw");
  EXPECT_EQ(modeOf(creds + "/password"), 0644u);  // secrets default to 0644 too
  EXPECT_TRUE(v.at("creds").read_only);

  EXPECT_EQ(contentOf(volDir("kubernetes.io~downward-api", "podinfo") + "/labels"), "app=\"web\"");
  std::string projected = volDir("kubernetes.io~projected", "all-in-one");
  EXPECT_EQ(contentOf(projected + "/level"), "3");
  EXPECT_FALSE(exists(projected + "/token"));
  ASSERT_EQ(r->notes.size(), 1u);
  EXPECT_NE(r->notes[0].find("volume \"all-in-one\""), std::string::npos);
  EXPECT_NE(r->notes[0].find("serviceAccountToken"), std::string::npos);

  // setUp again: idempotent, nothing is rewritten.
  std::string data_before = readLink(cfg + "/..data");
  auto again = vm_->setUp(pod_);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(readLink(cfg + "/..data"), data_before);

  // The result feeds mountsFor.
  api::VolumeMount m;
  m.name = "cfg";
  m.mountPath = "/etc/app";
  pod_.spec.containers[0].volumeMounts.push_back(m);
  auto mounts = mountsFor(pod_.spec.containers[0], *r);
  ASSERT_TRUE(mounts.ok());
  EXPECT_EQ((*mounts)[0].host_path, cfg);
  EXPECT_TRUE((*mounts)[0].readonly);
}

TEST_F(VolumeManagerTest, ConfigMapItemsDefaultModeAndOptional) {
  auto& cm = addVolume("cfg").configMap.emplace();
  cm.name = "app-config";
  cm.defaultMode = 0400;
  api::KeyToPath k;
  k.key = "level";
  k.path = "nested/level.txt";
  api::KeyToPath k2;
  k2.key = "mode";
  k2.path = "mode";
  k2.mode = 0640;
  cm.items = {k, k2};
  auto& opt = addVolume("maybe").configMap.emplace();
  opt.name = "absent";
  opt.optional = true;
  auto r = vm_->setUp(pod_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::string dir = volDir("kubernetes.io~configmap", "cfg");
  EXPECT_EQ(contentOf(dir + "/nested/level.txt"), "3");
  EXPECT_EQ(modeOf(dir + "/nested/level.txt"), 0400u);
  EXPECT_EQ(modeOf(dir + "/mode"), 0640u);
  std::string maybe = volDir("kubernetes.io~configmap", "maybe");
  EXPECT_TRUE(isSymlink(maybe + "/..data"));  // an empty, published projection
}

TEST_F(VolumeManagerTest, MissingConfigMapNamesTheVolume) {
  addVolume("cfg").configMap.emplace().name = "absent";
  auto r = vm_->setUp(pod_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ENOENT);
  EXPECT_EQ(r.status().context(), "volume \"cfg\": configmap \"absent\" not found");

  pod_.spec.volumes.clear();
  addVolume("s").secret.emplace().secretName = "absent";
  r = vm_->setUp(pod_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().context(), "volume \"s\": secret \"absent\" not found");
}

TEST_F(VolumeManagerTest, HostPathTypeFailureNamesTheVolume) {
  auto& hp = addVolume("sock").hostPath.emplace();
  hp.path = tmp_.write("plain", "x");
  hp.type = "Socket";
  auto r = vm_->setUp(pod_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().context(),
            "volume \"sock\": hostPath type check failed: " + hp.path + " is not a socket file");
  hp.type = "File";
  r = vm_->setUp(pod_);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->volumes.at("sock").is_dir);
}

TEST_F(VolumeManagerTest, UnsupportedSources) {
  addVolume("claim").persistentVolumeClaim.emplace().claimName = "pvc";
  auto r = vm_->setUp(pod_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), EOPNOTSUPP);
  EXPECT_NE(r.status().context().find("volume \"claim\""), std::string::npos);
  pod_.spec.volumes.clear();
  addVolume("nfs").unknown_fields = api::Json{{"nfs", {{"server", "x"}}}};
  r = vm_->setUp(pod_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().context().find("nfs"), std::string::npos);
  pod_.spec.volumes.clear();
  addVolume("huge").emptyDir.emplace().medium = "HugePages";
  EXPECT_FALSE(vm_->setUp(pod_).ok());
}

TEST_F(VolumeManagerTest, RefreshPublishesOnlyChanges) {
  addVolume("cfg").configMap.emplace().name = "app-config";
  addVolume("info").downwardAPI.emplace().items.push_back([] {
    api::DownwardAPIVolumeFile f;
    f.path = "labels";
    f.fieldRef.emplace().fieldPath = "metadata.labels";
    return f;
  }());
  ASSERT_TRUE(vm_->setUp(pod_).ok());
  std::string cfg = volDir("kubernetes.io~configmap", "cfg");
  std::string info = volDir("kubernetes.io~downward-api", "info");
  std::string cfg_data = readLink(cfg + "/..data");
  std::string info_data = readLink(info + "/..data");

  // Nothing changed: no swap.
  ASSERT_TRUE(vm_->refresh(pod_).isOk());
  EXPECT_EQ(readLink(cfg + "/..data"), cfg_data);
  EXPECT_EQ(readLink(info + "/..data"), info_data);

  // The ConfigMap changes: only its volume swaps, the old data is gone.
  cms_["app-config"].data["level"] = "4";
  cms_["app-config"].data.erase("mode");
  ASSERT_TRUE(vm_->refresh(pod_).isOk());
  EXPECT_NE(readLink(cfg + "/..data"), cfg_data);
  EXPECT_FALSE(exists(cfg + "/" + cfg_data));
  EXPECT_EQ(contentOf(cfg + "/level"), "4");
  EXPECT_FALSE(exists(cfg + "/mode"));
  EXPECT_EQ(readLink(info + "/..data"), info_data);

  // Labels change: the downward API volume follows.
  pod_.metadata.labels["tier"] = "front";
  ASSERT_TRUE(vm_->refresh(pod_).isOk());
  EXPECT_EQ(contentOf(info + "/labels"), "app=\"web\"\ntier=\"front\"");

  // A deleted ConfigMap: the error names the volume, the old content stays.
  cms_.erase("app-config");
  Status s = vm_->refresh(pod_);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.context().find("volume \"cfg\": configmap \"app-config\" not found"),
            std::string::npos);
  EXPECT_EQ(contentOf(cfg + "/level"), "4");
}

TEST_F(VolumeManagerTest, RefreshDoesNotResurrectTornDownPods) {
  addVolume("cfg").configMap.emplace().name = "app-config";
  ASSERT_TRUE(vm_->setUp(pod_).ok());
  ASSERT_TRUE(vm_->tearDown(pod_.metadata.uid).isOk());
  ASSERT_TRUE(vm_->refresh(pod_).isOk());
  EXPECT_FALSE(exists(root_ + "/pods/" + pod_.metadata.uid + "/volumes"));
}

TEST_F(VolumeManagerTest, TearDownRemovesEverythingAndIsIdempotent) {
  addVolume("scratch").emptyDir.emplace();
  addVolume("cfg").configMap.emplace().name = "app-config";
  auto& hp = addVolume("host").hostPath.emplace();
  hp.path = hostdir_;
  hp.type = "DirectoryOrCreate";
  auto r = vm_->setUp(pod_);
  ASSERT_TRUE(r.ok());
  tmp_.write("host/keep.txt", "keep");
  // A container left a symlink to the host path in its emptyDir: removal must not follow it.
  ASSERT_EQ(::symlink(hostdir_.c_str(), (r->volumes.at("scratch").host_path + "/link").c_str()), 0);
  tmp_.write("agent/pods/" + pod_.metadata.uid + "/volumes/kubernetes.io~empty-dir/scratch/a/b",
             "data");

  auto pods = vm_->podsOnDisk();
  ASSERT_TRUE(pods.ok());
  EXPECT_EQ(*pods, std::vector<std::string>{pod_.metadata.uid});

  ASSERT_TRUE(vm_->tearDown(pod_.metadata.uid).isOk());
  EXPECT_FALSE(exists(root_ + "/pods/" + pod_.metadata.uid + "/volumes"));
  EXPECT_EQ(contentOf(hostdir_ + "/keep.txt"), "keep");  // hostPath content untouched
  EXPECT_TRUE(vm_->tearDown(pod_.metadata.uid).isOk());
  EXPECT_TRUE(vm_->tearDown("never-existed").isOk());
  pods = vm_->podsOnDisk();
  ASSERT_TRUE(pods.ok());
  EXPECT_TRUE(pods->empty());
  EXPECT_FALSE(vm_->tearDown("../escape").isOk());
  EXPECT_FALSE(vm_->tearDown("").isOk());
}

TEST_F(VolumeManagerTest, FsGroupOwnership) {
  gid_t gid = ::getgid();  // a group this (unprivileged) test may chown to
  pod_.spec.securityContext.emplace().fsGroup = gid;
  addVolume("scratch").emptyDir.emplace();
  auto& cm = addVolume("cfg").configMap.emplace();
  cm.name = "app-config";
  cm.defaultMode = 0600;
  auto r = vm_->setUp(pod_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::string scratch = r->volumes.at("scratch").host_path;
  EXPECT_EQ(modeOf(scratch), 02777u);
  std::string cfg = r->volumes.at("cfg").host_path;
  EXPECT_EQ(modeOf(cfg + "/mode"), 0640u);  // group read added
  struct stat st {};
  ASSERT_EQ(::stat((cfg + "/mode").c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, gid);
  EXPECT_EQ(modeOf(cfg + "/..data"), 02755u);
  // Unchanged content with fsGroup is still "unchanged".
  std::string data = readLink(cfg + "/..data");
  ASSERT_TRUE(vm_->refresh(pod_).isOk());
  EXPECT_EQ(readLink(cfg + "/..data"), data);
}

TEST_F(VolumeManagerTest, InvalidNamesAreRefused) {
  addVolume("../x").emptyDir.emplace();
  EXPECT_FALSE(vm_->setUp(pod_).ok());
  pod_.spec.volumes.clear();
  pod_.metadata.uid = "";
  EXPECT_FALSE(vm_->setUp(pod_).ok());
}

}  // namespace
}  // namespace orch::agent
