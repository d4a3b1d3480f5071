#include "tests/unit/apiserver/test_client.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/beast/core/buffers_to_string.hpp>

namespace orch::apiserver::testing {

namespace net = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;

TestClient::TestClient() = default;
TestClient::~TestClient() = default;

Result<std::unique_ptr<TestClient>> TestClient::connect(int port, const ClientCreds& creds) {
  std::unique_ptr<TestClient> c(new TestClient());
  error_code ec;
  c->ctx_.add_certificate_authority(net::buffer(creds.ca_pem), ec);
  if (ec) return Status::invalid("client CA: " + ec.message());
  c->ctx_.set_verify_mode(net::ssl::verify_peer);
  if (!creds.cert_pem.empty()) {
    c->ctx_.use_certificate_chain(net::buffer(creds.cert_pem), ec);
    if (!ec) c->ctx_.use_private_key(net::buffer(creds.key_pem), net::ssl::context::pem, ec);
    if (ec) return Status::invalid("client certificate: " + ec.message());
  }
  c->stream_ = std::make_unique<boost::beast::ssl_stream<net::ip::tcp::socket>>(c->ioc_, c->ctx_);
  c->stream_->set_verify_callback(net::ssl::host_name_verification("127.0.0.1"));
  net::ip::tcp::endpoint ep(net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
  c->stream_->next_layer().connect(ep, ec);
  if (ec) return Status::error(ec.value(), "connect: " + ec.message());
  c->stream_->handshake(net::ssl::stream_base::client, ec);
  if (ec) return Status::error(EPROTO, "TLS handshake: " + ec.message());
  return c;
}

Status TestClient::sendHead(const std::string& method, const std::string& target,
                            const std::map<std::string, std::string>& headers) {
  std::string head = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) head += k + ": " + v + "\r\n";
  head += "\r\n";
  error_code ec;
  net::write(*stream_, net::buffer(head), ec);
  if (ec) return Status::error(EIO, "write: " + ec.message());
  return Status::ok();
}

Status TestClient::writeRaw(const std::string& data) {
  error_code ec;
  net::write(*stream_, net::buffer(data), ec);
  if (ec) return Status::error(EIO, "write: " + ec.message());
  return Status::ok();
}

namespace {
HttpResult toResult(const http::response<http::string_body>& res) {
  HttpResult out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string().data(), f.name_string().size());
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    out.headers[name] = std::string(f.value().data(), f.value().size());
  }
  out.body = res.body();
  out.keep_alive = res.keep_alive();
  return out;
}
}  // namespace

Result<HttpResult> TestClient::readResponse() {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  error_code ec;
  http::read(*stream_, buffer_, parser, ec);
  if (ec) return Status::error(EIO, "read response: " + ec.message());
  return toResult(parser.get());
}

Result<HttpResult> TestClient::request(const std::string& method, const std::string& target,
                                       const std::map<std::string, std::string>& headers,
                                       const std::string& body) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  if (!body.empty() || method == "POST" || method == "PUT") req.prepare_payload();
  error_code ec;
  http::write(*stream_, req, ec);
  if (ec) return Status::error(EIO, "write request: " + ec.message());
  return readResponse();
}

Result<HttpResult> TestClient::startStream(const std::string& target,
                                           const std::map<std::string, std::string>& headers) {
  ORCH_RETURN_IF_ERROR(sendHead("GET", target, headers));
  parser_ = std::make_unique<http::response_parser<http::string_body>>();
  parser_->body_limit(boost::none);
  error_code ec;
  http::read_header(*stream_, buffer_, *parser_, ec);
  if (ec) return Status::error(EIO, "read head: " + ec.message());
  HttpResult out = toResult(parser_->get());
  return out;
}

Result<std::optional<std::string>> TestClient::readStream() {
  while (true) {
    std::string& body = parser_->get().body();
    if (!body.empty()) {
      std::string got = std::move(body);
      body.clear();
      return std::optional<std::string>(std::move(got));
    }
    if (parser_->is_done()) return std::optional<std::string>();
    error_code ec;
    http::read_some(*stream_, buffer_, *parser_, ec);
    if (ec) return Status::error(EIO, "read stream: " + ec.message());
  }
}

bool TestClient::serverClosed() {
  char c;
  error_code ec;
  stream_->read_some(net::buffer(&c, 1), ec);
  return static_cast<bool>(ec);
}

void TestClient::abort() {
  error_code ec;
  stream_->next_layer().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  stream_->next_layer().close(ec);
}

}  // namespace orch::apiserver::testing
