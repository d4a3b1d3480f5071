#include "tests/unit/apiserver_registry/registry_fixture.h"

#include <chrono>

#include "controlplane/apiserver/http.h"

namespace orch::apiserver::testing {

bool CollectingSink::write(SharedText data) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return false;
  data_ += *data;
  cv_.notify_all();
  return true;
}

void CollectingSink::end() {
  close();
}

bool CollectingSink::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

void CollectingSink::onClose(std::function<void()> fn) {
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) {
    lock.unlock();
    fn();
    return;
  }
  on_close_.push_back(std::move(fn));
}

void CollectingSink::close() {
  std::vector<std::function<void()>> fns;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    fns.swap(on_close_);
    cv_.notify_all();
  }
  for (auto& f : fns) f();
}

bool CollectingSink::waitClosed() {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return closed_; });
}

std::vector<api::Json> CollectingSink::waitForEvents(size_t n) {
  std::unique_lock<std::mutex> lock(mu_);
  auto count = [&] { return static_cast<size_t>(std::count(data_.begin(), data_.end(), '\n')); };
  cv_.wait_for(lock, std::chrono::seconds(10), [&] { return count() >= n || closed_; });
  std::vector<api::Json> out;
  size_t start = 0;
  while (true) {
    size_t nl = data_.find('\n', start);
    if (nl == std::string::npos) break;
    out.push_back(api::Json::parse(data_.substr(start, nl - start)));
    start = nl + 1;
  }
  return out;
}

void RegistryTest::SetUp() {
  store::SqliteStore::Options o;
  o.path = dir_.path() + "/state.db";
  auto s = store::SqliteStore::open(o);
  ASSERT_TRUE(s.ok()) << s.status().message();
  store_ = std::move(s).value();
  config_.store = store_.get();
  config_.service_cluster_ip_range = "10.96.0.0/28";
  config_.service_node_port_range = "30000-30009";
  restart();
}

void RegistryTest::restart() {
  router_.reset();
  registry_.reset();
  auto r = Registry::create(config_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  registry_ = std::move(r).value();
  router_ = std::make_unique<Router>();
  ASSERT_TRUE(registry_->addRoutes(*router_).isOk());
}

void RegistryTest::TearDown() {
  router_.reset();
  registry_.reset();
  store_.reset();
}

Answer RegistryTest::call(const std::string& method, const std::string& target,
                          const std::string& body, const std::string& content_type) {
  Request req;
  req.method = method;
  req.target = target;
  size_t q = target.find('?');
  req.path = percentDecode(target.substr(0, q));
  if (q != std::string::npos) req.query = parseQuery(target.substr(q + 1));
  req.body = body;
  if (!content_type.empty()) req.headers["content-type"] = content_type;
  req.headers["user-agent"] = "registry-test/v1.0";
  req.user.name = "admin";
  Reply reply = router_->dispatch(std::move(req));
  Answer a;
  if (auto* r = std::get_if<Response>(&reply)) {
    a.status = r->status;
    a.text = r->body;
    a.headers = r->headers;
    if (!r->body.empty()) a.body = api::Json::parse(r->body, nullptr, false);
  } else {
    a.status = std::get<StreamResponse>(reply).status;
  }
  return a;
}

std::shared_ptr<CollectingSink> RegistryTest::watch(const std::string& target) {
  Request req;
  req.method = "GET";
  req.target = target;
  size_t q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos) req.query = parseQuery(target.substr(q + 1));
  req.user.name = "admin";
  Reply reply = router_->dispatch(std::move(req));
  auto sink = std::make_shared<CollectingSink>();
  if (auto* s = std::get_if<StreamResponse>(&reply)) {
    s->start(sink);
  } else {
    ADD_FAILURE() << "not a stream: " << std::get<Response>(reply).status << " "
                  << std::get<Response>(reply).body;
    sink->close();
  }
  return sink;
}

api::Json RegistryTest::pod(const std::string& name, const std::string& node) {
  api::Json p = {{"apiVersion", "v1"},
                 {"kind", "Pod"},
                 {"metadata", {{"name", name}, {"labels", {{"app", "web"}}}}},
                 {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox:1.36"}}}}}}};
  if (!node.empty()) p["spec"]["nodeName"] = node;
  return p;
}

}  // namespace orch::apiserver::testing
