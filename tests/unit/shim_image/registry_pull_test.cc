// Pulls from FakeRegistry (in-process, 127.0.0.1) through the real registry client.
#include <gtest/gtest.h>

#include "common/base/base64.h"
#include "common/base/file_util.h"
#include "fake_registry.h"
#include "runtime-shim/image/image_store.h"
#include "runtime-shim/image/manifest.h"
#include "runtime-shim/image/registry_url.h"
#include "store_helpers.h"
#include "support/temp_dir.h"

namespace orch::shim {
namespace {

using nlohmann::json;
using orch::testing::FakeRegistry;
using orch::testing::makeImage;
using orch::testing::makeLayer;
using orch::testing::sha256Of;
using orch::testing::storeLeftovers;
using orch::testing::TempDir;
using orch::testing::TestImage;

TestImage helloImage(bool oci = true, const std::string& arch = "amd64") {
  return makeImage(
      {makeLayer({{.path = "bin", .type = orch::testing::TarEntry::kDir, .mode = 0755},
                  {.path = "bin/hello", .content = "hello from " + arch, .mode = 0755}},
                 true, oci),
       makeLayer({{.path = "etc/motd", .content = "welcome"}}, true, oci)},
      {{"Cmd", {"/bin/hello"}}, {"Env", {"A=1"}}}, oci, arch);
}

class RegistryPullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = tmp_.path() + "/store";
    auto s = ImageStore::open(root_, {.privileged = ::geteuid() == 0});
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(s).value();
  }
  PullOptions insecure(const FakeRegistry& r) {
    PullOptions o;
    o.insecure = {r.hostPort()};
    return o;
  }

  TempDir tmp_;
  std::string root_;
  std::unique_ptr<ImageStore> store_;
};

TEST_F(RegistryPullTest, PullsOciImageAnonymously) {
  FakeRegistry reg;
  TestImage img = helloImage();
  reg.pushImage("team/hello", "v1", img);
  const std::string ref = reg.hostPort() + "/team/hello:v1";
  auto r = store_->pull(ref, insecure(reg));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->id, img.config_digest);
  EXPECT_EQ(r->repo_tags, std::vector<std::string>{ref});
  EXPECT_EQ(r->repo_digests,
            std::vector<std::string>{reg.hostPort() + "/team/hello@" + img.manifest_digest});
  EXPECT_EQ(r->config["Cmd"], json::array({"/bin/hello"}));
  EXPECT_EQ(r->size, img.layers[0].blob.size() + img.layers[1].blob.size());
  ASSERT_EQ(r->layer_dirs.size(), 2u);
  EXPECT_EQ(*readFile(r->layer_dirs[0] + "/bin/hello"), "hello from amd64");
  EXPECT_EQ(*readFile(r->layer_dirs[1] + "/etc/motd"), "welcome");
  auto f = store_->find(reg.hostPort() + "/team/hello@" + img.manifest_digest);
  ASSERT_TRUE(f.ok() && f->has_value());
  EXPECT_EQ((*f)->id, img.config_digest);
  EXPECT_EQ(reg.tokenRequests(), 0);
}

TEST_F(RegistryPullTest, PullsDockerSchema2ByDigest) {
  FakeRegistry reg;
  TestImage img = helloImage(false);
  reg.pushImage("hello", "v1", img);
  const std::string ref = reg.hostPort() + "/hello@" + img.manifest_digest;
  auto r = store_->pull(ref, insecure(reg));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->id, img.config_digest);
  EXPECT_TRUE(r->repo_tags.empty());
  EXPECT_EQ(r->repo_digests, std::vector<std::string>{ref});
}

