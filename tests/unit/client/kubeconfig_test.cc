#include "common/client/kubeconfig.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "tests/support/temp_dir.h"

namespace orch::client {
namespace {

using orch::testing::TempDir;

// "-----BEGIN CERTIFICATE-----\nCA\n" etc. in base64, as kubeconfigs embed them.
constexpr char kCaPem[] = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
constexpr char kCaB64[] =
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNBCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K";

std::string twoContexts(const std::string& cluster_extra, const std::string& user_extra) {
  return R"(apiVersion: v1
kind: Config
current-context: admin@prod
clusters:
- name: prod
  cluster:
    server: https://10.0.0.1:6443
)" + cluster_extra +
         R"(- name: dev
  cluster:
    server: http://127.0.0.1:8080
contexts:
- name: admin@prod
  context:
    cluster: prod
    user: admin
    namespace: kube-system
- name: dev
  context:
    cluster: dev
users:
- name: admin
  user:
)" + user_extra;
}

TEST(Kubeconfig, InlineCaDataAndToken) {
  auto cfg =
      parseKubeconfig(twoContexts(std::string("    certificate-authority-data: ") + kCaB64 + "\n",
                                  "    token: abc.def\n"),
                      "/nonexistent");
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_EQ(cfg->server, "https://10.0.0.1:6443");
  EXPECT_EQ(cfg->caData, kCaPem);
  EXPECT_EQ(cfg->token, "abc.def");
  EXPECT_EQ(cfg->namespace_, "kube-system");
  EXPECT_FALSE(cfg->insecureSkipTlsVerify);
  EXPECT_TRUE(cfg->clientCertData.empty());
}

TEST(Kubeconfig, CaFileAndClientCertFilesRelativeToKubeconfig) {
  TempDir dir;
  dir.write("pki/ca.crt", kCaPem);
  dir.write("pki/admin.crt", "CERT");
  dir.write("pki/admin.key", "KEY");
  std::string path = dir.write(
      "conf/admin.kubeconfig",
      twoContexts("    certificate-authority: ../pki/ca.crt\n",
                  "    client-certificate: ../pki/admin.crt\n    client-key: " + dir.path() +
                      "/pki/admin.key\n"));
  auto cfg = loadKubeconfig(path);
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_EQ(cfg->caData, kCaPem);
  EXPECT_EQ(cfg->clientCertData, "CERT");
  EXPECT_EQ(cfg->clientKeyData, "KEY");
  EXPECT_TRUE(cfg->token.empty());
}

TEST(Kubeconfig, ClientCertDataWinsOverFile) {
  auto cfg = parseKubeconfig(
      twoContexts("    insecure-skip-tls-verify: true\n",
                  "    client-certificate-data: Q0VSVA==\n    client-certificate: /nope\n"
                  "    client-key-data: S0VZ\n"),
      "/");
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_EQ(cfg->clientCertData, "CERT");
  EXPECT_EQ(cfg->clientKeyData, "KEY");
  EXPECT_TRUE(cfg->insecureSkipTlsVerify);
}

TEST(Kubeconfig, TokenFileIsReadAndTrimmed) {
  TempDir dir;
  dir.write("token", "s3cret\n");
  std::string path = dir.write("kc", twoContexts("", "    tokenFile: token\n"));
  auto cfg = loadKubeconfig(path);
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_EQ(cfg->token, "s3cret");
  EXPECT_EQ(cfg->tokenFile, dir.path() + "/token");
}

TEST(Kubeconfig, ContextOverrideAndNamespaceOverride) {
  KubeconfigOptions o;
  o.context = "dev";
  auto cfg = parseKubeconfig(twoContexts("", "    token: t\n"), "/", o);
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_EQ(cfg->server, "http://127.0.0.1:8080");
  EXPECT_TRUE(cfg->token.empty());  // the dev context has no user
  EXPECT_EQ(cfg->namespace_, "default");
  o.namespace_ = "team-a";
  cfg = parseKubeconfig(twoContexts("", "    token: t\n"), "/", o);
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->namespace_, "team-a");
}

