#include "agent/prober/http_probe.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <optional>
#include <variant>

namespace orch::agent {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string joinHostPort(const std::string& host, int port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

// Where one request goes.
struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets
  int port = 0;
  std::string target;  // path and query, starting with '/'

  std::string str() const { return scheme + "://" + joinHostPort(host, port) + target; }
};

int defaultPort(const std::string& scheme) {
  return scheme == "https" ? 443 : 80;
}

// Splits "host", "host:port", "[v6]", "[v6]:port" (userinfo dropped). nullopt when malformed.
std::optional<std::pair<std::string, int>> parseAuthority(std::string a, int default_port) {
  if (auto at = a.rfind('@'); at != std::string::npos) a = a.substr(at + 1);
  std::string host, port;
  if (!a.empty() && a[0] == '[') {
    size_t close = a.find(']');
    if (close == std::string::npos) return std::nullopt;
    host = a.substr(1, close - 1);
    std::string rest = a.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else {
    size_t colon = a.find(':');
    host = a.substr(0, colon);
    if (colon != std::string::npos) port = a.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  int p = default_port;
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit)) return std::nullopt;
    p = std::stoi(port);
  }
  return std::make_pair(host, p);
}

// Whether a Location names its own authority ("//host/..." or "scheme://host/...").
bool isAbsoluteLocation(const std::string& loc) {
  if (loc.rfind("//", 0) == 0) return true;
  size_t scheme_end = loc.find("://");
  return scheme_end != std::string::npos && scheme_end < loc.find_first_of("/?#");
}

// Resolves a Location header against the URL of the request that got it (RFC 3986, without
// dot-segment removal). nullopt for what cannot be followed.
std::optional<Url> resolveLocation(const Url& base, const std::string& loc) {
  Url u = base;
  std::string rest;
  size_t scheme_end = loc.find("://");
  size_t first_sep = loc.find_first_of("/?#");
  if (scheme_end != std::string::npos && scheme_end < first_sep) {
    u.scheme = lower(loc.substr(0, scheme_end));
    if (u.scheme != "http" && u.scheme != "https") return std::nullopt;
    rest = loc.substr(scheme_end + 1);  // "//authority/..."
  } else {
    rest = loc;
  }
  if (rest.rfind("//", 0) == 0) {
    size_t path_start = rest.find_first_of("/?#", 2);
    auto hp = parseAuthority(rest.substr(2, path_start - 2), defaultPort(u.scheme));
    if (!hp) return std::nullopt;
    u.host = hp->first;
    u.port = hp->second;
    u.target = path_start == std::string::npos ? "/" : rest.substr(path_start);
  } else if (!rest.empty() && rest[0] == '/') {
    u.target = rest;
  } else if (!rest.empty() && rest[0] == '?') {
    u.target = base.target.substr(0, base.target.find('?')) + rest;
  } else {
    std::string dir = base.target.substr(0, base.target.find('?'));
    dir = dir.substr(0, dir.rfind('/') + 1);
    u.target = dir + rest;
  }
  if (auto hash = u.target.find('#'); hash != std::string::npos) u.target.resize(hash);
  if (u.target.empty()) u.target = "/";
  return u;
}

struct Reply {
  int status = 0;
  std::string location;
  std::string body;
};

// One HTTP exchange on a private io_context; every operation ends by `deadline`.
class Exchange {
 public:
  explicit Exchange(std::chrono::steady_clock::time_point deadline) : deadline_(deadline) {}

