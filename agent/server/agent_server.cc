#include "agent/server/agent_server.h"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <optional>

#include "agent/server/cri_log_reader.h"
#include "common/api/codec.h"
#include "common/api/time.h"
#include "common/base/file_util.h"
#include "common/pki/x509.h"

namespace orch::agent {

namespace {

constexpr const char* kTextPlain = "text/plain; charset=utf-8";

// A query value that failed to parse or validate: the HTTP status and the message.
struct ParamError {
  int status;
  std::string message;
};

// Go's strconv.ParseBool, plus "" = false (the API's query conversion).
std::optional<bool> parseBool(const std::string& v) {
  if (v.empty() || v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" ||
      v == "False") {
    return false;
  }
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return true;
  return std::nullopt;
}

std::optional<int64_t> parseInt(const std::string& v) {
  int64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
  return out;
}

// The PodLogOptions of a /containerLogs query, validated as the API server does.
std::variant<std::pair<LogReadOptions, bool>, ParamError> parseLogQuery(const ServerRequest& req,
                                                                        Clock& clock) {
  LogReadOptions o;
  bool previous = false;
  auto boolParam = [&](const char* key, bool& out) -> std::optional<ParamError> {
    auto v = req.queryParam(key);
    if (!v) return std::nullopt;
    auto b = parseBool(*v);
    if (!b) return ParamError{400, std::string(key) + ": invalid boolean \"" + *v + "\""};
    out = *b;
    return std::nullopt;
  };
  auto intParam = [&](const char* key, std::optional<int64_t>& out) -> std::optional<ParamError> {
    auto v = req.queryParam(key);
    if (!v) return std::nullopt;
    auto i = parseInt(*v);
    if (!i) return ParamError{400, std::string(key) + ": invalid integer \"" + *v + "\""};
    out = *i;
    return std::nullopt;
  };
  std::optional<int64_t> since_seconds;
  if (auto e = boolParam("follow", o.follow)) return *e;
  if (auto e = boolParam("previous", previous)) return *e;
  if (auto e = boolParam("timestamps", o.timestamps)) return *e;
  if (auto e = intParam("tailLines", o.tail_lines)) return *e;
  if (auto e = intParam("limitBytes", o.limit_bytes)) return *e;
  if (auto e = intParam("sinceSeconds", since_seconds)) return *e;
  if (o.tail_lines && *o.tail_lines < 0) {
    return ParamError{422, "tailLines: Invalid value: " + std::to_string(*o.tail_lines) +
                               ": must be greater than or equal to 0"};
  }
  if (o.limit_bytes && *o.limit_bytes < 1) {
    return ParamError{422, "limitBytes: Invalid value: " + std::to_string(*o.limit_bytes) +
                               ": must be greater than 0"};
  }
  if (since_seconds && *since_seconds < 1) {
    return ParamError{422, "sinceSeconds: Invalid value: " + std::to_string(*since_seconds) +
                               ": must be greater than 0"};
  }
  auto since_time = req.queryParam("sinceTime");
  if (since_time && !since_time->empty()) {
    if (since_seconds) {
      return ParamError{422, "at most one of `sinceTime` or `sinceSeconds` may be specified"};
    }
    auto t = api::parseRfc3339(*since_time);
    if (!t.ok()) return ParamError{400, "sinceTime: " + t.status().context()};
    o.since = *t;
  } else if (since_seconds) {
    o.since = clock.wallNow() - std::chrono::seconds(*since_seconds);
  }
  if (auto s = req.queryParam("stream"); s && !s->empty()) {
    if (*s == "Stdout") {
      o.stream = LogStream::kStdout;
    } else if (*s == "Stderr") {
      o.stream = LogStream::kStderr;
    } else if (*s != "All") {
      return ParamError{422, "stream: Unsupported value: \"" + *s +
                                 "\": supported values: \"All\", \"Stderr\", \"Stdout\""};
    }
  }
  return std::make_pair(o, previous);
}

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string localHostname() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "localhost";
  return buf;
}

}  // namespace

AgentServer::AgentServer(AgentServerConfig config, PodListProvider pods, ContainerLogLocator logs,
                         std::function<Status()> health)
    : config_(std::move(config)),
      pods_(std::move(pods)),
      logs_(std::move(logs)),
      health_(std::move(health)),
      clock_(config_.clock != nullptr ? *config_.clock : realClock()) {}

AgentServer::~AgentServer() {
  shutdown();
}

Status AgentServer::loadCertificate(HttpServerConfig& cfg) {
  const bool has_cert = !config_.tls_cert_file.empty(),
             has_key = !config_.tls_private_key_file.empty();
  if (has_cert != has_key) {
    return Status::invalid(
        "serving certificate: tls-cert-file and tls-private-key-file go together");
  }
  if (has_cert) {
    ORCH_ASSIGN_OR_RETURN(cfg.cert_pem, readFile(config_.tls_cert_file));
    ORCH_ASSIGN_OR_RETURN(cfg.key_pem, readFile(config_.tls_private_key_file));
    return Status::ok();
  }
  std::string cert_path, key_path;
  if (!config_.cert_dir.empty()) {
    cert_path = config_.cert_dir + "/kubelet.crt";
    key_path = config_.cert_dir + "/kubelet.key";
    auto cert = readFile(cert_path);
    auto key = readFile(key_path);
    if (cert.ok() && key.ok()) {
      cfg.cert_pem = std::move(cert).value();
      cfg.key_pem = std::move(key).value();
      return Status::ok();
    }
  }
  std::string host = config_.hostname.empty() ? localHostname() : config_.hostname;
  pki::CertRequest req;
  req.common_name = host + "@" +
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                       clock_.wallNow().time_since_epoch())
                                       .count());
  req.dns_names = {host};
  if (host != "localhost") req.dns_names.push_back("localhost");
  req.ip_addresses = config_.node_ips;
  for (const char* ip : {"127.0.0.1", "::1"}) {
    if (std::find(req.ip_addresses.begin(), req.ip_addresses.end(), ip) == req.ip_addresses.end()) {
      req.ip_addresses.push_back(ip);
    }
  }
  req.server = true;
  auto kp = pki::selfSigned(req);
  if (!kp.ok()) return kp.status().withContext("self-signed serving certificate");
  cfg.cert_pem = kp->cert_pem;
  cfg.key_pem = kp->key_pem;
  if (!cert_path.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(config_.cert_dir, ec);
    if (ec) return Status::error(ec.value(), "create " + config_.cert_dir);
    ORCH_RETURN_IF_ERROR(writeFileAtomic(key_path, kp->key_pem, 0600));
    ORCH_RETURN_IF_ERROR(writeFileAtomic(cert_path, kp->cert_pem, 0644));
  }
  return Status::ok();
}