TEST(Kubeconfig, MissingPiecesAreNamed) {
  KubeconfigOptions o;
  o.context = "nope";
  auto cfg = parseKubeconfig(twoContexts("", "    token: t\n"), "/", o, "kc.yaml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().code(), EINVAL);
  EXPECT_NE(cfg.status().message().find("kc.yaml: context \"nope\" not found"), std::string::npos)
      << cfg.status().message();

  cfg = parseKubeconfig("current-context: x\ncontexts:\n- name: x\n  context:\n    cluster: c\n",
                        "/");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("cluster \"c\" not found"), std::string::npos)
      << cfg.status().message();

  cfg = parseKubeconfig(
      "current-context: x\ncontexts:\n- name: x\n  context:\n    cluster: c\n"
      "clusters:\n- name: c\n  cluster:\n    certificate-authority-data: " +
          std::string(kCaB64) + "\n",
      "/");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("cluster \"c\": server is missing"), std::string::npos)
      << cfg.status().message();

  cfg = parseKubeconfig(twoContexts("", "    client-certificate-data: Q0VSVA==\n"), "/");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("user \"admin\": client-certificate without client-key"),
            std::string::npos)
      << cfg.status().message();

  cfg = parseKubeconfig(twoContexts("    certificate-authority: /does/not/exist.crt\n", ""), "/");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().code(), ENOENT);
  EXPECT_NE(cfg.status().message().find("certificate-authority"), std::string::npos);

  cfg = parseKubeconfig(twoContexts("    certificate-authority-data: '%%%'\n", ""), "/");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("certificate-authority-data"), std::string::npos)
      << cfg.status().message();

  cfg = parseKubeconfig("clusters: [", "/");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().code(), EINVAL);

  cfg = parseKubeconfig("clusters: []\n", "/");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("no current-context"), std::string::npos);

  auto missing = loadKubeconfig("/does/not/exist.kubeconfig");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ENOENT);
}

TEST(Kubeconfig, Base64) {
  EXPECT_EQ(*base64Decode("aGVsbG8="), "hello");
  EXPECT_EQ(*base64Decode("aGVs\nbG8h"), "hello!");
  EXPECT_EQ(*base64Decode(""), "");
  EXPECT_FALSE(base64Decode("a").ok());
  EXPECT_FALSE(base64Decode("!!!!").ok());
}

class InClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("KUBERNETES_SERVICE_HOST");
    unsetenv("KUBERNETES_SERVICE_PORT");
  }
  void TearDown() override { SetUp(); }
  TempDir root_;
};

TEST_F(InClusterTest, ReadsServiceAccount) {
  root_.write("var/run/secrets/kubernetes.io/serviceaccount/token", "tok\n");
  root_.write("var/run/secrets/kubernetes.io/serviceaccount/ca.crt", kCaPem);
  root_.write("var/run/secrets/kubernetes.io/serviceaccount/namespace", "apps");
  setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto cfg = inClusterConfig(root_.path());
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_EQ(cfg->server, "https://10.96.0.1:443");
  EXPECT_EQ(cfg->token, "tok");
  EXPECT_EQ(cfg->caData, kCaPem);
  EXPECT_EQ(cfg->namespace_, "apps");

  setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
  cfg = inClusterConfig(root_.path());
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->server, "https://[fd00::1]:443");
}

TEST_F(InClusterTest, MissingEnvOrTokenIsAnError) {
  auto cfg = inClusterConfig(root_.path());
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("KUBERNETES_SERVICE_HOST"), std::string::npos);
  setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  cfg = inClusterConfig(root_.path());
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().code(), ENOENT);
  EXPECT_NE(cfg.status().message().find("token"), std::string::npos);
}

}  // namespace
}  // namespace orch::client
