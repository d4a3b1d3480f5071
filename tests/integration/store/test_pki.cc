#include "test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>

namespace orch::store::testing {
namespace {

struct Deleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(FILE* f) const { std::fclose(f); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter>;
using Cert = std::unique_ptr<X509, Deleter>;

Status addExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return Status::error(EIO, std::string("openssl: extension ") + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return Status::ok();
}

// A certificate for `cn` signed by issuer (self-signed when issuer is null).
Result<Cert> makeCert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, bool ca,
                      const char* eku, const char* san, long serial) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  ORCH_RETURN_IF_ERROR(addExt(cert.get(), signer, NID_basic_constraints,
                              ca ? "critical,CA:TRUE" : "critical,CA:FALSE"));
  ORCH_RETURN_IF_ERROR(
      addExt(cert.get(), signer, NID_key_usage,
             ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment"));
  if (eku != nullptr) ORCH_RETURN_IF_ERROR(addExt(cert.get(), signer, NID_ext_key_usage, eku));
  if (san != nullptr) ORCH_RETURN_IF_ERROR(addExt(cert.get(), signer, NID_subject_alt_name, san));
  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) {
    return Status::error(EIO, "openssl: sign certificate");
  }
  return cert;
}

Status writePem(const std::string& path, X509* cert, EVP_PKEY* key) {
  std::unique_ptr<FILE, Deleter> f(std::fopen(path.c_str(), "w"));
  if (!f) return Status::fromErrno("open " + path);
  int ok = cert != nullptr
               ? PEM_write_X509(f.get(), cert)
               : PEM_write_PrivateKey(f.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  if (ok == 0) return Status::error(EIO, "write " + path);
  return Status::ok();
}

}  // namespace

Result<TestPki> makeTestPki(const std::string& dir) {
  Key ca_key(EVP_EC_gen("P-256")), server_key(EVP_EC_gen("P-256")), client_key(EVP_EC_gen("P-256"));
  if (!ca_key || !server_key || !client_key) return Status::error(EIO, "openssl: generate keys");
  ORCH_ASSIGN_OR_RETURN(
      Cert ca, makeCert(ca_key.get(), "orch-test-ca", nullptr, nullptr, true, nullptr, nullptr, 1));
  ORCH_ASSIGN_OR_RETURN(
      Cert server, makeCert(server_key.get(), "etcd", ca.get(), ca_key.get(), false, "serverAuth",
                            "IP:127.0.0.1,DNS:localhost", 2));
  ORCH_ASSIGN_OR_RETURN(Cert client, makeCert(client_key.get(), "orch-apiserver", ca.get(),
                                              ca_key.get(), false, "clientAuth", nullptr, 3));
  TestPki p{.ca_cert = dir + "/ca.crt",
            .server_cert = dir + "/server.crt",
            .server_key = dir + "/server.key",
            .client_cert = dir + "/client.crt",
            .client_key = dir + "/client.key"};
  ORCH_RETURN_IF_ERROR(writePem(p.ca_cert, ca.get(), nullptr));
  ORCH_RETURN_IF_ERROR(writePem(p.server_cert, server.get(), nullptr));
  ORCH_RETURN_IF_ERROR(writePem(p.server_key, nullptr, server_key.get()));
  ORCH_RETURN_IF_ERROR(writePem(p.client_cert, client.get(), nullptr));
  ORCH_RETURN_IF_ERROR(writePem(p.client_key, nullptr, client_key.get()));
  return p;
}

}  // namespace orch::store::testing
