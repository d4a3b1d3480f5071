#include "common/client/informer.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <vector>

#include "common/api/config.h"
#include "common/api/pod.h"
#include "common/client/shared_informer_factory.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/client/client_fixture.h"

namespace orch::client {
namespace {

using namespace std::chrono_literals;
using api::ConfigMap;
using testing::ClientTest;
using testing::eventually;

const char kCms[] = "/api/v1/namespaces/default/configmaps";

// Records handler calls as "add a", "update a 1->2", "delete a" (the value of data.v).
class Recorder {
 public:
  EventHandler<ConfigMap> handler() {
    EventHandler<ConfigMap> h;
    h.onAdd = [this](const ConfigMap& cm) { push("add " + cm.metadata.name); };
    h.onUpdate = [this](const ConfigMap& o, const ConfigMap& n) {
      push("update " + n.metadata.name + " " + val(o) + "->" + val(n));
    };
    h.onDelete = [this](const ConfigMap& cm) { push("delete " + cm.metadata.name); };
    return h;
  }
  std::vector<std::string> events() const {
    std::lock_guard l(mu_);
    return events_;
  }
  size_t size() const { return events().size(); }
  int count(const std::string& e) const {
    int n = 0;
    for (const auto& x : events()) n += x == e ? 1 : 0;
    return n;
  }
  void clear() {
    std::lock_guard l(mu_);
    events_.clear();
  }

