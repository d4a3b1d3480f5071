#include "agent/pleg/pleg.h"

#include "agent/kuberuntime/labels.h"

namespace orch::agent {

namespace {
constexpr auto kUnhealthyAfter = std::chrono::minutes(3);

std::string podUidOf(const google::protobuf::Map<std::string, std::string>& labels) {
  auto it = labels.find(kPodUidLabel);
  return it == labels.end() ? "" : it->second;
}
}  // namespace

Pleg::Pleg(CriRuntime& runtime, Clock& clock, OnChange on_change, std::chrono::milliseconds period)
    : runtime_(runtime), clock_(clock), on_change_(std::move(on_change)), period_(period) {}

Pleg::~Pleg() {
  stop();
}

void Pleg::start() {
  thread_ = std::thread([this] { loop(); });
}

void Pleg::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Pleg::healthy() const {
  int64_t last = last_ok_ns_.load();
  if (last == 0) return true;  // not started yet: the node is judged by the runtime's readiness
  return clock_.now().time_since_epoch() - std::chrono::nanoseconds(last) < kUnhealthyAfter;
}

Status Pleg::relist() {
  ORCH_ASSIGN_OR_RETURN(auto sandboxes, runtime_.listPodSandbox());
  ORCH_ASSIGN_OR_RETURN(auto containers, runtime_.listContainers());
  std::map<std::string, std::pair<std::string, int>> now;
  for (const auto& s : sandboxes) {
    std::string uid = podUidOf(s.labels());
    if (!uid.empty()) now["s/" + s.id()] = {uid, s.state()};
  }
  for (const auto& c : containers) {
    std::string uid = podUidOf(c.labels());
    if (!uid.empty()) now["c/" + c.id()] = {uid, c.state()};
  }
  std::set<std::string> changed;
  for (const auto& [key, v] : now) {
    auto it = last_.find(key);
    if (it == last_.end() || it->second.second != v.second) changed.insert(v.first);
  }
  for (const auto& [key, v] : last_)
    if (!now.count(key)) changed.insert(v.first);
  last_ = std::move(now);
  last_ok_ns_ =
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.now().time_since_epoch()).count();
  for (const auto& uid : changed) on_change_(uid);
  return Status::ok();
}

void Pleg::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    (void)relist();  // a failed relist shows in healthy(); the next one retries
    lock.lock();
    clock_.waitUntil(cv_, lock, clock_.now() + period_, [this] { return stopping_; });
  }
}

}  // namespace orch::agent
