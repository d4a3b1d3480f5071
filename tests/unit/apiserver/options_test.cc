#include "controlplane/apiserver/options.h"

#include <gtest/gtest.h>

#include "controlplane/apiserver/pki_init.h"
#include "tests/support/temp_dir.h"

namespace orch::apiserver {
namespace {

TEST(ServeFlagsTest, PkiDirSuppliesTheFilesAndFlagsOverrideThem) {
  orch::testing::TempDir tmp;
  ASSERT_TRUE(initPki({.dir = tmp.path()}).isOk());
  std::string other_cert = tmp.write("other.crt", "override");
  ServeFlags f{.secure_port = 7443,
               .bind_address = "127.0.0.1",
               .pki_dir = tmp.path(),
               .tls_cert_file = other_cert};
  auto cfg = resolveServeFlags(f);
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_EQ(cfg->port, 7443);
  EXPECT_EQ(cfg->bind_address, "127.0.0.1");
  EXPECT_EQ(cfg->cert_pem, "override");
  EXPECT_EQ(cfg->key_pem, *readFile(tmp.path() + "/" + kServingKey));
  EXPECT_EQ(cfg->client_ca_pem, *readFile(tmp.path() + "/" + kCaCert));
  EXPECT_EQ(cfg->tokens, nullptr);
}

TEST(ServeFlagsTest, ErrorsNameTheFlag) {
  orch::testing::TempDir tmp;
  auto none = resolveServeFlags({});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("--tls-cert-file"), std::string::npos);

  auto no_auth = resolveServeFlags(
      {.tls_cert_file = tmp.write("a.crt", "x"), .tls_private_key_file = tmp.write("a.key", "y")});
  ASSERT_FALSE(no_auth.ok());
  EXPECT_NE(no_auth.status().message().find("no authentication"), std::string::npos);

  auto bad_tokens = resolveServeFlags({.tls_cert_file = tmp.path() + "/a.crt",
                                       .tls_private_key_file = tmp.path() + "/a.key",
                                       .token_auth_file = tmp.write("t.csv", "only,two\n")});
  ASSERT_FALSE(bad_tokens.ok());
  EXPECT_NE(bad_tokens.status().message().find("--token-auth-file"), std::string::npos);
  EXPECT_NE(bad_tokens.status().message().find("line 1"), std::string::npos);

  auto missing = resolveServeFlags({.pki_dir = tmp.path() + "/nope"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ENOENT);
  EXPECT_NE(missing.status().message().find("--tls-cert-file"), std::string::npos);
}

}  // namespace
}  // namespace orch::apiserver