  // Result: the reply, or an error text in Go's words ("dial tcp ...: connect: ...").
  std::variant<Reply, std::string> get(
      const Url& url, const std::string& host_header,
      const std::vector<std::pair<std::string, std::string>>& headers) {
    auto endpoints = resolve(url);
    if (auto* err = std::get_if<std::string>(&endpoints)) return *err;
    beast::tcp_stream stream(ioc_);
    stream.expires_at(deadline_);
    error_code ec = run([&](auto h) {
      stream.async_connect(std::get<std::vector<tcp::endpoint>>(endpoints), std::move(h));
    });
    if (ec) return dialError(url, ec);
    http::request<http::empty_body> req{http::verb::get, url.target, 11};
    req.set(http::field::host, host_header);
    for (const auto& [name, value] : headers) req.insert(name, value);
    req.set(http::field::connection, "close");
    if (url.scheme != "https") return exchange(stream, req);

    beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), sslContext());
    error_code addr_ec;
    (void)net::ip::make_address(url.host, addr_ec);
    if (addr_ec) SSL_set_tlsext_host_name(tls.native_handle(), url.host.c_str());
    ec = run([&](auto h) { tls.async_handshake(ssl::stream_base::client, std::move(h)); });
    if (ec) return timeoutOr(ec, "tls handshake: " + ec.message());
    return exchange(tls, req);
  }

 private:
  template <class Start>
  error_code run(Start&& start) {
    std::optional<error_code> result;
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    while (!result) {
      if (ioc_.run_one() == 0) break;
    }
    return result.value_or(net::error::operation_aborted);
  }

  bool pastDeadline() const { return std::chrono::steady_clock::now() >= deadline_; }

  std::string timeoutOr(error_code ec, std::string what) {
    if (ec == beast::error::timeout || pastDeadline()) {
      return "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
    }
    return what;
  }

  std::string dialError(const Url& url, error_code ec) {
    return timeoutOr(
        ec, "dial tcp " + joinHostPort(url.host, url.port) + ": connect: " + lower(ec.message()));
  }

  std::variant<std::vector<tcp::endpoint>, std::string> resolve(const Url& url) {
    error_code ec;
    auto addr = net::ip::make_address(url.host, ec);
    if (!ec) return std::vector<tcp::endpoint>{{addr, static_cast<unsigned short>(url.port)}};
    tcp::resolver resolver(ioc_);
    net::steady_timer timer(ioc_);
    timer.expires_at(deadline_);
    bool timer_done = false;
    timer.async_wait([&](error_code tec) {
      timer_done = true;
      if (!tec) resolver.cancel();
    });
    std::vector<tcp::endpoint> eps;
    ec = run([&](auto h) {
      resolver.async_resolve(url.host, std::to_string(url.port),
                             [&eps, h = std::move(h)](error_code rec, auto results) mutable {
                               for (const auto& r : results) eps.push_back(r.endpoint());
                               h(rec);
                             });
    });
    timer.cancel();
    while (!timer_done && ioc_.run_one() != 0) {
    }
    if (ec || eps.empty()) {
      return timeoutOr(ec, "dial tcp: lookup " + url.host + ": " +
                               (ec ? ec.message() : std::string("no such host")));
    }
    return eps;
  }

  template <class Stream>
  std::variant<Reply, std::string> exchange(Stream& s, http::request<http::empty_body>& req) {
    error_code ec = run([&](auto h) { http::async_write(s, req, std::move(h)); });
    if (ec) return timeoutOr(ec, "write request: " + ec.message());
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    // Only the status decides; the body is kept for messages, up to the kubelet's limit.
    parser.body_limit(kMaxProbeOutputBytes);
    ec = run([&](auto h) { http::async_read(s, buf, parser, std::move(h)); });
    bool tolerable = ec == http::error::body_limit || ec == ssl::error::stream_truncated;
    if (ec && !(tolerable && parser.is_header_done())) {
      return timeoutOr(ec, "read response: " + ec.message());
    }
    Reply r;
    const auto& msg = parser.get();
    r.status = static_cast<int>(msg.result_int());
    r.location = std::string(msg[http::field::location]);
    r.body = msg.body();
    if (r.body.size() > kMaxProbeOutputBytes) r.body.resize(kMaxProbeOutputBytes);
    return r;
  }

  static ssl::context& sslContext() {
    // Shared by every probe: a context is safe to use from many threads once set up, and the
    // kubelet does not verify the server (InsecureSkipVerify).
    static ssl::context* ctx = [] {
      auto* c = new ssl::context(ssl::context::tls_client);
      c->set_verify_mode(ssl::verify_none);
      return c;
    }();
    return *ctx;
  }

  net::io_context ioc_{1};
  std::chrono::steady_clock::time_point deadline_;
};

