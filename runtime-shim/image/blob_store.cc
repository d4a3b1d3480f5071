#include "runtime-shim/image/blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "common/base/file_util.h"

namespace orch::shim {

Result<BlobWriter> BlobWriter::create(const std::string& tmp_dir, std::string expected,
                                      std::optional<uint64_t> size) {
  ORCH_RETURN_IF_ERROR(checkDigest(expected, "blob"));
  std::string tmpl = tmp_dir + "/blob-" + std::to_string(::getpid()) + "-XXXXXX";
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return Status::fromErrno("create temp file in " + tmp_dir);
  ::fchmod(fd, 0644);
  return BlobWriter(UniqueFd(fd), tmpl, std::move(expected), size);
}

BlobWriter::BlobWriter(BlobWriter&& o) noexcept
    : fd_(std::move(o.fd_)),
      tmp_path_(std::move(o.tmp_path_)),
      expected_(std::move(o.expected_)),
      size_(o.size_),
      hash_(std::move(o.hash_)) {
  o.tmp_path_.clear();
}

BlobWriter::~BlobWriter() {
  if (!tmp_path_.empty()) ::unlink(tmp_path_.c_str());
}

Status BlobWriter::write(std::string_view bytes) {
  if (size_ && hash_.bytes() + bytes.size() > *size_) {
    return Status::error(EFBIG, "blob " + expected_ + ": more than the expected " +
                                    std::to_string(*size_) + " bytes");
  }
  hash_.update(bytes);
  return writeAll(fd_.get(), bytes, "blob " + expected_);
}

Status BlobWriter::verify() {
  if (tmp_path_.empty()) return Status::invalid("blob " + expected_ + ": already finished");
  if (size_ && hash_.bytes() != *size_) {
    return Status::error(EBADMSG, "blob " + expected_ + ": size mismatch: expected " +
                                      std::to_string(*size_) + " bytes, got " +
                                      std::to_string(hash_.bytes()));
  }
  std::string got = hash_.digest();
  if (got != expected_) {
    return Status::error(EBADMSG, "blob " + expected_ + ": digest mismatch, got " + got);
  }
  if (::close(fd_.release()) != 0) return Status::fromErrno("close blob " + expected_);
  return Status::ok();
}

Status BlobWriter::commit(const std::string& final_path) {
  ORCH_ASSIGN_OR_RETURN(std::string tmp, finish());
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    Status st = Status::fromErrno("rename blob " + expected_ + " into " + final_path);
    ::unlink(tmp.c_str());
    return st;
  }
  return Status::ok();
}

Result<std::string> BlobWriter::finish() {
  Status st = verify();
  if (!st.isOk()) {
    if (!tmp_path_.empty()) ::unlink(tmp_path_.c_str());
    tmp_path_.clear();
    return st;
  }
  return std::exchange(tmp_path_, std::string());
}

BlobStore::BlobStore(std::string root)
    : root_(std::move(root)), dir_(root_ + "/blobs/sha256"), tmp_(root_ + "/tmp") {}

std::string BlobStore::path(const std::string& digest) const {
  return dir_ + "/" + digestHex(digest);
}

bool BlobStore::has(const std::string& digest) const {
  if (!isSha256Digest(digest)) return false;
  struct stat st;
  return ::stat(path(digest).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Status BlobStore::put(const std::string& digest, std::string_view data) {
  ORCH_RETURN_IF_ERROR(checkDigest(digest, "blob"));
  if (has(digest)) return Status::ok();
  ORCH_ASSIGN_OR_RETURN(BlobWriter w, BlobWriter::create(tmp_, digest, data.size()));
  ORCH_RETURN_IF_ERROR(w.write(data));
  return w.commit(path(digest));
}

Status BlobStore::adopt(const std::string& digest, const std::string& file) {
  ORCH_RETURN_IF_ERROR(checkDigest(digest, "blob"));
  if (has(digest)) {
    ::unlink(file.c_str());
    return Status::ok();
  }
  if (::rename(file.c_str(), path(digest).c_str()) != 0) {
    return Status::fromErrno("move blob " + digest + " into the store");
  }
  return Status::ok();
}

Result<std::string> BlobStore::read(const std::string& digest) const {
  ORCH_RETURN_IF_ERROR(checkDigest(digest, "blob"));
  auto r = readFile(path(digest));
  if (!r.ok()) return r.status().withContext("blob " + digest);
  return r;
}

Status BlobStore::remove(const std::string& digest) {
  ORCH_RETURN_IF_ERROR(checkDigest(digest, "blob"));
  if (::unlink(path(digest).c_str()) != 0 && errno != ENOENT) {
    return Status::fromErrno("remove blob " + digest);
  }
  return Status::ok();
}

Result<std::vector<std::string>> BlobStore::list() const {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) return Status::fromErrno("open " + dir_);
  while (dirent* e = ::readdir(d)) {
    if (isSha256Hex(e->d_name)) out.push_back(std::string("sha256:") + e->d_name);
  }
  ::closedir(d);
  return out;
}

Result<uint64_t> BlobStore::size(const std::string& digest) const {
  ORCH_RETURN_IF_ERROR(checkDigest(digest, "blob"));
  struct stat st;
  if (::stat(path(digest).c_str(), &st) != 0) return Status::fromErrno("blob " + digest);
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace orch::shim
