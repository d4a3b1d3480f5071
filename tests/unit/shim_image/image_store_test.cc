#include "runtime-shim/image/image_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/base/file_util.h"
#include "common/base/process.h"
#include "runtime-shim/image/digest.h"
#include "runtime-shim/image/manifest.h"
#include "store_helpers.h"
#include "support/temp_dir.h"
#include "test_images.h"

namespace orch::shim {
namespace {

using nlohmann::json;
using orch::testing::dirEntries;
using orch::testing::makeLayer;
using orch::testing::makeTar;
using orch::testing::sha256Of;
using orch::testing::storeLeftovers;
using orch::testing::TarEntry;
using orch::testing::TempDir;
using orch::testing::TestImage;

const char kBusyboxTar[] = BUSYBOX_TAR;
const char kBusyboxRef[] = "docker.io/library/busybox:latest";

class ImageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = tmp_.path() + "/store";
    auto s = ImageStore::open(root_, {.privileged = ::geteuid() == 0});
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(s).value();
  }
  std::string writeArchive(const std::string& name, const std::string& content) {
    return tmp_.write(name, content);
  }
  ImageRecord importOne(const std::string& path) {
    auto r = store_->importArchive(path);
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok() || r->size() != 1) return {};
    return r->front();
  }

  TempDir tmp_;
  std::string root_;
  std::unique_ptr<ImageStore> store_;
};

// A member of busybox.tar, read independently of the store (GNU tar).
std::string busyboxMember(const std::string& name) {
  auto r = runProcess({.argv = {"tar", "-xOf", kBusyboxTar, name}, .pipe_stdout = true}, "",
                      std::chrono::seconds(30));
  return r.ok() ? r->out : "";
}
json busyboxManifest() {
  return json::parse(busyboxMember("manifest.json"));
}
std::string busyboxConfigName() {
  return busyboxManifest()[0]["Config"].get<std::string>();
}
std::string busyboxLayerTar() {
  return busyboxMember(busyboxManifest()[0]["Layers"][0].get<std::string>());
}

// An OCI index naming one image.
std::string ociIndex(const TestImage& img, const std::map<std::string, std::string>& annotations) {
  json d = {{"mediaType", img.manifest_media_type},
            {"digest", img.manifest_digest},
            {"size", img.manifest.size()}};
  if (!annotations.empty()) d["annotations"] = annotations;
  return json{{"schemaVersion", 2}, {"manifests", {d}}}.dump();
}

TEST_F(ImageStoreTest, ImportsBusybox) {
  ImageRecord rec = importOne(kBusyboxTar);
  const std::string config_name = busyboxConfigName();
  ASSERT_EQ(config_name.size(), 64u + 5);
  EXPECT_EQ(rec.id, "sha256:" + config_name.substr(0, 64));
  EXPECT_EQ(rec.repo_tags, std::vector<std::string>{kBusyboxRef});
  EXPECT_TRUE(rec.repo_digests.empty());
  EXPECT_EQ(rec.config["Cmd"], json::array({"sh"}));
  EXPECT_EQ(rec.config["Env"][0].get<std::string>().rfind("PATH=", 0), 0u);
  ASSERT_EQ(rec.layer_dirs.size(), 1u);
  const std::string layer = rec.layer_dirs[0];
  EXPECT_EQ(layer.rfind(root_, 0), 0u) << layer;
  EXPECT_EQ(std::filesystem::path(layer).parent_path().filename(), "layers");

  struct stat st, host;
  ASSERT_EQ(::lstat((layer + "/bin/busybox").c_str(), &st), 0);
  ASSERT_EQ(::stat("/bin/busybox", &host), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, host.st_size);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  for (const char* applet :
       {"sh",       "ls",    "cat",   "echo", "sleep", "id",    "grep",    "wget",   "nc",
        "hostname", "mount", "ps",    "env",  "true",  "false", "printf",  "head",   "tail",
        "mkdir",    "rm",    "touch", "wc",   "date",  "dd",    "unshare", "nsenter"}) {
    EXPECT_EQ(std::filesystem::read_symlink(layer + "/bin/" + applet), "busybox") << applet;
  }
  EXPECT_NE(readFile(layer + "/etc/passwd")->find("nobody:x:65534:65534:"), std::string::npos);
  EXPECT_NE(readFile(layer + "/etc/group")->find("root:x:0:"), std::string::npos);
  ASSERT_EQ(::lstat((layer + "/tmp").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 01777u);
  ASSERT_EQ(::lstat((layer + "/root").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_GT(rec.size, static_cast<uint64_t>(host.st_size));

  auto usage = store_->usage();
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->mountpoint, std::filesystem::canonical(root_).string());
  EXPECT_GT(usage->used_bytes, 2 * static_cast<uint64_t>(host.st_size));
  EXPECT_GT(usage->inodes_used, 270u);
}

TEST_F(ImageStoreTest, FindsByTagIdAndPrefix) {
  ImageRecord rec = importOne(kBusyboxTar);
  const std::string hex = rec.id.substr(7);
  const std::vector<std::string> queries = {"busybox",
                                            "busybox:latest",
                                            "docker.io/library/busybox",
                                            "library/busybox:latest",
                                            rec.id,
                                            hex,
                                            "sha256:" + hex.substr(0, 12),
                                            hex.substr(0, 12)};
  for (const auto& q : queries) {
    auto f = store_->find(q);
    ASSERT_TRUE(f.ok()) << q << ": " << f.status().message();
    ASSERT_TRUE(f->has_value()) << q;
    EXPECT_EQ((*f)->id, rec.id) << q;
    EXPECT_EQ((*f)->layer_dirs, rec.layer_dirs);
  }
  for (const std::string q : {"busybox:other", "alpine", "sha256:ffff", "BAD REF"}) {
    auto f = store_->find(q);
    ASSERT_TRUE(f.ok()) << q;
    EXPECT_FALSE(f->has_value()) << q;
  }
  auto all = store_->list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().repo_tags, std::vector<std::string>{kBusyboxRef});
}

TEST_F(ImageStoreTest, ReimportIsIdempotent) {
  ImageRecord a = importOne(kBusyboxTar);
  ImageRecord b = importOne(kBusyboxTar);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.layer_dirs, b.layer_dirs);
  EXPECT_EQ(store_->list()->size(), 1u);
  EXPECT_EQ(dirEntries(root_ + "/layers").size(), 1u);
}