 private:
  static std::string val(const ConfigMap& cm) {
    auto it = cm.data.find("v");
    return it == cm.data.end() ? "" : it->second;
  }
  void push(std::string e) {
    std::lock_guard l(mu_);
    events_.push_back(std::move(e));
  }
  mutable std::mutex mu_;
  std::vector<std::string> events_;
};

class InformerTest : public ClientTest {
 protected:
  void put(const std::string& name, const std::string& v, const std::string& app = "web") {
    ASSERT_TRUE(server_
                    .create(kCms, {{"metadata", {{"name", name}, {"labels", {{"app", app}}}}},
                                   {"data", {{"v", v}}}})
                    .ok());
  }
  void set(const std::string& name, const std::string& v) {
    ASSERT_TRUE(
        client_->patch<ConfigMap>("default", name, nlohmann::json{{"data", {{"v", v}}}}.dump())
            .ok());
  }
  std::unique_ptr<Informer<ConfigMap>> make(InformerOptions o = {}) {
    o.namespace_ = "default";
    o.backoffBase = 10ms;
    o.backoffCap = 100ms;
    auto inf = std::make_unique<Informer<ConfigMap>>(*client_, o);
    inf->addEventHandler(rec_.handler());
    return inf;
  }
  Recorder rec_;
};

TEST_F(InformerTest, AddUpdateDeleteReachHandlersAndStore) {
  put("a", "1");
  put("b", "1");
  auto inf = make();
  EXPECT_FALSE(inf->hasSynced());
  inf->start();
  ASSERT_TRUE(inf->waitForSync(10s));
  ASSERT_TRUE(eventually([&] { return rec_.size() == 2; }));
  EXPECT_EQ(rec_.count("add a"), 1);
  EXPECT_EQ(rec_.count("add b"), 1);
  EXPECT_EQ(inf->store().size(), 2u);

  put("c", "1");
  set("a", "2");
  ASSERT_TRUE(client_->remove<ConfigMap>("default", "b").isOk());
  ASSERT_TRUE(eventually([&] { return rec_.size() == 5; }));
  auto ev = rec_.events();
  EXPECT_EQ(ev[2], "add c");
  EXPECT_EQ(ev[3], "update a 1->2");
  EXPECT_EQ(ev[4], "delete b");
  ASSERT_TRUE(eventually([&] { return inf->store().size() == 2u; }));
  auto a = inf->store().get("default/a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->data.at("v"), "2");
  EXPECT_EQ(inf->store().get("default/b"), nullptr);
  inf->stop();
  EXPECT_TRUE(eventually([&] { return server_.activeWatches() == 0; }));
}

TEST_F(InformerTest, ListsInPages) {
  for (int i = 0; i < 5; ++i) put("cm" + std::to_string(i), "1");
  InformerOptions o;
  o.pageSize = 2;
  auto inf = make(o);
  inf->start();
  ASSERT_TRUE(inf->waitForSync(10s));
  EXPECT_EQ(inf->store().size(), 5u);
  EXPECT_EQ(server_.requestCount("GET", "limit=2"), 3);
}

TEST_F(InformerTest, WatchDropResumesWithoutDuplicates) {
  put("a", "1");
  auto inf = make();
  inf->start();
  ASSERT_TRUE(inf->waitForSync(10s));
  ASSERT_TRUE(eventually([&] { return server_.activeWatches() == 1; }));
  set("a", "2");
  ASSERT_TRUE(eventually([&] { return rec_.size() == 2; }));
  const std::string rv = inf->lastSyncResourceVersion();
  server_.dropWatches();
  put("b", "1");
  ASSERT_TRUE(eventually([&] { return rec_.count("add b") == 1; }));
  ASSERT_TRUE(eventually([&] { return server_.activeWatches() == 1; }));
  set("a", "3");
  ASSERT_TRUE(eventually([&] { return rec_.count("update a 2->3") == 1; }));
  EXPECT_EQ(rec_.events(),
            (std::vector<std::string>{"add a", "update a 1->2", "add b", "update a 2->3"}));
  EXPECT_EQ(inf->listCount(), 1);  // resumed, not relisted
  EXPECT_GE(inf->watchCount(), 2);
  EXPECT_GE(server_.requestCount("GET", "watch=1&resourceVersion=" + rv), 1);
}

TEST_F(InformerTest, BookmarksMoveTheResumeVersion) {
  put("a", "1");
  auto inf = make();
  inf->start();
  ASSERT_TRUE(inf->waitForSync(10s));
  ASSERT_TRUE(eventually([&] { return server_.activeWatches() == 1; }));
  // A change the informer does not watch (another namespace) moves the global version.
  ASSERT_TRUE(
      server_.create("/api/v1/namespaces/other/configmaps", {{"metadata", {{"name", "o"}}}}).ok());
  const std::string now = std::to_string(server_.resourceVersion());
  EXPECT_NE(inf->lastSyncResourceVersion(), now);
  server_.sendBookmarks();
  ASSERT_TRUE(eventually([&] { return inf->lastSyncResourceVersion() == now; }));
  server_.dropWatches();
  ASSERT_TRUE(eventually(
      [&] { return server_.requestCount("GET", "watch=1&resourceVersion=" + now) == 1; }));
  EXPECT_EQ(rec_.events(), std::vector<std::string>{"add a"});
}

TEST_F(InformerTest, GoneRelistsAndDeliversSyntheticDeletes) {
  put("a", "1");
  put("b", "1");
  put("c", "1");
  auto inf = make();
  inf->start();
  ASSERT_TRUE(inf->waitForSync(10s));
  ASSERT_TRUE(eventually([&] { return server_.activeWatches() == 1; }));
  // Take the watch down and keep it down while things change.
  server_.injectError({.method = "GET", .target = "watch=1", .code = 500, .times = 1000000});
  server_.dropWatches();
  ASSERT_TRUE(eventually([&] { return server_.activeWatches() == 0; }));
  ASSERT_TRUE(server_.remove("/api/v1/namespaces/default/configmaps/b").isOk());
  set("c", "2");
  put("d", "1");
  server_.compact();  // the informer's version is now too old: 410 on the next watch
  server_.clearInjectedErrors();
  ASSERT_TRUE(eventually([&] { return rec_.size() == 6; }));
  ASSERT_TRUE(eventually([&] { return server_.activeWatches() == 1; }));
  auto ev = rec_.events();
  std::vector<std::string> after(ev.begin() + 3, ev.end());
  std::sort(after.begin(), after.end());
  EXPECT_EQ(after, (std::vector<std::string>{"add d", "delete b", "update c 1->2"}));
  EXPECT_EQ(inf->listCount(), 2);
  EXPECT_EQ(inf->store().size(), 3u);
  EXPECT_EQ(inf->store().get("default/b"), nullptr);
  // And it keeps watching from the new list.
  set("a", "5");
  ASSERT_TRUE(eventually([&] { return rec_.count("update a 1->5") == 1; }));
}

TEST_F(InformerTest, GoneErrorEventAlsoRelists) {
  put("a", "1");
  server_.failNextWatchesWithGone(1);
  auto inf = make();
  inf->start();
  ASSERT_TRUE(inf->waitForSync(10s));
  ASSERT_TRUE(eventually([&] { return inf->listCount() == 2; }));
  ASSERT_TRUE(eventually([&] { return server_.activeWatches() == 1; }));
  EXPECT_EQ(rec_.events(), std::vector<std::string>{"add a"});  // nothing changed: no events
}

TEST_F(InformerTest, ResyncRedeliversEveryObject) {
  put("a", "1");
  put("b", "7");
  orch::testing::FakeClock clock;
  InformerOptions o;
  o.resyncPeriod = 30s;
  o.clock = &clock;
  auto inf = make(o);
  inf->start();
  ASSERT_TRUE(inf->waitForSync(10s));
  ASSERT_TRUE(eventually([&] { return rec_.size() == 2 && clock.waiting() > 0; }));
  clock.advance(30s);
  ASSERT_TRUE(eventually([&] { return rec_.size() == 4; }));
  EXPECT_EQ(rec_.count("update a 1->1"), 1);
  EXPECT_EQ(rec_.count("update b 7->7"), 1);
  ASSERT_TRUE(eventually([&] { return clock.waiting() > 0; }));
  clock.advance(30s);
  ASSERT_TRUE(eventually([&] { return rec_.size() == 6; }));
  inf->stop();
}

TEST_F(InformerTest, IndexersAndLateHandlers) {
  api::Pod p1, p2, p3;
  p1.metadata.name = "p1";
  p1.spec.nodeName = "n1";
  p2.metadata.name = "p2";
  p2.spec.nodeName = "n2";
  p3.metadata.name = "p3";
  p3.spec.nodeName = "n1";
  for (auto* p : {&p1, &p2, &p3}) {
    p->metadata.namespace_ = "default";
    ASSERT_TRUE(client_->create(*p).ok());
  }
  Informer<api::Pod> inf(
      *client_, InformerOptions{.namespace_ = "default"},
      {{"nodeName", [](const api::Pod& p) { return std::vector<std::string>{p.spec.nodeName}; }}});
  inf.start();
  ASSERT_TRUE(inf.waitForSync(10s));
  EXPECT_EQ(inf.store().byIndex("nodeName", "n1").size(), 2u);
  EXPECT_EQ(inf.store().byIndex("nodeName", "n2").size(), 1u);
  EXPECT_TRUE(inf.store().byIndex("nodeName", "n3").empty());
  ASSERT_TRUE(client_->patch<api::Pod>("default", "p2", R"({"spec":{"nodeName":"n1"}})").ok());
  ASSERT_TRUE(eventually([&] { return inf.store().byIndex("nodeName", "n1").size() == 3; }));
  EXPECT_TRUE(inf.store().byIndex("nodeName", "n2").empty());
  // A handler added late first hears about what is cached.
  std::atomic<int> adds{0};
  inf.addEventHandler({.onAdd = [&](const api::Pod&) { ++adds; }});
  EXPECT_EQ(adds.load(), 3);
}

TEST_F(InformerTest, TransformAppliesToListedAndWatchedObjects) {
  const nlohmann::json fields = {{{"manager", "kubectl"}, {"operation", "Update"}}};
  auto withFields = [&](const std::string& name) {
    return nlohmann::json{{"metadata", {{"name", name}, {"managedFields", fields}}},
                          {"data", {{"v", "1"}}}};
  };
  ASSERT_TRUE(server_.create(kCms, withFields("listed")).ok());
  auto plain = make();
  auto stripped = make();
  std::atomic<int> handled_with_fields{0};
  stripped->addEventHandler({.onAdd = [&](const ConfigMap& cm) {
    if (!cm.metadata.managedFields.is_null()) ++handled_with_fields;
  }});
  stripped->setTransform(stripManagedFields<ConfigMap>);
  plain->start();
  stripped->start();
  ASSERT_TRUE(plain->waitForSync(10s));
  ASSERT_TRUE(stripped->waitForSync(10s));
  ASSERT_TRUE(server_.create(kCms, withFields("watched")).ok());
  for (const char* key : {"default/listed", "default/watched"}) {
    ASSERT_TRUE(eventually([&] {
      return plain->store().get(key) != nullptr && stripped->store().get(key) != nullptr;
    })) << key;
    EXPECT_EQ(plain->store().get(key)->metadata.managedFields, fields) << key;
    EXPECT_TRUE(stripped->store().get(key)->metadata.managedFields.is_null()) << key;
    EXPECT_EQ(stripped->store().get(key)->data.at("v"), "1") << key;
  }
  EXPECT_EQ(handled_with_fields.load(), 0);
}

TEST_F(InformerTest, SharedFactoryHandsOutOneInformerPerKey) {
  put("a", "1");
  SharedInformerFactory f(*client_);
  auto i1 = f.informerFor<ConfigMap>("default");
  auto i2 = f.informerFor<ConfigMap>("default");
  auto i3 = f.informerFor<ConfigMap>("default", "app=web");
  auto i4 = f.informerFor<api::Pod>("default");
  EXPECT_EQ(i1.get(), i2.get());
  EXPECT_NE(i1.get(), i3.get());
  EXPECT_EQ(f.size(), 3u);
  f.start();
  ASSERT_TRUE(f.waitForCacheSync(10s));
  EXPECT_EQ(i1->store().size(), 1u);
  EXPECT_EQ(i3->store().size(), 1u);
  EXPECT_EQ(i4->store().size(), 0u);
  ASSERT_TRUE(eventually([&] { return server_.activeWatches() == 3; }));
  f.stop();
  EXPECT_TRUE(eventually([&] { return server_.activeWatches() == 0; }));
}

}  // namespace
}  // namespace orch::client
