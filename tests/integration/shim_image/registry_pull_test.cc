// ImageStore pulls from the real registry (Debian docker-registry) on 127.0.0.1, which the
// tests fill with our own pusher: plain HTTP, HTTPS with token auth (a test token server),
// whiteouts unpacked for real and checked through an overlay mount, and a blob corrupted in
// the registry's storage. Root: overlay mounts, whiteout device nodes, trusted.* xattrs.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "common/base/file_util.h"
#include "common/base/process.h"
#include "registry_pusher.h"
#include "registry_server.h"
#include "runtime-shim/image/image_store.h"
#include "store_helpers.h"
#include "token_server.h"

namespace orch::shim {
namespace {

using nlohmann::json;
using orch::testing::RegistryOptions;
using orch::testing::RegistryPusher;
using orch::testing::RegistryServer;
using orch::testing::storeLeftovers;
using orch::testing::TarEntry;
using orch::testing::TempDir;
using orch::testing::TestImage;

const char kBusyboxTar[] = BUSYBOX_TAR;

class RegistryIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "integration tests run as root";
    auto img = orch::testing::imageFromDockerArchive(kBusyboxTar);
    ASSERT_TRUE(img.ok()) << img.status().message();
    busybox_ = std::move(img).value();
    store_ = openStore("store");
  }
  std::unique_ptr<ImageStore> openStore(const std::string& name) {
    auto s = ImageStore::open(tmp_.path() + "/" + name);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::unique_ptr<RegistryServer> startRegistry(const RegistryOptions& opts = {}) {
    auto r = RegistryServer::start(opts);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? std::move(r).value() : nullptr;
  }
  static PullOptions insecure(const RegistryServer& r) {
    PullOptions o;
    o.insecure = {r.hostPort()};
    return o;
  }

  TempDir tmp_;
  TestImage busybox_;
  std::unique_ptr<ImageStore> store_;
};

// The unpacked busybox layer really runs: chroot into it and ask busybox.
void expectRunnableBusybox(const std::string& layer_dir) {
  auto r = runProcess({.argv = {"chroot", layer_dir, "/bin/sh", "-c", "echo hi from $(id -u)"},
                       .pipe_stdout = true,
                       .pipe_stderr = true},
                      "", std::chrono::seconds(30));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->exit_code, 0) << r->err;
  EXPECT_EQ(r->out, "hi from 0\n");
}

TEST_F(RegistryIntegrationTest, PullsOverPlainHttpByTagAndDigest) {
  auto reg = startRegistry();
  ASSERT_TRUE(reg);
  RegistryPusher pusher(reg->url(), "");
  ASSERT_TRUE(pusher.pushImage("library/busybox", "latest", busybox_).isOk());

  const std::string ref = reg->hostPort() + "/library/busybox:latest";
  auto r = store_->pull(ref, insecure(*reg));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->id, busybox_.config_digest);
  EXPECT_EQ(r->repo_tags, std::vector<std::string>{ref});
  const std::string by_digest = reg->hostPort() + "/library/busybox@" + busybox_.manifest_digest;
  EXPECT_EQ(r->repo_digests, std::vector<std::string>{by_digest});
  EXPECT_EQ(r->config["Cmd"], json::array({"sh"}));
  ASSERT_EQ(r->layer_dirs.size(), 1u);
  expectRunnableBusybox(r->layer_dirs[0]);

  // The same image through the import path has the same id and shares the layer.
  auto imported = store_->importArchive(kBusyboxTar);
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  EXPECT_EQ(imported->front().id, r->id);
  EXPECT_EQ(imported->front().layer_dirs, r->layer_dirs);

  auto other = openStore("other");
  auto d = other->pull(by_digest, insecure(*reg));
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->id, busybox_.config_digest);
  EXPECT_TRUE(d->repo_tags.empty());
  EXPECT_EQ(d->repo_digests, std::vector<std::string>{by_digest});

  // docker.io through a mirror, as --registry-mirror docker.io=http://... does.
  auto mirrored = openStore("mirrored");
  PullOptions m;
  m.mirrors["docker.io"] = reg->url();
  auto mr = mirrored->pull("busybox", m);
  ASSERT_TRUE(mr.ok()) << mr.status().message();
  EXPECT_EQ(mr->repo_tags, std::vector<std::string>{"docker.io/library/busybox:latest"});

  ASSERT_TRUE(store_->remove(ref).isOk());
  EXPECT_EQ(storeLeftovers(tmp_.path() + "/store"), "");
}