TEST_F(ImageStoreTest, RemoveCollectsGarbage) {
  ImageRecord rec = importOne(kBusyboxTar);
  ASSERT_FALSE(rec.id.empty());
  EXPECT_FALSE(dirEntries(root_ + "/blobs/sha256").empty());
  ASSERT_TRUE(store_->remove("busybox").isOk());
  EXPECT_TRUE(store_->list()->empty());
  EXPECT_FALSE(store_->find(rec.id)->has_value());
  EXPECT_EQ(storeLeftovers(root_), "");
  EXPECT_FALSE(std::filesystem::exists(rec.layer_dirs[0]));
  EXPECT_EQ(*readFile(root_ + "/refs.json"), "{}");
  EXPECT_TRUE(store_->remove("busybox").isOk());  // idempotent
  EXPECT_TRUE(store_->remove(rec.id).isOk());
}

// An OCI layout whose image is busybox's layer plus one of its own: stacks share dirs.
TEST_F(ImageStoreTest, SharedLayersSurviveUntilTheLastUser) {
  ImageRecord base = importOne(kBusyboxTar);
  ASSERT_EQ(base.layer_dirs.size(), 1u);
  const std::string tar = busyboxLayerTar();
  ASSERT_FALSE(tar.empty());
  orch::testing::TestLayer bottom{.blob = tar,
                                  .digest = sha256Of(tar),
                                  .diff_id = sha256Of(tar),
                                  .media_type = "application/vnd.oci.image.layer.v1.tar"};
  TestImage app =
      orch::testing::makeImage({bottom, makeLayer({{.path = "app/hello", .content = "hi"}}, true)},
                               {{"Entrypoint", {"/app/hello"}}});
  auto blobs = orch::testing::imageBlobs(app);
  std::string layout =
      orch::testing::makeOciLayout(ociIndex(app, {{"io.containerd.image.name", "example.com/app:1"},
                                                  {"org.opencontainers.image.ref.name", "1"}}),
                                   blobs);
  ImageRecord rec = importOne(writeArchive("app.tar", layout));
  EXPECT_EQ(rec.id, app.config_digest);
  EXPECT_EQ(rec.repo_tags, std::vector<std::string>{"example.com/app:1"});
  EXPECT_EQ(rec.repo_digests, std::vector<std::string>{"example.com/app@" + app.manifest_digest});
  EXPECT_EQ(rec.config["Entrypoint"], json::array({"/app/hello"}));
  ASSERT_EQ(rec.layer_dirs.size(), 2u);
  EXPECT_EQ(rec.layer_dirs[0], base.layer_dirs[0]);
  EXPECT_EQ(*readFile(rec.layer_dirs[1] + "/app/hello"), "hi");
  EXPECT_FALSE(std::filesystem::exists(rec.layer_dirs[1] + "/bin"));
  EXPECT_EQ(store_->find("example.com/app@" + app.manifest_digest)->value().id, rec.id);

  ASSERT_TRUE(store_->remove(kBusyboxRef).isOk());
  EXPECT_TRUE(std::filesystem::exists(base.layer_dirs[0] + "/bin/busybox"));
  EXPECT_TRUE(store_->find("example.com/app:1")->has_value());
  ASSERT_TRUE(store_->remove(rec.id.substr(7, 10)).isOk());
  EXPECT_EQ(storeLeftovers(root_), "");
}

