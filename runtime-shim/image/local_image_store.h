#pragma once
// The ImageStore implementation on the local filesystem (see image_store.h for the layout
// contract). Import (archive_import.cc) and pull (image_pull.cc) stage verified blobs in a
// private temp dir, then hand a StagedImage to commit(), which under the store lock unpacks
// missing layers, moves the blobs in, writes the record and moves the tags. A failed
// commit garbage-collects whatever it had added, so no partial image or layer remains.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime-shim/image/blob_store.h"
#include "runtime-shim/image/image_records.h"
#include "runtime-shim/image/image_store.h"
#include "runtime-shim/image/layer_store.h"

namespace orch::shim {

struct StagedLayer {
  std::string digest;  // blob digest (verified)
  std::string media_type;
  uint64_t size = 0;
  std::string path;  // verified blob file in a temp dir; "" when the store has it already
};

struct StagedBlob {
  std::string digest;
  std::string path;  // verified file in a temp dir
};

struct StagedImage {
  std::string config_json;            // the config blob's bytes (verified against id)
  std::vector<StagedLayer> layers;    // bottom first, matching config rootfs.diff_ids
  std::vector<StagedBlob> manifests;  // manifests / indexes to keep
  std::vector<std::string> refs;      // normalized tags and repo digests to point here
};

class LocalImageStore final : public ImageStore {
 public:
  LocalImageStore(std::string root, const ImageStoreOptions& opts);

  Result<std::vector<ImageRecord>> list() override;
  Result<std::optional<ImageRecord>> find(const std::string& ref_or_id) override;
  Result<std::vector<ImageRecord>> importArchive(const std::string& tar_path) override;
  Result<ImageRecord> pull(const std::string& ref, const PullOptions& opts) override;
  Status remove(const std::string& ref_or_id) override;
  Result<FsUsage> usage() override;

  // Stores the image (EAGAIN when a layer blob expected in the store vanished meanwhile).
  Result<ImageRecord> commit(const StagedImage& img);

  const std::string& root() const { return root_; }
  std::string tmpDir() const { return root_ + "/tmp"; }
  BlobStore& blobs() { return blobs_; }
  LayerStore& layers() { return layers_; }

 private:
  Result<ImageRecord> commitLocked(const StagedImage& img);
  Result<std::optional<std::string>> resolveId(const std::string& ref_or_id,
                                               const RefIndex& refs) const;
  ImageRecord toRecord(const StoredImage& img, const RefIndex& refs) const;
  // Removes blobs and layers no record uses, and temp leftovers of dead processes.
  Status collectGarbage();

  std::string root_;
  BlobStore blobs_;
  LayerStore layers_;
  ImageRecords records_;
};

}  // namespace orch::shim
