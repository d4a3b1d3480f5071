#pragma once
// Durable records of orch-shim's sandboxes and containers: one directory per object
// (`<root>/<id>/`) holding `<name>` as JSON, written atomically (temp + fsync + rename), so
// a kill -9 of orch-shim at any moment leaves every record either old or new, never torn.
// The object's directory also holds whatever else belongs to it (a container's bundle).
//
// Threads: no internal locking; callers serialize writes to one id.

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "common/base/status.h"

namespace orch::shim {

class RecordStore {
 public:
  // `root` is created when missing; `name` is the record file in each object directory.
  RecordStore(std::string root, std::string name)
      : root_(std::move(root)), name_(std::move(name)) {}

  Status init() const;
  std::string dirOf(const std::string& id) const { return root_ + "/" + id; }
  // Creates the object's directory (when missing) and writes its record.
  Status put(const std::string& id, const nlohmann::json& record) const;
  // Removes the object's directory and everything in it (ok when absent).
  Status remove(const std::string& id) const;
  // Every record on disk, by id. Directories without a readable record (an object whose
  // creation was cut short) are returned in `incomplete` so the caller can clean them up.
  struct Loaded {
    std::map<std::string, nlohmann::json> records;
    std::vector<std::string> incomplete;
  };
  Result<Loaded> loadAll() const;

 private:
  std::string root_;
  std::string name_;
};

}  // namespace orch::shim