TEST_F(RegistryPullTest, ManifestNotMatchingTheDigestIsRefused) {
  FakeRegistry reg;
  TestImage img = helloImage();
  TestImage other = helloImage(true, "arm64");
  reg.pushImage("hello", "v1", img);
  // The registry answers the digest of `other` with img's manifest.
  reg.putManifest("hello", other.manifest_digest, img.manifest, img.manifest_media_type);
  auto r = store_->pull(reg.hostPort() + "/hello@" + other.manifest_digest, insecure(reg));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), EBADMSG) << r.status().message();
  EXPECT_EQ(storeLeftovers(root_), "");
}

TEST_F(RegistryPullTest, IndexSelectsPlatform) {
  FakeRegistry reg;
  TestImage amd = helloImage(true, "amd64");
  TestImage arm = helloImage(true, "arm64");
  TestImage armv7 = helloImage(true, "arm");
  reg.pushImage("multi", "amd", amd);
  reg.pushImage("multi", "arm", arm);
  reg.pushImage("multi", "armv7", armv7);
  std::string index = orch::testing::makeIndex({{&armv7, "linux", "arm", "v7"},
                                                {&arm, "linux", "arm64", "v8"},
                                                {&amd, "linux", "amd64", ""}},
                                               false);
  reg.putManifest("multi", "latest", index,
                  "application/vnd.docker.distribution.manifest.list.v2+json");
  const std::string ref = reg.hostPort() + "/multi";
  PullOptions o = insecure(reg);
  o.architecture = "arm64";
  auto r = store_->pull(ref, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->id, arm.config_digest);
  EXPECT_EQ(*readFile(r->layer_dirs[0] + "/bin/hello"), "hello from arm64");
  EXPECT_EQ(r->repo_tags, std::vector<std::string>{ref + ":latest"});
  EXPECT_EQ(r->repo_digests, std::vector<std::string>{ref + "@" + sha256Of(index)});

  o.architecture = "arm";
  o.variant = "v7";
  auto v7 = store_->pull(ref, o);
  ASSERT_TRUE(v7.ok()) << v7.status().message();
  EXPECT_EQ(v7->id, armv7.config_digest);

  o.architecture = "";
  o.variant = "";
  auto host = store_->pull(ref, o);
  ASSERT_TRUE(host.ok()) << host.status().message();
  if (hostPlatform().architecture == "amd64") {
    EXPECT_EQ(host->id, amd.config_digest);
  }

  o.architecture = "s390x";
  auto none = store_->pull(ref, o);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), ENOENT);
  EXPECT_NE(none.status().message().find("linux/arm64/v8"), std::string::npos)
      << none.status().message();
}

TEST_F(RegistryPullTest, PullsThroughMirror) {
  FakeRegistry reg;
  TestImage img = helloImage();
  reg.pushImage("library/busybox", "latest", img);
  PullOptions o;
  o.mirrors["docker.io"] = reg.url();  // http://127.0.0.1:port
  auto r = store_->pull("busybox", o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->repo_tags, std::vector<std::string>{"docker.io/library/busybox:latest"});
  EXPECT_EQ(r->repo_digests,
            std::vector<std::string>{"docker.io/library/busybox@" + img.manifest_digest});
}

TEST_F(RegistryPullTest, BearerTokenAnonymous) {
  FakeRegistry reg(FakeRegistry::Auth::kBearer);
  TestImage img = helloImage();
  reg.pushImage("team/hello", "v1", img);
  auto r = store_->pull(reg.hostPort() + "/team/hello:v1", insecure(reg));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(reg.tokenRequests(), 1);
  EXPECT_EQ(reg.lastTokenScope(), "repository:team/hello:pull");
  EXPECT_EQ(reg.lastTokenService(), "fake-registry");
}

