#include "agent/volume/container_mounts.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/temp_dir.h"
#include "test_util.h"

namespace orch::agent {
namespace {

using namespace testutil;

class ContainerMountsTest : public ::testing::Test {
 protected:
  ContainerMountsTest() {
    vol_ = tmp_.path() + "/vol";
    ::mkdir(vol_.c_str(), 0777);
    ::chmod(vol_.c_str(), 0777);
    outside_ = tmp_.path() + "/outside";
    ::mkdir(outside_.c_str(), 0755);
    volumes_.volumes["data"] =
        PodVolume{vol_, true, false, std::nullopt, "kubernetes.io~empty-dir"};
    volumes_.volumes["cfg"] = PodVolume{vol_, true, true, std::nullopt, "kubernetes.io~configmap"};
    container_.name = "app";
  }
  api::VolumeMount& mount(std::string name, std::string path) {
    api::VolumeMount m;
    m.name = std::move(name);
    m.mountPath = std::move(path);
    container_.volumeMounts.push_back(m);
    return container_.volumeMounts.back();
  }

  testing::TempDir tmp_;
  std::string vol_, outside_;
  PodVolumes volumes_;
  api::Container container_;
};

TEST_F(ContainerMountsTest, BasicReadOnlyAndPropagation) {
  mount("data", "/data");
  mount("cfg", "etc/cfg");  // relative: made absolute
  mount("data", "/ro").readOnly = true;
  mount("data", "/h2c").mountPropagation = "HostToContainer";
  mount("data", "/bi").mountPropagation = "Bidirectional";
  mount("data", "/none").mountPropagation = "None";
  auto r = mountsFor(container_, volumes_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::vector<ContainerMount> want = {
      {"data", "/data", vol_, false, MountPropagation::kPrivate},
      {"cfg", "/etc/cfg", vol_, true, MountPropagation::kPrivate},  // the volume is read-only
      {"data", "/ro", vol_, true, MountPropagation::kPrivate},
      {"data", "/h2c", vol_, false, MountPropagation::kHostToContainer},
      {"data", "/bi", vol_, false, MountPropagation::kBidirectional},
      {"data", "/none", vol_, false, MountPropagation::kPrivate},
  };
  EXPECT_EQ(*r, want);
}

TEST_F(ContainerMountsTest, UnknownVolumeAndPropagation) {
  mount("nope", "/x");
  auto r = mountsFor(container_, volumes_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().context(), "cannot find volume \"nope\" to mount into container \"app\"");
  container_.volumeMounts.clear();
  mount("data", "/x").mountPropagation = "Sideways";
  r = mountsFor(container_, volumes_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().context().find("invalid MountPropagation mode: \"Sideways\""),
            std::string::npos);
}

TEST_F(ContainerMountsTest, SubPathIsCreatedWithTheVolumeMode) {
  mount("data", "/logs").subPath = "app/logs";
  mode_t old = ::umask(022);
  auto r = mountsFor(container_, volumes_);
  ::umask(old);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::string real_vol = *prepareSubPath(vol_, ".");
  EXPECT_EQ((*r)[0].host_path, real_vol + "/app/logs");
  EXPECT_EQ(modeOf(vol_ + "/app"), 0777u);
  EXPECT_EQ(modeOf(vol_ + "/app/logs"), 0777u);
  // Existing ones are used as they are (files too).
  tmp_.write("vol/file.txt", "f");
  auto f = prepareSubPath(vol_, "file.txt");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, real_vol + "/file.txt");
}

TEST_F(ContainerMountsTest, SubPathRefusesEscapes) {
  auto abs = prepareSubPath(vol_, "/etc");
  ASSERT_FALSE(abs.ok());
  EXPECT_EQ(abs.status().context(), "error SubPath `/etc` must not be an absolute path");
  auto up = prepareSubPath(vol_, "a/../../outside");
  ASSERT_FALSE(up.ok());
  EXPECT_EQ(up.status().context(),
            "unable to provision SubPath `a/../../outside`: must not contain '..'");
  EXPECT_FALSE(prepareSubPath(vol_, "..").ok());
  EXPECT_TRUE(prepareSubPath(vol_, "a..b").ok());  // only whole ".." components are refused

  // A symlink planted in the volume (by a container) must not lead out of it.
  ASSERT_EQ(::symlink(outside_.c_str(), (vol_ + "/evil").c_str()), 0);
  auto evil = prepareSubPath(vol_, "evil");
  ASSERT_FALSE(evil.ok());
  EXPECT_EQ(evil.status().code(), EPERM);
  auto below = prepareSubPath(vol_, "evil/new/dir");
  ASSERT_FALSE(below.ok());
  EXPECT_FALSE(exists(outside_ + "/new"));
  // A symlink that stays inside is fine, and resolved.
  ::mkdir((vol_ + "/real").c_str(), 0755);
  ASSERT_EQ(::symlink("real", (vol_ + "/alias").c_str()), 0);
  auto alias = prepareSubPath(vol_, "alias/sub");
  ASSERT_TRUE(alias.ok()) << alias.status().message();
  EXPECT_EQ(*alias, *prepareSubPath(vol_, "real") + "/sub");
}

TEST_F(ContainerMountsTest, SubPathExprExpandsEnv) {
  mount("data", "/work").subPathExpr = "pods/$(POD_NAME)";
  std::map<std::string, std::string> env = {{"POD_NAME", "web-0"}, {"EMPTY", ""}};
  auto r = mountsFor(container_, volumes_, lookupInMaps({&env}));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(exists(vol_ + "/pods/web-0"));

  container_.volumeMounts.back().subPathExpr = "$(EMPTY)/$(MISSING)/$(POD_NAME)";
  r = mountsFor(container_, volumes_, lookupInMaps({&env}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().context().find("missing value for EMPTY, MISSING"), std::string::npos)
      << r.status().context();
}

}  // namespace
}  // namespace orch::agent