TEST_F(ImageStoreTest, RetagMovesTheTag) {
  auto a = orch::testing::makeImage({makeLayer({{.path = "a", .content = "A"}}, false)},
                                    {{"Cmd", {"a"}}});
  auto b = orch::testing::makeImage({makeLayer({{.path = "b", .content = "B"}}, true)},
                                    {{"Cmd", {"b"}}});
  ImageRecord ra =
      importOne(writeArchive("a.tar", orch::testing::makeDockerArchive(a, {"app:v1"})));
  ImageRecord rb = importOne(writeArchive(
      "b.tar", orch::testing::makeDockerArchive(b, {"docker.io/library/app:v1", "app:v2"})));
  EXPECT_EQ(rb.repo_tags,
            (std::vector<std::string>{"docker.io/library/app:v1", "docker.io/library/app:v2"}));
  EXPECT_EQ(store_->find("app:v1")->value().id, b.config_digest);
  auto old = store_->find(ra.id);
  ASSERT_TRUE(old.ok() && old->has_value());
  EXPECT_TRUE((*old)->repo_tags.empty());
  EXPECT_EQ(*readFile(rb.layer_dirs[0] + "/b"), "B");
  EXPECT_EQ(store_->list()->size(), 2u);
}

TEST_F(ImageStoreTest, CorruptedArchiveLeavesNothing) {
  std::string archive = *readFile(kBusyboxTar);
  // A byte in the middle of the busybox binary inside layer.tar.
  size_t pos = archive.size() / 2;
  archive[pos] = static_cast<char>(archive[pos] ^ 0x5a);
  auto r = store_->importArchive(writeArchive("corrupt.tar", archive));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), EBADMSG) << r.status().message();
  const std::string diff_id =
      json::parse(busyboxMember(busyboxConfigName()))["rootfs"]["diff_ids"][0];
  EXPECT_NE(r.status().message().find(diff_id), std::string::npos) << r.status().message();
  EXPECT_TRUE(store_->list()->empty());
  EXPECT_EQ(storeLeftovers(root_), "");
}

TEST_F(ImageStoreTest, TruncatedArchiveLeavesNothing) {
  std::string archive = *readFile(kBusyboxTar);
  auto r = store_->importArchive(writeArchive("short.tar", archive.substr(0, archive.size() / 3)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(storeLeftovers(root_), "");
}

TEST_F(ImageStoreTest, OciBlobNotMatchingItsDigestIsRefused) {
  auto img = orch::testing::makeImage({makeLayer({{.path = "f", .content = "x"}}, true)}, {});
  auto blobs = orch::testing::imageBlobs(img);
  std::string layout = orch::testing::makeOciLayout(ociIndex(img, {}), blobs);
  // Same length, other content, for the layer blob.
  std::string good = img.layers[0].blob;
  size_t at = layout.find(good);
  ASSERT_NE(at, std::string::npos);
  layout[at + good.size() / 2] = static_cast<char>(layout[at + good.size() / 2] ^ 1);
  auto r = store_->importArchive(writeArchive("bad.tar", layout));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), EBADMSG);
  EXPECT_NE(r.status().message().find(img.layers[0].digest.substr(7)), std::string::npos)
      << r.status().message();
  EXPECT_EQ(storeLeftovers(root_), "");
}

TEST_F(ImageStoreTest, LayerEscapingItsDirLeavesNoPartialLayer) {
  auto img = orch::testing::makeImage(
      {makeLayer({{.path = "ok", .content = "fine"}}, false),
       makeLayer({{.path = "fine", .content = "1"}, {.path = "../../escaped", .content = "evil"}},
                 false)},
      {});
  auto r = store_->importArchive(
      writeArchive("evil.tar", orch::testing::makeDockerArchive(img, {"evil"})));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), EPERM) << r.status().message();
  EXPECT_EQ(storeLeftovers(root_), "");
  EXPECT_FALSE(std::filesystem::exists(tmp_.path() + "/escaped"));
  EXPECT_FALSE(std::filesystem::exists(root_ + "/escaped"));
}