TEST_F(RegistryPullTest, BearerTokenWithCredentials) {
  FakeRegistry reg(FakeRegistry::Auth::kBearer);
  reg.setAllowAnonymousTokens(false);
  reg.setCredentials("alice", "s3cret");
  TestImage img = helloImage();
  reg.pushImage("private/app", "1", img);
  const std::string ref = reg.hostPort() + "/private/app:1";

  auto anon = store_->pull(ref, insecure(reg));
  ASSERT_FALSE(anon.ok());
  EXPECT_EQ(anon.status().code(), EACCES) << anon.status().message();

  PullOptions wrong = insecure(reg);
  wrong.auth.username = "alice";
  wrong.auth.password = "nope";
  auto bad = store_->pull(ref, wrong);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), EACCES);

  PullOptions o = insecure(reg);
  o.auth.username = "alice";
  o.auth.password = "s3cret";
  auto r = store_->pull(ref, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->id, img.config_digest);

  ASSERT_TRUE(store_->remove(ref).isOk());
  PullOptions b64 = insecure(reg);
  b64.auth.auth = base64Encode("alice:s3cret");
  auto r2 = store_->pull(ref, b64);
  ASSERT_TRUE(r2.ok()) << r2.status().message();
}

TEST_F(RegistryPullTest, IdentityTokenUsesTheOAuthGrant) {
  FakeRegistry reg(FakeRegistry::Auth::kBearer);
  reg.setAllowAnonymousTokens(false);
  TestImage img = helloImage();
  reg.pushImage("app", "1", img);
  PullOptions o = insecure(reg);
  o.auth.identity_token = "wrong";
  auto bad = store_->pull(reg.hostPort() + "/app:1", o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), EACCES);
  o.auth.identity_token = FakeRegistry::kRefreshToken;
  auto r = store_->pull(reg.hostPort() + "/app:1", o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(reg.lastTokenScope(), "repository:app:pull");
  EXPECT_EQ(reg.lastTokenService(), "fake-registry");
}

TEST_F(RegistryPullTest, RegistryTokenIsUsedAsIs) {
  FakeRegistry reg(FakeRegistry::Auth::kBearer);
  reg.setAllowAnonymousTokens(false);
  TestImage img = helloImage();
  reg.pushImage("app", "1", img);
  PullOptions o = insecure(reg);
  o.auth.registry_token = reg.addValidToken();
  auto r = store_->pull(reg.hostPort() + "/app:1", o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(reg.tokenRequests(), 0);
}

TEST_F(RegistryPullTest, BasicAuth) {
  FakeRegistry reg(FakeRegistry::Auth::kBasic);
  reg.setCredentials("bob", "pw");
  TestImage img = helloImage();
  reg.pushImage("app", "1", img);
  const std::string ref = reg.hostPort() + "/app:1";
  auto anon = store_->pull(ref, insecure(reg));
  ASSERT_FALSE(anon.ok());
  EXPECT_EQ(anon.status().code(), EACCES);
  EXPECT_NE(anon.status().message().find("Basic"), std::string::npos) << anon.status().message();
  PullOptions o = insecure(reg);
  o.auth.username = "bob";
  o.auth.password = "pw";
  auto r = store_->pull(ref, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->id, img.config_digest);
}

TEST_F(RegistryPullTest, FollowsBlobRedirectsWithoutLeakingCredentials) {
  FakeRegistry reg(FakeRegistry::Auth::kBearer);
  reg.setRedirectBlobs(true);
  TestImage img = helloImage();
  reg.pushImage("app", "1", img);
  auto r = store_->pull(reg.hostPort() + "/app:1", insecure(reg));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*readFile(r->layer_dirs[1] + "/etc/motd"), "welcome");
  EXPECT_TRUE(reg.storageAuthorizations().empty());
}

