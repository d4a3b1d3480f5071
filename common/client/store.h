#pragma once
// A thread-safe cache of objects by key ("namespace/name", see api::objectKey) with optional
// named indexes (client-go's ThreadSafeStore + Indexers). Objects are immutable once stored
// and handed out as shared_ptr<const T>, so readers never copy and never see a half update.
//
//   Store<Pod> s({{"nodeName", [](const Pod& p) { return std::vector{p.spec.nodeName}; }}});
//   auto on_node = s.byIndex("nodeName", "node-1");
//
// Threads: every method may be called from any thread. Index functions run under the
// store's lock and must not call back into it.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/api/object_key.h"

namespace orch::client {

template <class T>
class Store {
 public:
  using Ptr = std::shared_ptr<const T>;
  using IndexFunc = std::function<std::vector<std::string>(const T&)>;
  using Indexers = std::map<std::string, IndexFunc>;

  explicit Store(Indexers indexers = {}) : indexers_(std::move(indexers)) {}
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  static std::string keyOf(const T& obj) { return api::objectKey(obj.metadata); }

  // Adds (or replaces) an index and indexes the objects already stored.
  void addIndexer(const std::string& name, IndexFunc fn) {
    std::lock_guard l(mu_);
    indices_.erase(name);
    indexers_[name] = std::move(fn);
    auto& idx = indices_[name];
    for (const auto& [key, obj] : items_) {
      for (const auto& v : indexers_[name](*obj)) idx[v].insert(key);
    }
  }

  // Inserts or replaces; returns the previous object (nullptr if none).
  Ptr upsert(Ptr obj) {
    std::lock_guard l(mu_);
    const std::string key = keyOf(*obj);
    Ptr old;
    if (auto it = items_.find(key); it != items_.end()) {
      old = it->second;
      unindexLocked(key, *old);
    }
    indexLocked(key, *obj);
    items_[key] = std::move(obj);
    return old;
  }

  // Removes by key; returns the removed object (nullptr if none).
  Ptr erase(const std::string& key) {
    std::lock_guard l(mu_);
    auto it = items_.find(key);
    if (it == items_.end()) return nullptr;
    Ptr old = std::move(it->second);
    items_.erase(it);
    unindexLocked(key, *old);
    return old;
  }

  Ptr get(const std::string& key) const {
    std::lock_guard l(mu_);
    auto it = items_.find(key);
    return it == items_.end() ? nullptr : it->second;
  }

  std::vector<Ptr> list() const {
    std::lock_guard l(mu_);
    std::vector<Ptr> out;
    out.reserve(items_.size());
    for (const auto& [k, v] : items_) out.push_back(v);
    return out;
  }

  std::vector<std::string> keys() const {
    std::lock_guard l(mu_);
    std::vector<std::string> out;
    out.reserve(items_.size());
    for (const auto& [k, v] : items_) out.push_back(k);
    return out;
  }

  size_t size() const {
    std::lock_guard l(mu_);
    return items_.size();
  }

  // The objects whose index `index` yields `value`; empty for an unknown index.
  std::vector<Ptr> byIndex(const std::string& index, const std::string& value) const {
    std::lock_guard l(mu_);
    std::vector<Ptr> out;
    auto idx = indices_.find(index);
    if (idx == indices_.end()) return out;
    auto keys = idx->second.find(value);
    if (keys == idx->second.end()) return out;
    for (const auto& k : keys->second) {
      if (auto it = items_.find(k); it != items_.end()) out.push_back(it->second);
    }
    return out;
  }

  // The values `index` currently holds.
  std::vector<std::string> indexValues(const std::string& index) const {
    std::lock_guard l(mu_);
    std::vector<std::string> out;
    if (auto idx = indices_.find(index); idx != indices_.end()) {
      for (const auto& [v, keys] : idx->second) out.push_back(v);
    }
    return out;
  }

 private:
  void indexLocked(const std::string& key, const T& obj) {
    for (const auto& [name, fn] : indexers_) {
      for (const auto& v : fn(obj)) indices_[name][v].insert(key);
    }
  }
  void unindexLocked(const std::string& key, const T& obj) {
    for (const auto& [name, fn] : indexers_) {
      auto& idx = indices_[name];
      for (const auto& v : fn(obj)) {
        auto it = idx.find(v);
        if (it == idx.end()) continue;
        it->second.erase(key);
        if (it->second.empty()) idx.erase(it);
      }
    }
  }

  mutable std::mutex mu_;
  Indexers indexers_;
  std::map<std::string, Ptr> items_;
  std::map<std::string, std::map<std::string, std::set<std::string>>> indices_;
};

}  // namespace orch::client
