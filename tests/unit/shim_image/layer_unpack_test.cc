#include "runtime-shim/image/layer_unpack.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>

#include "common/base/file_util.h"
#include "support/temp_dir.h"
#include "test_images.h"

namespace orch::shim {
namespace {

using orch::testing::makeTar;
using orch::testing::sha256Of;
using orch::testing::TarEntry;
using orch::testing::TempDir;

bool isRoot() {
  return ::geteuid() == 0;
}

struct Layer {
  TempDir tmp;
  std::string dest;
  std::string tar;
  explicit Layer(const std::string& content) {
    tar = tmp.write("layer.tar", content);
    dest = tmp.path() + "/root/layer";
    std::filesystem::create_directories(dest);
  }
  Result<UnpackReport> unpack(bool privileged, const std::string& diff_id = "") {
    return unpackLayer(tar, dest, diff_id, UnpackOptions{.privileged = privileged});
  }
  std::string at(const std::string& rel) const { return dest + "/" + rel; }
};

bool exists(const std::string& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0;
}

TEST(CleanLayerPath, Table) {
  const std::pair<std::string, std::string> ok[] = {
      {"a/b", "a/b"}, {"./a//b/", "a/b"}, {"/etc/passwd", "etc/passwd"},
      {"/", ""},      {"./", ""},         {"a/./b", "a/b"},
  };
  for (const auto& [in, want] : ok) {
    auto got = cleanLayerPath(in);
    ASSERT_TRUE(got.ok()) << in;
    EXPECT_EQ(*got, want) << in;
  }
  for (const std::string bad : {"..", "../x", "a/../../x", "a/..", "/../etc"}) {
    auto got = cleanLayerPath(bad);
    ASSERT_FALSE(got.ok()) << bad;
    EXPECT_EQ(got.status().code(), EPERM);
    EXPECT_NE(got.status().message().find("escapes the layer dir"), std::string::npos);
  }
}

TEST(UnpackLayer, KeepsModesLinksAndContent) {
  Layer l(makeTar({
      {.path = "a", .type = TarEntry::kDir, .mode = 0750},
      {.path = "a/file", .content = "hello", .mode = 0640},
      {.path = "a/exec", .content = "#!/bin/sh\n", .mode = 04755},
      {.path = "a/link", .type = TarEntry::kSymlink, .target = "file", .mode = 0777},
      {.path = "a/abs", .type = TarEntry::kSymlink, .target = "/etc/passwd", .mode = 0777},
      {.path = "a/hard", .type = TarEntry::kHardlink, .target = "a/file"},
      {.path = "a/fifo", .type = TarEntry::kFifo, .mode = 0600},
      {.path = "/b/c", .content = "absolute entry"},
  }));
  auto r = l.unpack(isRoot());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->diff_id, sha256Of(*readFile(l.tar)));
  struct stat st;
  ASSERT_EQ(::lstat(l.at("a").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  ASSERT_EQ(::lstat(l.at("a/file").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_nlink, 2u);
  EXPECT_EQ(st.st_mtime, 1000000000);
  const ino_t ino = st.st_ino;
  EXPECT_EQ(*readFile(l.at("a/file")), "hello");
  ASSERT_EQ(::lstat(l.at("a/hard").c_str(), &st), 0);
  EXPECT_EQ(st.st_ino, ino);
  ASSERT_EQ(::lstat(l.at("a/exec").c_str(), &st), 0);
  // setuid survives only where ownership could be set too.
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  if (isRoot()) {
    EXPECT_EQ(st.st_mode & 07777, 04755u);
    EXPECT_EQ(st.st_uid, 0u);
  }
  EXPECT_EQ(std::filesystem::read_symlink(l.at("a/link")), "file");
  EXPECT_EQ(std::filesystem::read_symlink(l.at("a/abs")), "/etc/passwd");
  ASSERT_EQ(::lstat(l.at("a/fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(*readFile(l.at("b/c")), "absolute entry");
}

TEST(UnpackLayer, GzipLayerDiffIdIsOfTheUncompressedTar) {
  std::string tar = makeTar({{.path = "f", .content = "data"}});
  Layer l(orch::testing::gzipBytes(tar));
  auto d = uncompressedDigest(l.tar);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(*d, sha256Of(tar));
  auto r = l.unpack(isRoot(), sha256Of(tar));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*readFile(l.at("f")), "data");
}

TEST(UnpackLayer, DiffIdMismatchWritesNothing) {
  Layer l(makeTar({{.path = "f", .content = "data"}}));
  const std::string wrong = sha256Of("something else");
  auto r = l.unpack(isRoot(), wrong);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), EBADMSG);
  EXPECT_NE(r.status().message().find(wrong), std::string::npos) << r.status().message();
  EXPECT_TRUE(std::filesystem::is_empty(l.dest));
}

std::string whiteoutTar() {
  return makeTar({
      {.path = "etc", .type = TarEntry::kDir, .mode = 0755},
      {.path = "etc/.wh.passwd", .content = ""},
      {.path = "var/.wh..wh..opq", .content = ""},
      {.path = "var", .type = TarEntry::kDir, .mode = 0755},
      {.path = "var/kept", .content = "new"},
      {.path = ".wh..wh.plnk/123.456", .content = ""},
      {.path = "deep/er/.wh.gone", .content = ""},
  });
}

TEST(UnpackLayer, WhiteoutsReportedWithoutPrivileges) {
  Layer l(whiteoutTar());
  auto r = l.unpack(false);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->whiteouts, (std::vector<std::string>{"etc/passwd", "deep/er/gone"}));
  EXPECT_EQ(r->opaque_dirs, (std::vector<std::string>{"var"}));
  EXPECT_FALSE(exists(l.at("etc/passwd")));
  EXPECT_FALSE(exists(l.at("etc/.wh.passwd")));
  EXPECT_FALSE(exists(l.at("var/.wh..wh..opq")));
  EXPECT_FALSE(exists(l.at(".wh..wh.plnk")));
  EXPECT_EQ(*readFile(l.at("var/kept")), "new");
}

TEST(UnpackLayer, WhiteoutsBecomeOverlayWhiteouts) {
  if (!isRoot()) GTEST_SKIP() << "mknod and trusted.* xattrs need root (integration covers it)";
  Layer l(whiteoutTar());
  auto r = l.unpack(true);
  ASSERT_TRUE(r.ok()) << r.status().message();
  struct stat st;
  for (const std::string p : {"etc/passwd", "deep/er/gone"}) {
    ASSERT_EQ(::lstat(l.at(p).c_str(), &st), 0) << p;
    EXPECT_TRUE(S_ISCHR(st.st_mode)) << p;
    EXPECT_EQ(st.st_rdev, makedev(0, 0)) << p;
  }
  char v[8] = {};
  ASSERT_EQ(::lgetxattr(l.at("var").c_str(), "trusted.overlay.opaque", v, sizeof(v)), 1);
  EXPECT_EQ(v[0], 'y');
  EXPECT_LT(::lgetxattr(l.at("etc").c_str(), "trusted.overlay.opaque", v, sizeof(v)), 0);
  EXPECT_FALSE(exists(l.at("etc/.wh.passwd")));
  EXPECT_EQ(*readFile(l.at("var/kept")), "new");
}

TEST(UnpackLayer, DropsOverlayXattrsCarriedByTheTar) {
  if (!isRoot()) GTEST_SKIP() << "trusted.* xattrs need root";
  Layer l(makeTar({{.path = "d",
                    .type = TarEntry::kDir,
                    .mode = 0755,
                    .xattrs = {{"trusted.overlay.opaque", "y"}, {"user.keep", "1"}}}}));
  auto r = l.unpack(true);
  ASSERT_TRUE(r.ok()) << r.status().message();
  char v[8] = {};
  EXPECT_LT(::lgetxattr(l.at("d").c_str(), "trusted.overlay.opaque", v, sizeof(v)), 0);
}

TEST(UnpackLayer, DeviceNodes) {
  Layer l(makeTar({{.path = "dev/null",
                    .type = TarEntry::kCharDev,
                    .mode = 0666,
                    .dev_major = 1,
                    .dev_minor = 3}}));
  auto r = l.unpack(false);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->skipped, std::vector<std::string>{"dev/null"});
  EXPECT_FALSE(exists(l.at("dev/null")));
  if (!isRoot()) return;
  Layer p(makeTar({{.path = "dev/null",
                    .type = TarEntry::kCharDev,
                    .mode = 0666,
                    .dev_major = 1,
                    .dev_minor = 3}}));
  ASSERT_TRUE(p.unpack(true).ok());
  struct stat st;
  ASSERT_EQ(::lstat(p.at("dev/null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
}

// A path outside the layer dir that a hostile layer aims at.
struct Target {
  TempDir dir;
  std::string file() const { return dir.path() + "/victim"; }
};

TEST(UnpackLayer, RefusesDotDotEntries) {
  for (const std::string path : {"../escaped", "a/../../escaped", "./../escaped"}) {
    Layer l(makeTar({{.path = path, .content = "evil"}}));
    auto r = l.unpack(isRoot());
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.status().code(), EPERM) << r.status().message();
    EXPECT_NE(r.status().message().find("escapes the layer dir"), std::string::npos);
    EXPECT_FALSE(exists(l.tmp.path() + "/root/escaped"));
    EXPECT_FALSE(exists(l.tmp.path() + "/escaped"));
  }
}

TEST(UnpackLayer, RefusesWritingThroughAbsoluteSymlink) {
  Target t;
  Layer l(makeTar({
      {.path = "link", .type = TarEntry::kSymlink, .target = t.dir.path(), .mode = 0777},
      {.path = "link/victim", .content = "evil"},
  }));
  auto r = l.unpack(isRoot());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("link/victim"), std::string::npos) << r.status().message();
  EXPECT_FALSE(exists(t.file()));
}

TEST(UnpackLayer, RefusesWritingThroughRelativeSymlink) {
  Layer l(makeTar({
      {.path = "up", .type = TarEntry::kSymlink, .target = "..", .mode = 0777},
      {.path = "up/escaped", .content = "evil"},
  }));
  auto r = l.unpack(isRoot());
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(exists(l.tmp.path() + "/root/escaped"));
}

TEST(UnpackLayer, RefusesWhiteoutThroughSymlink) {
  Target t;
  ASSERT_TRUE(writeFile(t.file(), "precious").isOk());
  Layer l(makeTar({
      {.path = "link", .type = TarEntry::kSymlink, .target = t.dir.path(), .mode = 0777},
      {.path = "link/.wh.victim", .content = ""},
  }));
  auto r = l.unpack(true);
  if (isRoot()) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), EPERM) << r.status().message();
  }
  EXPECT_EQ(*readFile(t.file()), "precious");
}

TEST(UnpackLayer, RefusesHardlinksOutOfTheLayer) {
  Target t;
  ASSERT_TRUE(writeFile(t.file(), "precious").isOk());
  {
    Layer l(makeTar({{.path = "h", .type = TarEntry::kHardlink, .target = "../../victim"}}));
    auto r = l.unpack(isRoot());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), EPERM);
  }
  {
    Layer l(makeTar({
        {.path = "link", .type = TarEntry::kSymlink, .target = t.dir.path(), .mode = 0777},
        {.path = "h", .type = TarEntry::kHardlink, .target = "link/victim"},
    }));
    auto r = l.unpack(isRoot());
    ASSERT_FALSE(r.ok());
    struct stat st;
    ASSERT_EQ(::stat(t.file().c_str(), &st), 0);
    EXPECT_EQ(st.st_nlink, 1u);
  }
}

TEST(UnpackLayer, CorruptTarFails) {
  std::string tar = makeTar({{.path = "f", .content = std::string(10000, 'x')}});
  Layer l(orch::testing::gzipBytes(tar).substr(0, 100));
  auto r = l.unpack(isRoot());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), EBADMSG) << r.status().message();
}

}  // namespace
}  // namespace orch::shim
