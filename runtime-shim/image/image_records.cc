#include "runtime-shim/image/image_records.h"

#include <dirent.h>

#include "common/base/file_util.h"
#include "runtime-shim/image/digest.h"

namespace orch::shim {

using nlohmann::json;

json toJson(const StoredImage& img) {
  json layers = json::array();
  for (const auto& l : img.layers) {
    layers.push_back({{"digest", l.digest},
                      {"diffID", l.diff_id},
                      {"chainID", l.chain_id},
                      {"mediaType", l.media_type},
                      {"size", l.size}});
  }
  return {{"id", img.id},
          {"manifests", img.manifest_digests},
          {"layers", layers},
          {"config", img.config}};
}

Result<StoredImage> storedImageFromJson(const json& j) {
  try {
    StoredImage img;
    img.id = j.at("id").get<std::string>();
    ORCH_RETURN_IF_ERROR(checkDigest(img.id, "image id"));
    img.manifest_digests = j.value("manifests", std::vector<std::string>{});
    for (const auto& l : j.at("layers")) {
      StoredLayer s;
      s.digest = l.at("digest").get<std::string>();
      s.diff_id = l.at("diffID").get<std::string>();
      s.chain_id = l.at("chainID").get<std::string>();
      s.media_type = l.value("mediaType", "");
      s.size = l.value("size", uint64_t{0});
      ORCH_RETURN_IF_ERROR(checkDigest(s.chain_id, "layer chain ID"));
      img.layers.push_back(std::move(s));
    }
    img.config = j.value("config", json::object());
    return img;
  } catch (const json::exception& e) {
    return Status::invalid(std::string("image record: ") + e.what());
  }
}

ImageRecords::ImageRecords(std::string root) : root_(std::move(root)), dir_(root_ + "/images") {}

std::string ImageRecords::path(const std::string& id) const {
  return dir_ + "/" + digestHex(id) + ".json";
}

Result<std::optional<StoredImage>> ImageRecords::load(const std::string& id) const {
  if (!isSha256Digest(id)) return std::optional<StoredImage>();
  auto text = readFile(path(id));
  if (!text.ok()) {
    if (text.status().code() == ENOENT) return std::optional<StoredImage>();
    return text.status();
  }
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded()) return Status::invalid("image record " + path(id) + ": not JSON");
  auto img = storedImageFromJson(j);
  if (!img.ok()) return img.status().withContext(path(id));
  return std::optional<StoredImage>(std::move(img).value());
}

Result<std::vector<StoredImage>> ImageRecords::loadAll() const {
  std::vector<std::string> ids;
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) return Status::fromErrno("open " + dir_);
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() == 69 && name.substr(64) == ".json" && isSha256Hex(name.substr(0, 64))) {
      ids.push_back("sha256:" + name.substr(0, 64));
    }
  }
  ::closedir(d);
  std::vector<StoredImage> out;
  for (const auto& id : ids) {
    ORCH_ASSIGN_OR_RETURN(auto img, load(id));
    if (img) out.push_back(std::move(*img));  // removed meanwhile
  }
  return out;
}

Status ImageRecords::save(const StoredImage& img) {
  return writeFileAtomic(path(img.id), toJson(img).dump(), 0644);
}

Status ImageRecords::erase(const std::string& id) {
  if (::unlink(path(id).c_str()) != 0 && errno != ENOENT) {
    return Status::fromErrno("remove " + path(id));
  }
  return Status::ok();
}

Result<RefIndex> ImageRecords::loadRefs() const {
  std::string p = root_ + "/refs.json";
  auto text = readFile(p);
  if (!text.ok()) {
    if (text.status().code() == ENOENT) return RefIndex{};
    return text.status();
  }
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::invalid(p + ": not a JSON object");
  RefIndex out;
  for (const auto& [k, v] : j.items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

Status ImageRecords::saveRefs(const RefIndex& refs) {
  json j = json::object();
  for (const auto& [k, v] : refs) j[k] = v;
  return writeFileAtomic(root_ + "/refs.json", j.dump(1), 0644);
}

std::vector<std::string> chainIds(const std::vector<std::string>& diff_ids) {
  std::vector<std::string> out;
  for (const auto& d : diff_ids) {
    out.push_back(out.empty() ? d : sha256Digest(out.back() + " " + d));
  }
  return out;
}

}  // namespace orch::shim