// HTTPS (certificate from a test CA, trusted through SSL_CERT_FILE as the system store)
// and token auth with a token server run by the test.
class TokenAuthTest : public RegistryIntegrationTest {
 protected:
  void SetUp() override {
    RegistryIntegrationTest::SetUp();
    auto ca = pki::createCa("orch-test-ca");
    ASSERT_TRUE(ca.ok());
    ca_ = *ca;
    auto serving = pki::issue(
        ca_, {.common_name = "127.0.0.1", .ip_addresses = {"127.0.0.1"}, .server = true});
    ASSERT_TRUE(serving.ok());
    auto signer = pki::issue(ca_, {.common_name = "token-signer", .client = true});
    ASSERT_TRUE(signer.ok());
    tokens_ = std::make_unique<orch::testing::TokenServer>(*signer, "orch-test-issuer",
                                                           "orch-test-registry");
    reg_ = startRegistry({.tls = *serving,
                          .token_realm = tokens_->realm(),
                          .token_service = "orch-test-registry",
                          .token_issuer = "orch-test-issuer",
                          .token_root_pem = ca_.cert_pem});
    ASSERT_TRUE(reg_);
    ca_file_ = tmp_.write("ca.pem", ca_.cert_pem);
    RegistryPusher pusher(reg_->url(), ca_.cert_pem, "orch", "secret");
    Status pushed = pusher.pushImage("team/busybox", "1.0", busybox_);
    ASSERT_TRUE(pushed.isOk()) << pushed.message() << "\n" << *readFile(reg_->logPath());
  }
  void TearDown() override { ::unsetenv("SSL_CERT_FILE"); }
  void trustTestCa() { ::setenv("SSL_CERT_FILE", ca_file_.c_str(), 1); }

  pki::KeyPair ca_;
  std::string ca_file_;
  std::unique_ptr<orch::testing::TokenServer> tokens_;
  std::unique_ptr<RegistryServer> reg_;
};

TEST_F(TokenAuthTest, AnonymousTokenOverHttps) {
  trustTestCa();
  const std::string ref = reg_->hostPort() + "/team/busybox:1.0";
  const int before = tokens_->requests();
  auto r = store_->pull(ref, {});  // https: the host is not insecure
  ASSERT_TRUE(r.ok()) << r.status().message() << "\n" << *readFile(reg_->logPath());
  EXPECT_EQ(r->id, busybox_.config_digest);
  EXPECT_GT(tokens_->requests(), before);
  expectRunnableBusybox(r->layer_dirs[0]);
}

TEST_F(TokenAuthTest, UntrustedCertificateIsRefused) {
  // Without the test CA the system store does not know the registry's certificate.
  auto r = store_->pull(reg_->hostPort() + "/team/busybox:1.0", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), EPROTO) << r.status().message();
  EXPECT_EQ(storeLeftovers(tmp_.path() + "/store"), "");
}

TEST_F(TokenAuthTest, CredentialsForAPrivateRepository) {
  trustTestCa();
  tokens_->setAllowAnonymous(false);
  const std::string ref = reg_->hostPort() + "/team/busybox:1.0";
  auto anon = store_->pull(ref, {});
  ASSERT_FALSE(anon.ok());
  EXPECT_EQ(anon.status().code(), EACCES) << anon.status().message();
  PullOptions wrong;
  wrong.auth.username = "orch";
  wrong.auth.password = "wrong";
  EXPECT_EQ(store_->pull(ref, wrong).status().code(), EACCES);
  PullOptions o;
  o.auth.username = "orch";
  o.auth.password = "secret";
  auto r = store_->pull(ref, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->id, busybox_.config_digest);
}

