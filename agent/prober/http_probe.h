#pragma once
// The httpGet probe, as the kubelet's http prober: GET <scheme>://<host>:<port><path> with
// a deadline for the whole exchange (redirects included), no keep-alive, and for HTTPS no
// certificate verification.
//
// - Headers: the probe's httpHeaders; "User-Agent: <user_agent>" and "Accept: */*" unless the
//   probe sets them (an Accept set to "" is dropped); a "Host" header overrides the Host.
// - Success: status 200..399. A redirect (301, 302, 303, 307, 308 with a Location) to the
//   same host name (any port or scheme) is followed, up to 10 times; a redirect to another
//   host is not, and the probe then counts as a success with a warning
//   ("Probe terminated redirects, Response body: ..."), as upstream.
// - Failure: any other status ("HTTP probe failed with statuscode: 500"), a connection or TLS
//   error, or the deadline ("Get \"<url>\": context deadline exceeded ...").
// Blocking; safe to call from many threads at once (each call has its own sockets).

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "agent/prober/probe_result.h"

namespace orch::agent {

struct HttpProbeRequest {
  std::string scheme = "HTTP";  // HTTP or HTTPS, any case; empty = HTTP
  std::string host;             // an IP literal (v4 or v6) or a DNS name
  int port = 0;
  std::string path;  // "/healthz", may carry a query; empty = "/"
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{1000};
  std::string user_agent = kDefaultProbeUserAgent;
};

// The largest number of redirects followed (Go's http.Client default).
inline constexpr int kMaxProbeRedirects = 10;

ProbeOutcome runHttpProbe(const HttpProbeRequest& req);

// "http://10.0.0.1:8080/healthz" ("[fd00::1]:80" for IPv6), as the probe reports it.
std::string formatProbeUrl(const std::string& scheme, const std::string& host, int port,
                           const std::string& path);

}  // namespace orch::agent