TEST_F(RegistryPullTest, CorruptedBlobFailsAndLeavesNothing) {
  FakeRegistry reg;
  TestImage img = helloImage();
  reg.pushImage("app", "1", img);
  const std::string bad = img.layers[1].digest;
  std::string corrupted = img.layers[1].blob;
  corrupted[corrupted.size() / 2] ^= 0x20;
  reg.corruptBlob(bad, corrupted);
  auto r = store_->pull(reg.hostPort() + "/app:1", insecure(reg));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), EBADMSG);
  EXPECT_NE(r.status().message().find("blob " + bad + ": digest mismatch"), std::string::npos)
      << r.status().message();
  EXPECT_TRUE(store_->list()->empty());
  EXPECT_EQ(storeLeftovers(root_), "");

  // A truncated blob too.
  reg.corruptBlob(bad, img.layers[1].blob.substr(0, 10));
  auto t = store_->pull(reg.hostPort() + "/app:1", insecure(reg));
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find(bad), std::string::npos) << t.status().message();
  EXPECT_EQ(storeLeftovers(root_), "");
}

TEST_F(RegistryPullTest, UnknownTagIsNotFound) {
  FakeRegistry reg;
  auto r = store_->pull(reg.hostPort() + "/nothing:here", insecure(reg));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ENOENT);
  EXPECT_NE(r.status().message().find("MANIFEST_UNKNOWN"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(storeLeftovers(root_), "");
}

TEST_F(RegistryPullTest, BlobsInTheStoreAreNotFetchedAgain) {
  FakeRegistry reg;
  TestImage a = helloImage();
  // Same bottom layer, another top layer.
  TestImage b = makeImage({a.layers[0], makeLayer({{.path = "b", .content = "b"}}, true)}, {});
  reg.pushImage("a", "1", a);
  reg.pushImage("b", "1", b);
  ASSERT_TRUE(store_->pull(reg.hostPort() + "/a:1", insecure(reg)).ok());
  auto rb = store_->pull(reg.hostPort() + "/b:1", insecure(reg));
  ASSERT_TRUE(rb.ok()) << rb.status().message();
  EXPECT_EQ(reg.blobRequests(a.layers[0].digest), 1);
  EXPECT_EQ(reg.blobRequests(b.layers[1].digest), 1);
  auto ra = store_->find(reg.hostPort() + "/a:1");
  EXPECT_EQ((*ra)->layer_dirs[0], rb->layer_dirs[0]);
}

TEST_F(RegistryPullTest, UnreachableRegistryFails) {
  PullOptions o;
  o.insecure = {"127.0.0.1:1"};
  auto r = store_->pull("127.0.0.1:1/x:y", o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("127.0.0.1:1"), std::string::npos);
  EXPECT_EQ(storeLeftovers(root_), "");
}

TEST(AuthChallenge, Parses) {
  auto c = parseAuthChallenge(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull")");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->scheme, "bearer");
  EXPECT_EQ(c->params["realm"], "https://auth.docker.io/token");
  EXPECT_EQ(c->params["service"], "registry.docker.io");
  EXPECT_EQ(c->params["scope"], "repository:library/busybox:pull");
  auto b = parseAuthChallenge(R"(Basic realm="a \"quoted\" realm", charset=UTF-8)");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->scheme, "basic");
  EXPECT_EQ(b->params["realm"], "a \"quoted\" realm");
  EXPECT_EQ(b->params["charset"], "UTF-8");
  EXPECT_FALSE(parseAuthChallenge("").ok());
}

TEST(RegistryUrl, ResolvesLocations) {
  SplitUrl base{.origin = "https://r.example", .target = "/v2/a/blobs/sha256:1"};
  EXPECT_EQ(resolveLocation(base, "https://s3.example:8443/x?y=1")->origin,
            "https://s3.example:8443");
  EXPECT_EQ(resolveLocation(base, "https://s3.example:8443/x?y=1")->target, "/x?y=1");
  EXPECT_EQ(resolveLocation(base, "/other")->origin, "https://r.example");
  EXPECT_EQ(resolveLocation(base, "//cdn.example/p")->origin, "https://cdn.example");
  EXPECT_EQ(resolveLocation(base, "rel")->target, "/v2/a/blobs/rel");
  EXPECT_FALSE(splitUrl("ftp://x/").ok());
}

}  // namespace
}  // namespace orch::shim
