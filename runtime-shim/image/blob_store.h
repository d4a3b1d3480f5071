#pragma once
// Content-addressed blobs under `<root>/blobs/sha256/<hex>`. A blob is written to a temp
// file (in the same filesystem), hashed while it is written, and renamed into place only
// when its digest (and size, when known) match: a blob file's name always matches its
// content. Writers of one digest race harmlessly (the content is the same).
//
// Threads: BlobStore is stateless apart from its paths; BlobWriter is single-threaded.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/base/unique_fd.h"
#include "runtime-shim/image/digest.h"

namespace orch::shim {

// Receives one blob's bytes into a temp file and checks them against the expected digest.
// Destroying an uncommitted writer removes its temp file.
class BlobWriter {
 public:
  // `expected` is "sha256:<hex>"; `size` the expected byte count, if known. The temp file
  // is created in `tmp_dir`.
  static Result<BlobWriter> create(const std::string& tmp_dir, std::string expected,
                                   std::optional<uint64_t> size);
  BlobWriter(BlobWriter&&) noexcept;
  BlobWriter& operator=(BlobWriter&&) = delete;
  ~BlobWriter();

  // EFBIG once more bytes arrive than the expected size.
  Status write(std::string_view bytes);
  // Checks size and digest (EBADMSG "blob sha256:..: digest mismatch, got sha256:.."),
  // closes the temp file and renames it to `final_path`. The temp file is gone afterwards
  // either way.
  Status commit(const std::string& final_path);
  // Like commit() but keeps the verified content in the temp file and returns its path
  // (the caller moves it later; the writer no longer owns it).
  Result<std::string> finish();
  uint64_t written() const { return hash_.bytes(); }
  const std::string& expected() const { return expected_; }

 private:
  BlobWriter(UniqueFd fd, std::string tmp_path, std::string expected, std::optional<uint64_t> size)
      : fd_(std::move(fd)),
        tmp_path_(std::move(tmp_path)),
        expected_(std::move(expected)),
        size_(size) {}
  Status verify();

  UniqueFd fd_;
  std::string tmp_path_;
  std::string expected_;
  std::optional<uint64_t> size_;
  Sha256 hash_;
};

class BlobStore {
 public:
  // `root` is the image store's root; blobs live in root/blobs/sha256, temp files in
  // root/tmp (created by ImageStore::open).
  explicit BlobStore(std::string root);

  std::string path(const std::string& digest) const;
  bool has(const std::string& digest) const;
  // Writes `data` as blob `digest` (verified); no-op when present.
  Status put(const std::string& digest, std::string_view data);
  // Moves an already verified file (on the same filesystem) into place as blob `digest`.
  Status adopt(const std::string& digest, const std::string& file);
  Result<std::string> read(const std::string& digest) const;
  // ok when absent.
  Status remove(const std::string& digest);
  // Digests of every blob present.
  Result<std::vector<std::string>> list() const;
  // Size of a blob in bytes (ENOENT when absent).
  Result<uint64_t> size(const std::string& digest) const;

 private:
  std::string root_;
  std::string dir_;
  std::string tmp_;
};

}  // namespace orch::shim
