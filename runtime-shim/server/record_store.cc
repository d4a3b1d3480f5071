#include "runtime-shim/server/record_store.h"

#include <filesystem>
#include <system_error>

#include "common/base/file_util.h"

namespace orch::shim {

namespace fs = std::filesystem;

Status RecordStore::init() const {
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) return Status::error(ec.value(), "create " + root_);
  return Status::ok();
}

Status RecordStore::put(const std::string& id, const nlohmann::json& record) const {
  std::error_code ec;
  fs::create_directories(dirOf(id), ec);
  if (ec) return Status::error(ec.value(), "create " + dirOf(id));
  return writeFileAtomic(dirOf(id) + "/" + name_, record.dump(), 0600, /*sync=*/true);
}

Status RecordStore::remove(const std::string& id) const {
  std::error_code ec;
  fs::remove_all(dirOf(id), ec);
  if (ec) return Status::error(ec.value(), "remove " + dirOf(id));
  return Status::ok();
}

Result<RecordStore::Loaded> RecordStore::loadAll() const {
  Loaded out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    if (!entry.is_directory()) continue;
    std::string id = entry.path().filename();
    auto text = readFile(entry.path() / name_);
    if (!text.ok()) {
      out.incomplete.push_back(id);
      continue;
    }
    auto j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      out.incomplete.push_back(id);
      continue;
    }
    out.records.emplace(id, std::move(j));
  }
  if (ec) return Status::error(ec.value(), "list " + root_);
  return out;
}

}  // namespace orch::shim
