#include "common/pki/x509.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace orch::pki {

namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

Status sslError(const std::string& what) {
  unsigned long e = ERR_get_error();
  char buf[256] = "unknown error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return Status::error(EPROTO, what + ": " + buf);
}

Result<PkeyPtr> newKey() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return sslError("generate P-256 key");
  return key;
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

Result<KeyPair> toPem(X509* cert, EVP_PKEY* key) {
  BioPtr cbio(BIO_new(BIO_s_mem())), kbio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(cbio.get(), cert) != 1) return sslError("write certificate PEM");
  if (PEM_write_bio_PrivateKey(kbio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return sslError("write key PEM");
  }
  return KeyPair{bioText(cbio.get()), bioText(kbio.get())};
}

Result<X509Ptr> readCert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return sslError("read CA certificate");
  return cert;
}

Result<PkeyPtr> readKey(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return sslError("read CA key");
  return key;
}

Status addExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return sslError("certificate extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return Status::ok();
}

// A certificate for `key` with the subject of `req`; the caller adds extensions and signs.
Result<X509Ptr> baseCert(EVP_PKEY* key, const std::string& cn, const std::vector<std::string>& orgs,
                         std::chrono::hours validity) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);  // v3
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return sslError("random serial");
  serial[0] &= 0x7f;  // a positive serial
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  // Valid from an hour ago, to tolerate small clock differences between nodes.
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                  static_cast<long>(std::chrono::seconds(validity).count()));
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const std::string& o : orgs) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(o.c_str()), -1, -1, 0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return cert;
}

Result<std::string> sanValue(const CertRequest& req) {
  std::string san;
  for (const std::string& d : req.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  for (const std::string& ip : req.ip_addresses) {
    unsigned char buf[16];
    if (inet_pton(AF_INET, ip.c_str(), buf) != 1 && inet_pton(AF_INET6, ip.c_str(), buf) != 1) {
      return Status::invalid("certificate IP address \"" + ip + "\" is not an IP address");
    }
    san += (san.empty() ? "IP:" : ",IP:") + ip;
  }
  return san;
}

Status leafExtensions(X509* cert, X509* issuer, const CertRequest& req) {
  ORCH_RETURN_IF_ERROR(addExt(cert, issuer, NID_basic_constraints, "critical,CA:FALSE"));
  ORCH_RETURN_IF_ERROR(
      addExt(cert, issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment"));
  std::string eku;
  if (req.server) eku = "serverAuth";
  if (req.client) eku += eku.empty() ? "clientAuth" : ",clientAuth";
  if (!eku.empty()) ORCH_RETURN_IF_ERROR(addExt(cert, issuer, NID_ext_key_usage, eku));
  ORCH_ASSIGN_OR_RETURN(std::string san, sanValue(req));
  if (!san.empty()) ORCH_RETURN_IF_ERROR(addExt(cert, issuer, NID_subject_alt_name, san));
  ORCH_RETURN_IF_ERROR(addExt(cert, issuer, NID_subject_key_identifier, "hash"));
  if (issuer != cert) {
    ORCH_RETURN_IF_ERROR(addExt(cert, issuer, NID_authority_key_identifier, "keyid:always"));
  }
  return Status::ok();
}

}  // namespace

Result<KeyPair> createCa(const std::string& common_name, std::chrono::hours validity) {
  ORCH_ASSIGN_OR_RETURN(PkeyPtr key, newKey());
  ORCH_ASSIGN_OR_RETURN(X509Ptr cert, baseCert(key.get(), common_name, {}, validity));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  ORCH_RETURN_IF_ERROR(addExt(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE"));
  ORCH_RETURN_IF_ERROR(addExt(cert.get(), cert.get(), NID_key_usage,
                              "critical,keyCertSign,cRLSign,digitalSignature"));
  ORCH_RETURN_IF_ERROR(addExt(cert.get(), cert.get(), NID_subject_key_identifier, "hash"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return sslError("sign CA certificate");
  return toPem(cert.get(), key.get());
}

Result<KeyPair> issue(const KeyPair& ca, const CertRequest& req) {
  ORCH_ASSIGN_OR_RETURN(X509Ptr ca_cert, readCert(ca.cert_pem));
  ORCH_ASSIGN_OR_RETURN(PkeyPtr ca_key, readKey(ca.key_pem));
  ORCH_ASSIGN_OR_RETURN(PkeyPtr key, newKey());
  ORCH_ASSIGN_OR_RETURN(X509Ptr cert,
                        baseCert(key.get(), req.common_name, req.organizations, req.validity));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  ORCH_RETURN_IF_ERROR(leafExtensions(cert.get(), ca_cert.get(), req));
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0) {
    return sslError("sign certificate for " + req.common_name);
  }
  return toPem(cert.get(), key.get());
}

Result<KeyPair> selfSigned(const CertRequest& req) {
  ORCH_ASSIGN_OR_RETURN(PkeyPtr key, newKey());
  ORCH_ASSIGN_OR_RETURN(X509Ptr cert,
                        baseCert(key.get(), req.common_name, req.organizations, req.validity));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  ORCH_RETURN_IF_ERROR(leafExtensions(cert.get(), cert.get(), req));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return sslError("sign self-signed certificate");
  }
  return toPem(cert.get(), key.get());
}

}  // namespace orch::pki
