#include "agent/node/node_agent.h"

#include <algorithm>

namespace orch::agent {
namespace {

constexpr std::chrono::milliseconds kRegisterBackoffBase{100};
constexpr std::chrono::milliseconds kRegisterBackoffMax{7000};

}  // namespace

NodeAgent::NodeAgent(client::RestClient& client, NodeOptions opts, NodeSources sources,
                     HostProbe& probe, Clock& clock, ErrorFn on_error)
    : on_error_(std::move(on_error)),
      builder_(std::move(opts), probe, std::move(sources)),
      registrar_(client, builder_, clock),
      updater_(client, builder_, clock),
      renewer_(client, builder_.options(), clock),
      status_waker_(clock),
      lease_waker_(clock) {}

NodeAgent::~NodeAgent() {
  stop();
}

void NodeAgent::start() {
  std::lock_guard l(lifecycle_mu_);
  if (started_) return;
  started_ = true;
  status_waker_.reset();
  lease_waker_.reset();
  node_thread_ = std::thread([this] { runNode(); });
  lease_thread_ = std::thread([this] { runLease(); });
}

void NodeAgent::stop() {
  std::lock_guard l(lifecycle_mu_);
  if (!started_) return;
  status_waker_.stop();
  lease_waker_.stop();
  if (node_thread_.joinable()) node_thread_.join();
  if (lease_thread_.joinable()) lease_thread_.join();
  started_ = false;
}

std::optional<api::Node> NodeAgent::registeredNode() const {
  std::lock_guard l(mu_);
  return node_;
}

void NodeAgent::report(const Status& st) {
  if (!st.isOk() && on_error_) on_error_(st);
}

bool NodeAgent::registerNode() {
  std::chrono::milliseconds delay = kRegisterBackoffBase;
  while (true) {
    auto node = registrar_.tryRegister();
    if (node.ok()) {
      {
        std::lock_guard l(mu_);
        node_ = std::move(node).value();
      }
      registered_ = true;
      return true;
    }
    report(node.status());
    if (!status_waker_.wait(delay)) return false;
    delay = std::min(delay * 2, kRegisterBackoffMax);
  }
}

void NodeAgent::runNode() {
  Status last_build_error;
  while (true) {
    if (!registerNode()) return;
    // A status round right away, then one per update interval.
    while (true) {
      auto posted = updater_.sync();
      if (!posted.ok()) {
        report(posted.status());
        if (client::isNotFound(posted.status())) {
          registered_ = false;
          break;  // the Node is gone: register it again
        }
      } else if (Status built = updater_.lastBuildError(); !(built == last_build_error)) {
        // A part of the status that can't be computed is reported once, not every round.
        report(built);
        last_build_error = built;
      }
      if (!status_waker_.wait(options().nodeStatusUpdateFrequency)) return;
    }
  }
}

void NodeAgent::runLease() {
  auto wait = [this](std::chrono::milliseconds d) { return lease_waker_.wait(d); };
  while (true) {
    Status st = renewer_.sync(wait);
    if (st.code() != ECANCELED) report(st);
    if (!lease_waker_.wait(options().leaseRenewInterval)) return;
  }
}

}  // namespace orch::agent
