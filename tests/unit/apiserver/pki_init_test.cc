#include "controlplane/apiserver/pki_init.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <memory>

#include "common/base/base64.h"
#include "common/pki/x509.h"
#include "controlplane/apiserver/authn.h"
#include "tests/support/temp_dir.h"

namespace orch::apiserver {
namespace {

using ::testing::UnorderedElementsAre;

std::unique_ptr<X509, decltype(&X509_free)> parseCert(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  return {PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free};
}

struct Sans {
  std::vector<std::string> dns;
  std::vector<std::string> ips;
};

Sans sansOf(X509* cert) {
  Sans out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS) {
      out.dns.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)),
                           ASN1_STRING_length(n->d.dNSName));
    } else if (n->type == GEN_IPADD) {
      char text[INET6_ADDRSTRLEN] = {0};
      int len = ASN1_STRING_length(n->d.iPAddress);
      inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(n->d.iPAddress), text,
                sizeof(text));
      out.ips.emplace_back(text);
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

unsigned modeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

std::string unbase64(const std::string& in) {
  auto out = base64Decode(in);
  return out.ok() ? *out : "";
}

TEST(PkiInitTest, WritesEveryFileWithTheRightModesAndNames) {
  testing::TempDir tmp;
  std::string dir = tmp.path() + "/pki";
  PkiInitOptions opts{.dir = dir,
                      .hosts = {"10.0.0.5", "api.example", "fd00::1", "localhost"},
                      .server_url = "https://10.0.0.5:6443",
                      .force = false};
  ASSERT_TRUE(initPki(opts).isOk());

  for (const char* key : {kCaKey, kServingKey, kAdminKey, kAdminKubeconfig}) {
    EXPECT_EQ(modeOf(dir + "/" + key), 0600u) << key;
  }
  for (const char* cert : {kCaCert, kServingCert, kAdminCert}) {
    EXPECT_EQ(modeOf(dir + "/" + cert), 0644u) << cert;
  }

  auto serving = readFile(dir + "/" + kServingCert);
  ASSERT_TRUE(serving.ok());
  auto cert = parseCert(*serving);
  ASSERT_TRUE(cert);
  Sans sans = sansOf(cert.get());
  EXPECT_THAT(sans.dns, UnorderedElementsAre("localhost", "api.example"));
  EXPECT_THAT(sans.ips, UnorderedElementsAre("127.0.0.1", "::1", "10.0.0.5", "fd00::1"));

  // The serving and admin certificates are signed by the CA.
  auto ca_pem = readFile(dir + "/" + kCaCert);
  ASSERT_TRUE(ca_pem.ok());
  auto ca = parseCert(*ca_pem);
  ASSERT_TRUE(ca);
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(ca.get())), 1);

  auto admin_pem = readFile(dir + "/" + kAdminCert);
  ASSERT_TRUE(admin_pem.ok());
  auto admin = userFromCertificatePem(*admin_pem);
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->name, "admin");
  EXPECT_THAT(admin->groups, UnorderedElementsAre("system:masters", "system:authenticated"));
}

TEST(PkiInitTest, KubeconfigParsesAndCarriesTheMaterial) {
  testing::TempDir tmp;
  PkiInitOptions opts{.dir = tmp.path(), .hosts = {}};
  ASSERT_TRUE(initPki(opts).isOk());
  auto text = readFile(tmp.path() + "/" + kAdminKubeconfig);
  ASSERT_TRUE(text.ok());
  YAML::Node kc = YAML::Load(*text);
  EXPECT_EQ(kc["apiVersion"].as<std::string>(), "v1");
  EXPECT_EQ(kc["kind"].as<std::string>(), "Config");
  ASSERT_EQ(kc["clusters"].size(), 1u);
  ASSERT_EQ(kc["users"].size(), 1u);
  ASSERT_EQ(kc["contexts"].size(), 1u);
  YAML::Node cluster = kc["clusters"][0];
  EXPECT_EQ(cluster["cluster"]["server"].as<std::string>(), "https://127.0.0.1:6443");
  EXPECT_EQ(unbase64(cluster["cluster"]["certificate-authority-data"].as<std::string>()),
            *readFile(tmp.path() + "/" + kCaCert));
  YAML::Node user = kc["users"][0];
  EXPECT_EQ(unbase64(user["user"]["client-certificate-data"].as<std::string>()),
            *readFile(tmp.path() + "/" + kAdminCert));
  EXPECT_EQ(unbase64(user["user"]["client-key-data"].as<std::string>()),
            *readFile(tmp.path() + "/" + kAdminKey));
  YAML::Node ctx = kc["contexts"][0];
  EXPECT_EQ(ctx["context"]["cluster"].as<std::string>(), cluster["name"].as<std::string>());
  EXPECT_EQ(ctx["context"]["user"].as<std::string>(), user["name"].as<std::string>());
  EXPECT_EQ(kc["current-context"].as<std::string>(), ctx["name"].as<std::string>());
}

TEST(PkiInitTest, RefusesToReplaceACaUnlessForced) {
  testing::TempDir tmp;
  PkiInitOptions opts{.dir = tmp.path()};
  ASSERT_TRUE(initPki(opts).isOk());
  auto before = readFile(tmp.path() + "/" + kCaCert);
  ASSERT_TRUE(before.ok());
  Status again = initPki(opts);
  EXPECT_EQ(again.code(), EEXIST);
  EXPECT_NE(again.message().find("--force"), std::string::npos);
  EXPECT_EQ(*readFile(tmp.path() + "/" + kCaCert), *before);
  opts.force = true;
  ASSERT_TRUE(initPki(opts).isOk());
  EXPECT_NE(*readFile(tmp.path() + "/" + kCaCert), *before);
}

TEST(PkiInitTest, WriteFileSetsTheModeOfAnExistingFile) {
  testing::TempDir tmp;
  std::string path = tmp.write("f", "old");
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ASSERT_TRUE(writeFile(path, "new", 0600).isOk());
  EXPECT_EQ(modeOf(path), 0600u);
  EXPECT_EQ(*readFile(path), "new");
  EXPECT_EQ(readFile(tmp.path() + "/missing").status().code(), ENOENT);
}

}  // namespace
}  // namespace orch::apiserver