bool isFollowedRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

std::string formatProbeUrl(const std::string& scheme, const std::string& host, int port,
                           const std::string& path) {
  std::string s = lower(scheme.empty() ? std::string("http") : scheme);
  std::string target = path;
  if (target.empty() || target[0] != '/') target = "/" + target;
  return s + "://" + joinHostPort(host, port) + target;
}

ProbeOutcome runHttpProbe(const HttpProbeRequest& in) {
  Url url;
  url.scheme = lower(in.scheme.empty() ? std::string("http") : in.scheme);
  url.host = in.host;
  url.port = in.port;
  url.target = in.path;
  if (url.target.empty() || url.target[0] != '/') url.target = "/" + url.target;
  if (url.scheme != "http" && url.scheme != "https") {
    return {ProbeResult::kFailure, "unsupported scheme \"" + in.scheme + "\""};
  }
  if (url.port <= 0 || url.port > 65535) {
    return {ProbeResult::kFailure, "invalid port " + std::to_string(url.port)};
  }
  if (url.host.empty()) return {ProbeResult::kFailure, "no host to probe (pod IP unknown)"};

  std::vector<std::pair<std::string, std::string>> headers;
  std::string host_override;
  bool has_user_agent = false, has_accept = false;
  for (const auto& [name, value] : in.headers) {
    if (iequals(name, "Host")) {
      if (host_override.empty()) host_override = value;
      continue;
    }
    if (iequals(name, "User-Agent")) has_user_agent = true;
    if (iequals(name, "Accept")) {
      has_accept = true;
      if (value.empty()) continue;  // an empty Accept removes the default
    }
    headers.emplace_back(name, value);
  }
  if (!has_user_agent) headers.emplace_back("User-Agent", in.user_agent);
  if (!has_accept) headers.emplace_back("Accept", "*/*");

  const std::string original_host = url.host;
  Exchange ex(std::chrono::steady_clock::now() + in.timeout);
  Reply reply;
  for (int redirects = 0;; ++redirects) {
    std::string host_header =
        host_override.empty() ? joinHostPort(url.host, url.port) : host_override;
    auto r = ex.get(url, host_header, headers);
    if (auto* err = std::get_if<std::string>(&r)) {
      return {ProbeResult::kFailure, "Get \"" + url.str() + "\": " + *err};
    }
    reply = std::move(std::get<Reply>(r));
    if (!isFollowedRedirect(reply.status) || reply.location.empty()) break;
    auto next = resolveLocation(url, reply.location);
    if (!next) {
      return {ProbeResult::kFailure,
              "Get \"" + url.str() + "\": failed to follow redirect to " + reply.location};
    }
    // Only redirects to the same host are followed (the kubelet's redirectChecker).
    if (next->host != original_host) break;
    if (redirects == kMaxProbeRedirects) {
      return {ProbeResult::kFailure, "Get \"" + next->str() + "\": stopped after " +
                                         std::to_string(kMaxProbeRedirects) + " redirects"};
    }
    // As Go's client: a custom Host survives only a relative redirect.
    if (isAbsoluteLocation(reply.location)) host_override.clear();
    url = std::move(*next);
  }
  if (reply.status >= 200 && reply.status < 400) {
    if (reply.status >= 300) {
      return {ProbeResult::kWarning, "Probe terminated redirects, Response body: " + reply.body};
    }
    return {ProbeResult::kSuccess, std::move(reply.body)};
  }
  return {ProbeResult::kFailure,
          "HTTP probe failed with statuscode: " + std::to_string(reply.status)};
}

}  // namespace orch::agent
