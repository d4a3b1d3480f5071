#pragma once
// Unpacked layers under `<root>/layers/<chain ID hex>`: each directory holds one layer's
// own files (with overlayfs whiteouts), used as an overlay lowerdir. A layer is unpacked
// into a temp dir and renamed into place when complete, so a present directory is always
// whole. Images with the same layer stack below a layer share its directory.
//
// Callers hold the store lock for ensure() and remove().

#include <string>
#include <vector>

#include "common/base/status.h"
#include "runtime-shim/image/layer_unpack.h"

namespace orch::shim {

class LayerStore {
 public:
  LayerStore(std::string root, UnpackOptions opts);

  std::string dir(const std::string& chain_id) const;
  bool has(const std::string& chain_id) const;
  // Unpacks `blob_path` (whose uncompressed digest must be `diff_id`) as layer
  // `chain_id` unless it is present already.
  Status ensure(const std::string& chain_id, const std::string& diff_id,
                const std::string& blob_path);
  Status remove(const std::string& chain_id);
  // Chain IDs of every layer present.
  Result<std::vector<std::string>> list() const;

 private:
  std::string root_;
  std::string dir_;
  UnpackOptions opts_;
};

}  // namespace orch::shim
