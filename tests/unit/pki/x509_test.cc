#include "common/pki/x509.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace orch::pki {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr parse(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509Ptr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return cert;
}

// Verifies `leaf` against `ca` as a TLS peer would (chain + purpose).
bool verifies(const std::string& ca_pem, const std::string& leaf_pem, int purpose) {
  X509Ptr ca = parse(ca_pem), leaf = parse(leaf_pem);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf.get(), nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

std::string subjectField(const std::string& pem, int nid) {
  X509Ptr cert = parse(pem);
  X509_NAME* name = X509_get_subject_name(cert.get());
  std::string out;
  for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, nid, i)) {
    ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    if (!out.empty()) out += ",";
    out += std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
  }
  return out;
}

TEST(Pki, ServingCertificateVerifiesAndCoversItsNames) {
  auto ca = createCa("orch-ca");
  ASSERT_TRUE(ca.ok()) << ca.status().message();
  auto srv = issue(*ca, {.common_name = "orch-apiserver",
                         .dns_names = {"localhost", "node-1"},
                         .ip_addresses = {"127.0.0.1", "::1"},
                         .server = true});
  ASSERT_TRUE(srv.ok()) << srv.status().message();
  EXPECT_TRUE(verifies(ca->cert_pem, srv->cert_pem, X509_PURPOSE_SSL_SERVER));
  X509Ptr cert = parse(srv->cert_pem);
  EXPECT_EQ(X509_check_host(cert.get(), "node-1", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);
  EXPECT_NE(X509_check_host(cert.get(), "elsewhere", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_ip_asc(cert.get(), "10.0.0.1", 0), 1);
  // A serving certificate is not a client certificate.
  EXPECT_FALSE(verifies(ca->cert_pem, srv->cert_pem, X509_PURPOSE_SSL_CLIENT));
}

TEST(Pki, ClientCertificateCarriesUserAndGroups) {
  auto ca = createCa("orch-ca");
  ASSERT_TRUE(ca.ok());
  auto admin = issue(
      *ca, {.common_name = "admin", .organizations = {"system:masters", "ops"}, .client = true});
  ASSERT_TRUE(admin.ok());
  EXPECT_TRUE(verifies(ca->cert_pem, admin->cert_pem, X509_PURPOSE_SSL_CLIENT));
  EXPECT_EQ(subjectField(admin->cert_pem, NID_commonName), "admin");
  EXPECT_EQ(subjectField(admin->cert_pem, NID_organizationName), "system:masters,ops");
}

TEST(Pki, AnotherCaDoesNotVerify) {
  auto ca1 = createCa("one"), ca2 = createCa("two");
  ASSERT_TRUE(ca1.ok() && ca2.ok());
  auto leaf = issue(*ca1, {.common_name = "x", .server = true});
  ASSERT_TRUE(leaf.ok());
  EXPECT_FALSE(verifies(ca2->cert_pem, leaf->cert_pem, X509_PURPOSE_SSL_SERVER));
}

TEST(Pki, SelfSignedVerifiesAgainstItself) {
  auto cert = selfSigned({.common_name = "node-1", .dns_names = {"node-1"}, .server = true});
  ASSERT_TRUE(cert.ok()) << cert.status().message();
  EXPECT_NE(cert->key_pem.find("PRIVATE KEY"), std::string::npos);
  X509Ptr x = parse(cert->cert_pem);
  EXPECT_EQ(X509_check_host(x.get(), "node-1", 0, 0, nullptr), 1);
}

TEST(Pki, BadIpAddressIsRejectedByName) {
  auto ca = createCa("orch-ca");
  ASSERT_TRUE(ca.ok());
  auto bad = issue(*ca, {.common_name = "x", .ip_addresses = {"10.0.0.300"}, .server = true});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), EINVAL);
  EXPECT_NE(bad.status().message().find("10.0.0.300"), std::string::npos);
}

TEST(Pki, CorruptCaIsAnError) {
  KeyPair broken{"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n", "x"};
  EXPECT_FALSE(issue(broken, {.common_name = "x"}).ok());
}

}  // namespace
}  // namespace orch::pki