// Mounts an overlay of lowerdirs (top first) read-only; unmounted on destruction.
class OverlayMount {
 public:
  OverlayMount(const std::string& target, const std::vector<std::string>& lower_top_first)
      : target_(target) {
    std::filesystem::create_directories(target);
    std::string lower;
    for (const auto& l : lower_top_first) lower += (lower.empty() ? "" : ":") + l;
    std::string data = "lowerdir=" + lower;
    mounted_ = ::mount("overlay", target.c_str(), "overlay", MS_RDONLY, data.c_str()) == 0;
    error_ = mounted_ ? "" : std::string("mount overlay: ") + std::strerror(errno);
  }
  ~OverlayMount() {
    if (mounted_) ::umount2(target_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  std::string target_;
  bool mounted_ = false;
  std::string error_;
};

bool present(const std::string& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0;
}

TEST_F(RegistryIntegrationTest, WhiteoutsHideLowerFilesInAnOverlay) {
  auto reg = startRegistry();
  ASSERT_TRUE(reg);
  auto middle = orch::testing::makeLayer({{.path = "root", .type = TarEntry::kDir, .mode = 0700},
                                          {.path = "root/old", .content = "old"},
                                          {.path = "etc", .type = TarEntry::kDir, .mode = 0755},
                                          {.path = "etc/extra", .content = "extra"}},
                                         true, false);
  auto top = orch::testing::makeLayer({{.path = "etc", .type = TarEntry::kDir, .mode = 0755},
                                       {.path = "etc/.wh.group", .content = ""},
                                       {.path = "etc/.wh.extra", .content = ""},
                                       {.path = "bin/.wh.wget", .content = ""},
                                       {.path = "root", .type = TarEntry::kDir, .mode = 0700},
                                       {.path = "root/.wh..wh..opq", .content = ""},
                                       {.path = "root/fresh", .content = "fresh"}},
                                      true, false);
  json config = json::parse(busybox_.config);
  config["rootfs"]["diff_ids"] = {busybox_.layers[0].diff_id, middle.diff_id, top.diff_id};
  TestImage img =
      orch::testing::makeImage({busybox_.layers[0], middle, top}, json::object(), false);
  img.config = config.dump();
  img.config_digest = orch::testing::sha256Of(img.config);
  json m = json::parse(img.manifest);
  m["config"]["digest"] = img.config_digest;
  m["config"]["size"] = img.config.size();
  img.manifest = m.dump();
  RegistryPusher pusher(reg->url(), "");
  ASSERT_TRUE(pusher.pushImage("whiteouts", "1", img).isOk());

  auto r = store_->pull(reg->hostPort() + "/whiteouts:1", insecure(*reg));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->layer_dirs.size(), 3u);
  const std::string& l3 = r->layer_dirs[2];
  struct stat st;
  ASSERT_EQ(::lstat((l3 + "/etc/group").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  char v[4] = {};
  ASSERT_EQ(::getxattr((l3 + "/root").c_str(), "trusted.overlay.opaque", v, sizeof(v)), 1);
  EXPECT_EQ(v[0], 'y');
  EXPECT_FALSE(present(l3 + "/etc/.wh.group"));

  OverlayMount ov(tmp_.path() + "/merged", {r->layer_dirs[2], r->layer_dirs[1], r->layer_dirs[0]});
  ASSERT_TRUE(ov.mounted()) << ov.error();
  const std::string mnt = tmp_.path() + "/merged";
  EXPECT_FALSE(present(mnt + "/etc/group"));
  EXPECT_FALSE(present(mnt + "/etc/extra"));
  EXPECT_FALSE(present(mnt + "/bin/wget"));
  EXPECT_FALSE(present(mnt + "/root/old"));
  EXPECT_TRUE(present(mnt + "/etc/passwd"));
  EXPECT_TRUE(present(mnt + "/bin/sh"));
  EXPECT_EQ(*readFile(mnt + "/root/fresh"), "fresh");
}

TEST_F(RegistryIntegrationTest, BlobCorruptedInTheRegistryFailsCleanly) {
  auto reg = startRegistry();
  ASSERT_TRUE(reg);
  RegistryPusher pusher(reg->url(), "");
  ASSERT_TRUE(pusher.pushImage("library/busybox", "latest", busybox_).isOk());
  const std::string layer = busybox_.layers[0].digest;
  const std::string data = reg->blobDataPath(layer);
  auto content = readFile(data);
  ASSERT_TRUE(content.ok()) << content.status().message();
  std::string bad = *content;
  bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x01);
  ASSERT_TRUE(writeFile(data, bad).isOk());

  auto r = store_->pull(reg->hostPort() + "/library/busybox:latest", insecure(*reg));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), EBADMSG);
  EXPECT_NE(r.status().message().find("blob " + layer + ": digest mismatch"), std::string::npos)
      << r.status().message();
  EXPECT_TRUE(store_->list()->empty());
  EXPECT_FALSE(store_->find("busybox")->has_value());
  EXPECT_EQ(storeLeftovers(tmp_.path() + "/store"), "");
}

}  // namespace
}  // namespace orch::shim
