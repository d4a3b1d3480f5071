#include "apiserver_process.h"

#include <unistd.h>

#include <fstream>
#include <thread>

#include "common/base/file_util.h"
#include "common/client/http_client.h"
#include "common/client/kubeconfig.h"

namespace orch::bench {

using namespace std::chrono_literals;

Result<std::unique_ptr<ApiserverProcess>> ApiserverProcess::start(
    const std::string& binary, const std::string& etcd_endpoint) {
  if (binary.empty() || ::access(binary.c_str(), X_OK) != 0) {
    return Status::error(ENOENT, "orch-apiserver binary not found: '" + binary +
                                     "' (set ORCH_APISERVER or pass --apiserver)");
  }
  Status last;
  // A free port may be taken between probing and the server binding it: try a few times.
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::unique_ptr<ApiserverProcess> p(new ApiserverProcess());
    p->port_ = testing::freeTcpPort();
    const std::string pki = p->dir_.path() + "/pki";
    ProcessOptions init{.argv = {binary, "init", "--pki-dir", pki, "--server",
                                 "https://127.0.0.1:" + std::to_string(p->port_)}};
    ORCH_ASSIGN_OR_RETURN(RunResult r, runProcess(init, "", 30s));
    if (r.exit_code != 0) return Status::error(EIO, "orch-apiserver init failed");
    ORCH_ASSIGN_OR_RETURN(p->config_, client::loadKubeconfig(pki + "/admin.kubeconfig"));
    std::vector<std::string> argv = {
        binary,           "--pki-dir", pki, "--secure-port", std::to_string(p->port_),
        "--bind-address", "127.0.0.1"};
    if (etcd_endpoint.empty()) {
      argv.insert(argv.end(), {"--data-dir", p->dir_.path() + "/data"});
    } else {
      argv.insert(argv.end(), {"--etcd-servers", etcd_endpoint});
    }
    ORCH_ASSIGN_OR_RETURN(testing::Daemon d,
                          testing::Daemon::start(argv, p->dir_.path() + "/apiserver.log"));
    p->daemon_.emplace(std::move(d));
    last = testing::waitForTcpPort(p->port_, 30s);
    if (last.isOk()) {
      // Listening is not yet serving: wait for an authenticated answer.
      ORCH_ASSIGN_OR_RETURN(auto http, client::HttpClient::create(p->config_));
      auto deadline = std::chrono::steady_clock::now() + 30s;
      while (std::chrono::steady_clock::now() < deadline) {
        auto res = http->request({.target = "/api/v1/namespaces/default"});
        if (res.ok() && res->status == 200) return p;
        last =
            res.ok() ? Status::error(EIO, "status " + std::to_string(res->status)) : res.status();
        std::this_thread::sleep_for(100ms);
      }
    }
    last = last.withContext("orch-apiserver did not serve; log: " + p->logTail());
  }
  return last;
}

ApiserverProcess::~ApiserverProcess() {
  if (daemon_) (void)daemon_->stop(10s);
}

namespace {

// The value of a "Name:   value" line of /proc/<pid>/status.
long procStatusField(pid_t pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + ":", 0) == 0) return std::stol(line.substr(name.size() + 1));
  }
  return -1;
}

}  // namespace

long ApiserverProcess::rssKiB() const {
  return procStatusField(pid(), "VmRSS");
}

long ApiserverProcess::threads() const {
  return procStatusField(pid(), "Threads");
}

std::string ApiserverProcess::logTail(size_t bytes) const {
  auto log = readFile(dir_.path() + "/apiserver.log");
  if (!log.ok()) return "";
  return log->size() > bytes ? log->substr(log->size() - bytes) : *log;
}

}  // namespace orch::bench