TEST_F(ImageStoreTest, OciIndexSelectsThisPlatform) {
  auto amd = orch::testing::makeImage({makeLayer({{.path = "arch", .content = "amd64"}}, true)}, {},
                                      true, "amd64");
  auto arm = orch::testing::makeImage({makeLayer({{.path = "arch", .content = "arm64"}}, true)}, {},
                                      true, "arm64");
  std::string inner =
      orch::testing::makeIndex({{&arm, "linux", "arm64", "v8"}, {&amd, "linux", "amd64", ""}});
  json top = {
      {"schemaVersion", 2},
      {"manifests",
       {{{"mediaType", "application/vnd.oci.image.index.v1+json"},
         {"digest", sha256Of(inner)},
         {"size", inner.size()},
         {"annotations", {{"org.opencontainers.image.ref.name", "example.com/multi:2"}}}}}}};
  auto blobs = orch::testing::imageBlobs(amd);
  for (auto& b : orch::testing::imageBlobs(arm)) blobs.push_back(b);
  blobs.push_back(inner);
  auto r = store_->importArchive(
      writeArchive("multi.tar", orch::testing::makeOciLayout(top.dump(), blobs)));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 1u);
  const ImageRecord& rec = r->front();
  const bool here_arm = hostPlatform().architecture == "arm64";
  EXPECT_EQ(rec.id, here_arm ? arm.config_digest : amd.config_digest);
  EXPECT_EQ(*readFile(rec.layer_dirs[0] + "/arch"), here_arm ? "arm64" : "amd64");
  EXPECT_EQ(rec.repo_tags, std::vector<std::string>{"example.com/multi:2"});
  EXPECT_EQ(rec.repo_digests, std::vector<std::string>{"example.com/multi@" + sha256Of(inner)});
}

TEST_F(ImageStoreTest, BareTagAnnotationNamesNothing) {
  auto img = orch::testing::makeImage({makeLayer({{.path = "f", .content = "x"}}, false)}, {});
  auto r = store_->importArchive(writeArchive(
      "t.tar",
      orch::testing::makeOciLayout(ociIndex(img, {{"org.opencontainers.image.ref.name", "latest"}}),
                                   orch::testing::imageBlobs(img))));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->front().repo_tags.empty());
  EXPECT_TRUE(r->front().repo_digests.empty());
  EXPECT_TRUE(store_->find(img.config_digest)->has_value());
}

TEST_F(ImageStoreTest, RejectsWhatIsNoImageArchive) {
  auto r =
      store_->importArchive(writeArchive("x.tar", makeTar({{.path = "hello", .content = "x"}})));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("manifest.json"), std::string::npos);
  auto n = store_->importArchive(tmp_.path() + "/missing.tar");
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), ENOENT) << n.status().message();
  auto j = store_->importArchive(writeArchive("junk.tar", std::string(5000, 'j')));
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(storeLeftovers(root_), "");
}

TEST_F(ImageStoreTest, DockerSaveWithRepositoriesOnly) {
  auto img = orch::testing::makeImage({makeLayer({{.path = "f", .content = "x"}}, true)}, {});
  std::string archive = orch::testing::makeDockerArchive(img, {});
  // Append a `repositories` file to the archive's members by rebuilding it.
  std::vector<TarEntry> entries{
      {.path = img.config_digest.substr(7) + ".json", .content = img.config},
      {.path = "l/layer.tar", .content = img.layers[0].blob},
      {.path = "manifest.json",
       .content = json::array({{{"Config", img.config_digest.substr(7) + ".json"},
                                {"RepoTags", nullptr},
                                {"Layers", {"l/layer.tar"}}}})
                      .dump()},
      {.path = "repositories", .content = R"({"old/name":{"v3":"abc"}})"},
  };
  ImageRecord rec = importOne(writeArchive("r.tar", makeTar(entries)));
  EXPECT_EQ(rec.repo_tags, std::vector<std::string>{"docker.io/old/name:v3"});
  EXPECT_EQ(*readFile(rec.layer_dirs[0] + "/f"), "x");
}

TEST_F(ImageStoreTest, StoreSurvivesReopen) {
  ImageRecord rec = importOne(kBusyboxTar);
  auto again = ImageStore::open(root_);
  ASSERT_TRUE(again.ok());
  auto f = (*again)->find("busybox");
  ASSERT_TRUE(f.ok() && f->has_value());
  EXPECT_EQ((*f)->id, rec.id);
  EXPECT_EQ((*f)->layer_dirs, rec.layer_dirs);
}

TEST(MakeImageArchive, IsDeterministic) {
  TempDir tmp;
  auto run = [&](const std::string& out) {
    return runProcess({.argv = {MAKE_IMAGE_ARCHIVE, "--output", out, "--tag", "x/y:z", "--file",
                                "/bin/busybox:bin/busybox:0755", "--applets", "/bin/busybox:bin",
                                "--dir", "tmp:1777", "--cmd", "sh"}},
                      "", std::chrono::seconds(60));
  };
  auto a = run(tmp.path() + "/a.tar");
  auto b = run(tmp.path() + "/b.tar");
  ASSERT_TRUE(a.ok() && a->exit_code == 0);
  ASSERT_TRUE(b.ok() && b->exit_code == 0);
  EXPECT_EQ(sha256Of(*readFile(tmp.path() + "/a.tar")), sha256Of(*readFile(tmp.path() + "/b.tar")));
}

}  // namespace
}  // namespace orch::shim
