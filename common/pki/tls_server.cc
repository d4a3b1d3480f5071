#include "common/pki/tls_server.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/buffer.hpp>
#include <memory>

namespace orch::pki {

namespace {

Status sslError(const std::string& what) {
  unsigned long err = ERR_get_error();
  char buf[256] = {0};
  if (err != 0) ERR_error_string_n(err, buf, sizeof(buf));
  ERR_clear_error();
  return Status::invalid(what + (err != 0 ? std::string(": ") + buf : std::string()));
}

}  // namespace

Status configureServerTls(boost::asio::ssl::context& ssl, const std::string& cert_pem,
                          const std::string& key_pem, const std::string& client_ca_pem) {
  namespace asio_ssl = boost::asio::ssl;
  SSL_CTX* ctx = ssl.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  boost::system::error_code ec;
  ssl.use_certificate_chain(boost::asio::buffer(cert_pem), ec);
  if (ec) return Status::invalid("serving certificate: " + ec.message());
  ssl.use_private_key(boost::asio::buffer(key_pem), asio_ssl::context::pem, ec);
  if (ec) return Status::invalid("serving key: " + ec.message());
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return sslError("serving key does not match the certificate");
  }
  if (client_ca_pem.empty()) {
    ssl.set_verify_mode(asio_ssl::verify_none);
    return Status::ok();
  }
  ssl.add_certificate_authority(boost::asio::buffer(client_ca_pem), ec);
  if (ec) return Status::invalid("client CA: " + ec.message());
  // List the CA names so that clients pick the right certificate.
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(client_ca_pem.data(), static_cast<int>(client_ca_pem.size())), BIO_free);
  STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(cert)));
    X509_free(cert);
  }
  ERR_clear_error();  // the loop ends on a "no start line" error
  SSL_CTX_set_client_CA_list(ctx, names);
  SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
  // Ask for a certificate but never fail the handshake on it: the handler decides.
  ssl.set_verify_mode(asio_ssl::verify_peer);
  ssl.set_verify_callback([](bool, asio_ssl::verify_context&) { return true; });
  return Status::ok();
}

}  // namespace orch::pki