Status AgentServer::start() {
  HttpServerConfig secure;
  secure.bind_address = config_.address;
  secure.port = config_.port;
  secure.tls = true;
  ORCH_RETURN_IF_ERROR(loadCertificate(secure));
  if (!config_.client_ca_file.empty()) {
    ORCH_ASSIGN_OR_RETURN(secure.client_ca_pem, readFile(config_.client_ca_file));
  }
  cert_pem_ = secure.cert_pem;
  secure_ = std::make_unique<HttpServer>(
      std::move(secure), [this](const ServerRequest& r, ResponseWriter& w) { handleSecure(r, w); });
  ORCH_RETURN_IF_ERROR(secure_->start());
  if (config_.healthz_port >= 0) {
    HttpServerConfig plain;
    plain.bind_address = config_.healthz_bind_address;
    plain.port = config_.healthz_port;
    healthz_ = std::make_unique<HttpServer>(std::move(plain),
                                            [this](const ServerRequest& r, ResponseWriter& w) {
                                              if (r.path == "/healthz") return handleHealthz(r, w);
                                              w.send(404, kTextPlain, "404 page not found\n");
                                            });
    Status st = healthz_->start();
    if (!st.isOk()) {
      secure_->shutdown();
      return st;
    }
  }
  return Status::ok();
}

int AgentServer::port() const {
  return secure_ ? secure_->port() : 0;
}

int AgentServer::healthzPort() const {
  return healthz_ ? healthz_->port() : -1;
}

void AgentServer::shutdown() {
  if (secure_) secure_->shutdown();
  if (healthz_) healthz_->shutdown();
}

size_t AgentServer::openConnections() const {
  return (secure_ ? secure_->openConnections() : 0) + (healthz_ ? healthz_->openConnections() : 0);
}

void AgentServer::handleHealthz(const ServerRequest&, ResponseWriter& w) {
  Status st = health_ ? health_() : Status::ok();
  if (st.isOk()) {
    w.send(200, kTextPlain, "ok");
  } else {
    w.send(500, kTextPlain, "healthz check failed: " + st.message() + "\n");
  }
}

void AgentServer::handleSecure(const ServerRequest& req, ResponseWriter& w) {
  if (!config_.anonymous_auth && !req.client_cert_verified) {
    w.send(401, kTextPlain, "Unauthorized\n");
    return;
  }
  if (req.method != "GET") {
    w.send(405, kTextPlain, "Method Not Allowed\n", {{"Allow", "GET"}});
    return;
  }
  std::vector<std::string> parts = splitPath(req.path);
  if (parts.size() == 1 && parts[0] == "healthz") return handleHealthz(req, w);
  if (parts.size() == 1 && parts[0] == "pods") {
    api::List<api::Pod> list = pods_ ? pods_() : api::List<api::Pod>{};
    w.send(200, "application/json", api::serialize(list));
    return;
  }
  if (parts.size() == 4 && parts[0] == "containerLogs") {
    return handleContainerLogs(req, w, parts[1], parts[2], parts[3]);
  }
  w.send(404, kTextPlain, "404 page not found\n");
}

void AgentServer::handleContainerLogs(const ServerRequest& req, ResponseWriter& w,
                                      const std::string& ns, const std::string& pod,
                                      const std::string& container) {
  auto parsed = parseLogQuery(req, clock_);
  if (auto* err = std::get_if<ParamError>(&parsed)) {
    w.send(err->status, kTextPlain, err->message + "\n");
    return;
  }
  auto [opts, previous] = std::get<std::pair<LogReadOptions, bool>>(parsed);
  if (!logs_) {
    w.send(404, kTextPlain, "container logs are not available\n");
    return;
  }
  auto src = logs_(ContainerLogRef{ns, pod, container, previous});
  if (!src.ok()) {
    w.send(src.status().code() == ENOENT ? 404 : 400, kTextPlain, src.status().context() + "\n");
    return;
  }
  auto reader = CriLogReader::open(src->path);
  if (!reader.ok()) {
    int code = reader.status().code() == ENOENT ? 404 : 500;
    w.send(code, kTextPlain,
           "failed to open log file for container \"" + container + "\" in pod \"" + pod +
               "\": " + reader.status().message() + "\n");
    return;
  }
  if (!w.beginStream(200, kTextPlain)) return;
  LogFollowHooks hooks;
  hooks.wait = [&w](std::chrono::milliseconds d) { return w.waitConnected(d); };
  hooks.running = src->running;
  hooks.poll_interval = config_.log_poll_interval;
  // A read error after the head went out can only end the stream early.
  (void)reader->copyTo(
      opts, [&w](std::string_view data) { return w.write(data); }, hooks);
  w.end();
}

}  // namespace orch::agent
