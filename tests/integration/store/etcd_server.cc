#include "etcd_server.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "controlplane/store/etcd_store.h"

namespace orch::store::testing {

using namespace std::chrono_literals;

Result<std::unique_ptr<EtcdServer>> EtcdServer::start(const EtcdServerTls* tls) {
  const char* env = std::getenv("ETCD");
  std::string bin = env != nullptr && *env != 0 ? env : "/usr/bin/etcd";
  if (::access(bin.c_str(), X_OK) != 0) {
    return Status::error(ENOENT, "etcd is not installed at " + bin +
                                     " (Debian package etcd-server; `make deps` installs it)");
  }
  Status last;
  // A free port may be taken between probing and etcd binding it: try a few times.
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::unique_ptr<EtcdServer> s(new EtcdServer());
    int client = orch::testing::freeTcpPort();
    int peer = orch::testing::freeTcpPort();
    std::string client_url =
        (tls != nullptr ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(client);
    std::string peer_url = "http://127.0.0.1:" + std::to_string(peer);
    std::vector<std::string> argv = {bin,
                                     "--name=orch-test",
                                     "--data-dir=" + s->dir_.path() + "/data",
                                     "--listen-client-urls=" + client_url,
                                     "--advertise-client-urls=" + client_url,
                                     "--listen-peer-urls=" + peer_url,
                                     "--initial-advertise-peer-urls=" + peer_url,
                                     "--initial-cluster=orch-test=" + peer_url,
                                     "--initial-cluster-state=new",
                                     "--logger=zap",
                                     "--log-outputs=stderr"};
    EtcdStore::Options probe{.timeout = 2s};
    if (tls != nullptr) {
      argv.push_back("--cert-file=" + tls->server_cert_file);
      argv.push_back("--key-file=" + tls->server_key_file);
      argv.push_back("--trusted-ca-file=" + tls->ca_file);
      argv.push_back("--client-cert-auth");
      probe.ca_file = tls->ca_file;
      probe.cert_file = tls->client_cert_file;
      probe.key_file = tls->client_key_file;
    }
    auto d = orch::testing::Daemon::start(argv, s->dir_.path() + "/etcd.log");
    if (!d.ok()) return d.status().withContext("start " + bin);
    s->daemon_.emplace(std::move(d).value());
    s->endpoint_ = tls != nullptr ? client_url : "127.0.0.1:" + std::to_string(client);
    probe.endpoints = {s->endpoint_};
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline && s->daemon_->running()) {
      auto store = EtcdStore::open(probe);
      if (store.ok()) return s;
      last = store.status();
      std::this_thread::sleep_for(100ms);
    }
    last = Status::error(ETIMEDOUT, "etcd on " + s->endpoint_ + " did not become ready (" +
                                        last.message() + "); log:\n" + s->logTail());
  }
  return last;
}

EtcdServer::~EtcdServer() {
  if (daemon_) (void)daemon_->stop(5s);
}

std::string EtcdServer::logTail() const {
  std::ifstream in(dir_.path() + "/etcd.log");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  return all.size() > 4000 ? all.substr(all.size() - 4000) : all;
}

}  // namespace orch::store::testing
