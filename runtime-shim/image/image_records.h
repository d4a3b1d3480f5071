#pragma once
// The image store's metadata on disk, as JSON files replaced atomically:
//   <root>/images/<id hex>.json   one StoredImage per image (immutable once written)
//   <root>/refs.json              {"<normalized tag or repo digest>": "<image id>", ...}
// The refs index is the only source of names: a tag moves from one image to another by a
// single atomic rewrite. Writers hold the store lock; readers need none.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace orch::shim {

struct StoredLayer {
  std::string digest;      // the blob as distributed (possibly compressed)
  std::string diff_id;     // sha256 of the uncompressed tar
  std::string chain_id;    // names the unpacked dir: <root>/layers/<chain hex>
  std::string media_type;  // as in the manifest ("" for docker-archive imports)
  uint64_t size = 0;       // blob bytes
};

struct StoredImage {
  std::string id;                             // "sha256:<config blob hex>"
  std::vector<std::string> manifest_digests;  // manifests / indexes kept as blobs
  std::vector<StoredLayer> layers;            // bottom first
  nlohmann::json config;                      // the image config's "config" object
};

using RefIndex = std::map<std::string, std::string>;  // ref → image id

nlohmann::json toJson(const StoredImage& img);
Result<StoredImage> storedImageFromJson(const nlohmann::json& j);

class ImageRecords {
 public:
  explicit ImageRecords(std::string root);

  // nullopt when there is no record for `id`.
  Result<std::optional<StoredImage>> load(const std::string& id) const;
  Result<std::vector<StoredImage>> loadAll() const;
  Status save(const StoredImage& img);
  Status erase(const std::string& id);  // ok when absent

  Result<RefIndex> loadRefs() const;
  Status saveRefs(const RefIndex& refs);

 private:
  std::string path(const std::string& id) const;
  std::string root_;
  std::string dir_;
};

// "sha256:<hex>" chain IDs of a layer stack given its diff IDs, bottom first:
// chain(0) = diff(0), chain(n) = sha256(chain(n-1) + " " + diff(n)).
std::vector<std::string> chainIds(const std::vector<std::string>& diff_ids);

}  // namespace orch::shim
