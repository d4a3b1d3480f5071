#pragma once
// The in-memory store behind FakeApiServer: raw JSON objects by resource path, one global
// resourceVersion counter, the event history for watches, and the REST semantics of the
// verbs. Not thread-safe: FakeApiServer calls it under its lock.

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace orch::testing::fakeapi {

using json = nlohmann::json;

// A resource path split up: collection "/api/v1/pods" (or "/apis/apps/v1/deployments"),
// namespace, plural, name and subresource.
struct Ref {
  bool ok = false;
  std::string collection;
  std::string ns;
  std::string plural;
  std::string name;
  std::string sub;
};
Ref parsePath(const std::string& path);

struct Query {
  std::map<std::string, std::string> params;  // percent-decoded
  std::string get(const std::string& k) const {
    auto it = params.find(k);
    return it == params.end() ? std::string() : it->second;
  }
};
std::pair<std::string, Query> splitTarget(const std::string& target);

struct Reply {
  int code = 200;
  json body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool changed = false;  // the store changed (watchers must look)
};

// A metav1.Status failure body.
json statusBody(int code, const std::string& reason, const std::string& message,
                const std::string& name = "", const std::string& kind = "");
json errorEvent(int code, const std::string& reason, const std::string& message);
json goneEvent(const std::string& message);
std::string nowRfc3339();

bool matchLabels(const json& obj, const std::string& selector);
bool matchFields(const json& obj, const std::string& selector);

class ObjectStore {
 public:
  struct Event {
    int64_t rv;
    std::string collection, ns, type;
    json object;
  };

  // Serves one non-watch request.
  Reply serve(const std::string& method, const Ref& ref, const Query& q, const std::string& body,
              const std::string& content_type, const std::string& now);
  const json* find(const Ref& ref) const;
  // ADDED events for the current objects matching a watch.
  std::vector<json> snapshotAdds(const Ref& ref, const Query& q) const;
  // The events after *cursor matching a watch; moves *cursor to the newest version.
  std::vector<json> eventsAfter(const Ref& ref, const Query& q, int64_t* cursor) const;
  void compact() {
    events_.clear();
    compacted = rv;
  }

  int64_t rv = 1;         // the newest resourceVersion handed out
  int64_t compacted = 0;  // history before this version is gone

 private:
  Reply list(const Ref& ref, const Query& q) const;
  Reply create(const Ref& ref, json obj, const std::string& now);
  Reply update(const Ref& ref, json obj);
  Reply patch(const Ref& ref, const std::string& body, const std::string& content_type);
  Reply remove(const Ref& ref, const std::string& body);
  void record(const std::string& type, const Ref& ref, const std::string& ns, const json& obj);
  bool matches(const Event& e, const Ref& ref, const Query& q) const;

  std::map<std::string, std::map<std::string, json>> objects_;  // collection → "ns/name"
  std::deque<Event> events_;
  int64_t uid_counter_ = 0;
};

}  // namespace orch::testing::fakeapi
